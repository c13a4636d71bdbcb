"""KERAS_BACKEND: read and set here, and nowhere else.

Keras picks its backend once per process, when it is first imported, from KERAS_BACKEND
(tensorflow when unset). A framework's descriptor names the backend its Keras runs on
(keras: tensorflow; keras-jax: jax). The command runs the framework whose backend is
TensorFlow in its own process, and one that says `worker` in a process of its own with
KERAS_BACKEND set to its backend (dlparity.runtime.worker); a KERAS_BACKEND the user set for their
own Keras code is noted and left as it is for the processes they start. tf_impl (tf.keras)
needs Keras on TensorFlow; keras_impl follows KERAS_BACKEND in Python.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys

from dlparity.core.errors import DlparityError
from dlparity.runtime import frameworks

VARIABLE = "KERAS_BACKEND"
DEFAULT = "tensorflow"  # Keras' own, when KERAS_BACKEND is unset
_SPELLED = {"tensorflow": "TensorFlow", "jax": "JAX"}  # in sentences


def spelled(backend: str) -> str:
    return _SPELLED.get(backend, backend)


def loaded() -> str | None:
    """The backend of this process's Keras, None while Keras is not imported."""
    keras = sys.modules.get("keras")
    return None if keras is None else keras.backend.backend()


def runs_here(backend: str) -> bool:
    """Whether this process's Keras is imported, on backend."""
    return loaded() == backend


@contextlib.contextmanager
def set_while_importing(backend: str):
    """KERAS_BACKEND=backend for the imports inside; the user's value (or none) after."""
    asked = os.environ.get(VARIABLE)
    os.environ[VARIABLE] = backend
    try:
        yield
    finally:
        if asked is None:
            del os.environ[VARIABLE]
        else:
            os.environ[VARIABLE] = asked


def worker_environment(backend: str) -> dict:
    """The environment of a worker process whose Keras runs on backend."""
    return {**os.environ, VARIABLE: backend}


def choose(package: str) -> str:
    """The backend the package's Keras runs on in this process: the one Keras was imported on,
    else KERAS_BACKEND's (tensorflow when unset); one of its frameworks', or a one-line error."""
    backends = [f.keras_backend for f in frameworks.descriptors() if f.package == package]
    backends = [b for b in backends if b is not None]
    if loaded() is not None:
        name, origin = loaded(), "Keras was imported on"
    else:
        name, origin = os.environ.get(VARIABLE) or DEFAULT, f"{VARIABLE} is"
    if name not in backends:
        settings = " or ".join(f"{VARIABLE}={b}" for b in backends)
        raise DlparityError(
            f"{package} runs Keras on {' or '.join(backends)}, but {origin} {name!r}: "
            f"set {settings}"
        )
    return name


def import_keras(backend: str) -> None:
    """Keras imported on backend, unless it is imported already (the backend is fixed from
    then on); the environment stays the user's, for the processes this one starts."""
    if loaded() is None:
        with set_while_importing(backend):
            importlib.import_module("keras")


def require(backend: str, package: str) -> None:
    """For a package whose Keras code runs on backend alone (tf_impl): KERAS_BACKEND set to it
    for this process while Keras is not imported; a one-line error when it was, on another."""
    here = loaded()
    if here is None:
        os.environ[VARIABLE] = backend
    elif here != backend:
        raise DlparityError(
            f"{package} needs Keras on the {spelled(backend)} backend, but Keras was imported on "
            f"{here!r} ({VARIABLE}): import {package} before keras, or set {VARIABLE}={backend}"
        )


def put_on(framework) -> None:
    """The framework's package imported with its Keras on its backend, in this process."""
    here = loaded()
    if here is None:
        with set_while_importing(framework.keras_backend):
            importlib.import_module(framework.package)
    elif here != framework.keras_backend:
        others = frameworks.names(lambda f: f.keras_backend == here)
        use = f"use {', '.join(others)}, or " if others else "use "
        raise DlparityError(
            f"framework {framework.name!r} runs Keras on {spelled(framework.keras_backend)}, but "
            f"this process imported Keras on {here!r}; {use}a process without {VARIABLE}"
        )


def note(name: str) -> str | None:
    """A note when KERAS_BACKEND asks for another backend than the framework's Keras uses."""
    framework = frameworks.get(name)
    wanted, runs_on = os.environ.get(VARIABLE), framework.keras_backend
    if runs_on is None or wanted in (None, "", runs_on):
        return None
    other = ""
    if not framework.worker:  # where the other backends run
        for f in frameworks.descriptors():
            if f.keras_backend not in (None, runs_on):
                other += f" (Keras on {spelled(f.keras_backend)}: --framework {f.name})"
    return (
        f"note: --framework {name} runs Keras on {spelled(runs_on)}; {VARIABLE}={wanted} "
        f"applies to your own Keras code, not to this run{other}"
    )
