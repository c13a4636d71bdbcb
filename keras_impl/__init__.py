"""The course's networks in idiomatic Keras 3, one code for its TensorFlow and JAX backends.

Keras chooses its backend once, when it is first imported, from KERAS_BACKEND: "tensorflow"
(the default here) or "jax"; any other value is refused in one line. On JAX, 64-bit floats
are switched on (jax_enable_x64), or float64 would silently become float32. The command runs
--framework keras on TensorFlow in its own process and --framework keras-jax on JAX in a
worker process (dlparity.runtime.worker); KERAS_BACKEND is read in dlparity.runtime.keras_backend.
Everything backend-specific is in keras_impl.backend.
Training sets Keras' floatx and dtype policy to the run's dtype for the process.
"""

from dlparity.runtime import keras_backend, quiet

BACKEND = keras_backend.choose("keras_impl")  # one of this package's frameworks' backends
if BACKEND == "jax":
    from dlparity.runtime import cache

    quiet.quiet_jax()
    import jax

    jax.config.update("jax_enable_x64", True)
    cache.configure_jax(jax)
else:
    quiet.import_tensorflow()  # before Keras, which imports TensorFlow with its start-up logging
keras_backend.import_keras(BACKEND)  # the backend is fixed from here on
