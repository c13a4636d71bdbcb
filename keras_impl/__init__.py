"""The course's networks in idiomatic Keras 3, one code for its TensorFlow and JAX backends.

Keras chooses its backend once, when it is first imported, from KERAS_BACKEND: "tensorflow"
(the default here) or "jax"; any other value is refused in one line. On JAX, 64-bit floats
are switched on (jax_enable_x64), or float64 would silently become float32. The command runs
--framework keras on TensorFlow in its own process and --framework keras-jax on JAX in a
worker process (dlparity.runtime.worker). Everything backend-specific is in keras_impl.backend.
Training sets Keras' floatx and dtype policy to the run's dtype for the process.
"""

import os
import sys

from dlparity.core.errors import DlparityError
from dlparity.runtime import quiet

BACKENDS = ("tensorflow", "jax")


def _backend() -> str:
    if "keras" in sys.modules:
        name, origin = sys.modules["keras"].backend.backend(), "Keras was imported on"
    else:
        name, origin = os.environ.get("KERAS_BACKEND") or "tensorflow", "KERAS_BACKEND is"
    if name not in BACKENDS:
        raise DlparityError(
            f"keras_impl runs Keras on tensorflow or jax, but {origin} {name!r}: "
            "set KERAS_BACKEND=tensorflow or KERAS_BACKEND=jax"
        )
    return name


BACKEND = _backend()
if BACKEND == "jax":
    from dlparity.runtime import cache

    quiet.quiet_jax()
    import jax

    jax.config.update("jax_enable_x64", True)
    cache.configure_jax(jax)
else:
    quiet.import_tensorflow()  # before Keras, which imports TensorFlow with its start-up logging
if "keras" not in sys.modules:
    _asked = os.environ.get("KERAS_BACKEND")
    os.environ["KERAS_BACKEND"] = BACKEND
    import keras  # noqa: F401  (the backend is fixed from here on)

    if _asked is None:  # the environment stays the user's, for the processes this one starts
        del os.environ["KERAS_BACKEND"]
    else:
        os.environ["KERAS_BACKEND"] = _asked
