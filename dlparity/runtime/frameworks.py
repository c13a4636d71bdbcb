"""Which frameworks exist, which can be imported here, and how to load one.

Each framework package describes itself in its `framework.py`: FRAMEWORK, a
dlparity.core.framework.Framework (keras_impl's has a variant, keras-jax). Nothing else lists
frameworks. This module reads those files as files of their own, without importing their
packages: a package's __init__ starts its framework (JAX's float64, TensorFlow's logging,
Keras' backend), and `dlparity list` and --help must import none. A framework provides
`train(spec, config, data, params0, *, progress=None, start=None, stop=None, **options) ->
TrainResult` (one signature everywhere: dlparity.core.driver) and
`predict(params, X, spec, *, bn_state=None)`.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from dlparity.core.errors import DlparityError
from dlparity.core.framework import Framework

# the packages whose framework.py describes a framework, in the order the command lists them
PACKAGES = ("pure_numpy", "jax_impl", "tf_impl", "keras_impl")
DESCRIPTOR = "framework.py"
STOCK_SUFFIX = "-stock"  # "keras-stock": train(stock=True), the framework's own components


def _read(package: str) -> Framework | None:
    """The package's FRAMEWORK, its framework.py run as a module of its own (None: no package)."""
    spec = importlib.util.find_spec(package)  # a top-level name: found, not imported
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / DESCRIPTOR
    module_spec = importlib.util.spec_from_file_location(f"{package}.framework", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.FRAMEWORK


@functools.cache
def descriptors() -> tuple[Framework, ...]:
    """Every framework: each package's descriptor, then its variants."""
    found = []
    for package in PACKAGES:
        framework = _read(package)
        if framework is not None:
            found += [framework, *framework.variants]
    return tuple(found)


def names(where: Callable[[Framework], object] | None = None) -> list[str]:
    """The frameworks' names, in the command's order (where: those it holds for)."""
    return [f.name for f in descriptors() if where is None or where(f)]


def stock_names() -> list[str]:
    """The stock variants' names: keras-stock, keras-jax-stock."""
    return [name + STOCK_SUFFIX for name in names(lambda f: f.stock)]


def stock_uses(suffix: str = "") -> dict[str, list[str]]:
    """What stock variants use -> the frameworks with one, each name + suffix:
    {"Keras' own components": ["keras", "keras-jax"]}."""
    uses: dict[str, list[str]] = {}
    for f in descriptors():
        if f.stock:
            uses.setdefault(f.stock, []).append(f.name + suffix)
    return uses


def check_name(name: str) -> None:
    if name not in names():
        uses = stock_uses(STOCK_SUFFIX).items()
        variants = "; ".join(f"{', '.join(v)}: {what}" for what, v in uses)
        raise DlparityError(
            f"unknown framework {name!r}; choose from {', '.join(names())}"
            + (f" (and {variants})" if variants else "")
        )


def get(name: str) -> Framework:
    check_name(name)
    return next(f for f in descriptors() if f.name == name)


def split(name: str) -> tuple[Framework, dict]:
    """'keras-stock' -> (keras, {'stock': True}); other names carry no options."""
    if name.endswith(STOCK_SUFFIX):
        base = name[: -len(STOCK_SUFFIX)]
        if base not in names(lambda f: f.stock):
            raise DlparityError(
                f"unknown framework {name!r}: only {either(names(lambda f: f.stock), 'and')} "
                "have a stock variant"
            )
        return get(base), {"stock": True}
    return get(name), {}


def reference() -> Framework:
    """The course's own code (numpy): compare's first column, bench's base."""
    return next(f for f in descriptors() if f.reference)


def defaults() -> list[str]:
    """What a command runs when no framework is named."""
    return names(lambda f: f.default)


def either(items, last: str = "or") -> str:
    """'jax, tf or keras'."""
    *others, final = items
    return f"{', '.join(others)} {last} {final}" if others else final


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
    framework = get(name)
    missing = [pkg for pkg in framework.needs if not _findable(pkg)]
    train_module = framework.train.partition(":")[0]
    if not missing and not _findable(train_module):
        missing.append(train_module)
    return missing


def available(name: str) -> bool:
    return not missing_packages(name)


def function(ref: str):
    """The object "module:qualified name" names, its module imported."""
    module_name, _, qualname = ref.partition(":")
    obj = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def load(name: str) -> SimpleNamespace:
    """The framework's train and predict functions (a worker's, for one that runs in its own
    process)."""
    framework = get(name)
    missing = missing_packages(name)
    if missing:
        raise DlparityError(
            f"framework {name!r} needs {', '.join(missing)}, which is not installed"
        )
    if framework.worker:
        from dlparity.runtime import worker

        return worker.functions(framework)
    if framework.keras_backend is not None:
        from dlparity.runtime import keras_backend

        keras_backend.put_on(framework)
    return SimpleNamespace(
        name=name, train=function(framework.train), predict=function(framework.predict)
    )
