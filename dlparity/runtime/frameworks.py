"""Which implementations exist, which can be imported here, and how to load one.

A framework (pure_numpy, jax_impl, tf_impl, or keras_impl.train with keras_models) provides
`train(spec, config, data, params0, *, progress=None, start=None, stop=None, **options) ->
TrainResult` (one signature everywhere: dlparity.core.driver) and
`predict(params, X, spec, *, bn_state=None)`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import SimpleNamespace

from dlparity.core.errors import DlparityError

# framework name -> (train module, predict module, third-party packages it needs)
FRAMEWORKS = {
    "numpy": ("pure_numpy.train", "pure_numpy.models", ()),
    "jax": ("jax_impl.train", "jax_impl.models", ("jax", "optax")),
    "tf": ("tf_impl.train", "tf_impl.models", ("tensorflow",)),
    "keras": ("keras_impl.train", "keras_impl.models", ("tensorflow", "keras")),
    "keras-jax": ("dlparity.runtime.worker", "dlparity.runtime.worker", ("jax", "keras")),
}
# what a command runs when no framework is named: keras-jax starts a second process (with
# Keras on JAX), so it runs when asked for
DEFAULT = ("numpy", "jax", "tf", "keras")


def check_name(name: str) -> None:
    if name not in FRAMEWORKS:
        raise DlparityError(
            f"unknown framework {name!r}; choose from {', '.join(FRAMEWORKS)} (and "
            "keras-stock, keras-jax-stock: Keras' own components)"
        )


def _findable(module: str) -> bool:
    """Whether module can be imported, found without importing it or its packages.

    (find_spec of "jax_impl.train" would import jax_impl, and with it jax.)
    """
    top, _, rest = module.partition(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not rest:
        return spec is not None
    relative = Path(*rest.split("."))
    return any(
        (Path(folder) / relative).with_suffix(".py").is_file() or (Path(folder) / relative).is_dir()
        for folder in spec.submodule_search_locations or ()
    )


def missing_packages(name: str) -> list[str]:
    """Third-party packages the framework needs that are not installed, or its own module."""
    check_name(name)
    train_module, _, needs = FRAMEWORKS[name]
    missing = [pkg for pkg in needs if not _findable(pkg)]
    if not missing and not _findable(train_module):
        missing.append(train_module)
    return missing


def available(name: str) -> bool:
    return not missing_packages(name)


def keras_backend_note(name: str) -> str | None:
    """A note when KERAS_BACKEND asks for another backend than the framework's Keras uses."""
    wanted = os.environ.get("KERAS_BACKEND")
    runs_on = {"keras": ("tensorflow", "TensorFlow"), "keras-jax": ("jax", "JAX")}.get(name)
    if runs_on is None or wanted in (None, "", runs_on[0]):
        return None
    other = " (Keras on JAX: --framework keras-jax)" if name == "keras" else ""
    return (
        f"note: --framework {name} runs Keras on {runs_on[1]}; KERAS_BACKEND={wanted} "
        f"applies to your own Keras code, not to this run{other}"
    )


def _put_keras_on_tensorflow() -> None:
    """--framework keras is Keras on TensorFlow (keras-jax runs in a process of its own)."""
    keras = sys.modules.get("keras")
    if keras is None:
        asked = os.environ.get("KERAS_BACKEND")
        os.environ["KERAS_BACKEND"] = "tensorflow"
        try:
            importlib.import_module("keras_impl")
        finally:
            os.environ.pop("KERAS_BACKEND")
            if asked is not None:
                os.environ["KERAS_BACKEND"] = asked
    elif keras.backend.backend() != "tensorflow":
        raise DlparityError(
            f"framework 'keras' runs Keras on TensorFlow, but this process imported Keras on "
            f"{keras.backend.backend()!r}; use keras-jax, or a process without KERAS_BACKEND"
        )


def load(name: str) -> SimpleNamespace:
    """The framework's train and predict functions."""
    missing = missing_packages(name)
    if missing:
        raise DlparityError(
            f"framework {name!r} needs {', '.join(missing)}, which is not installed"
        )
    train_module, predict_module, _ = FRAMEWORKS[name]
    if name == "keras":
        _put_keras_on_tensorflow()
    return SimpleNamespace(
        name=name,
        train=importlib.import_module(train_module).train,
        predict=importlib.import_module(predict_module).predict,
    )
