"""The float64 traps of TensorFlow, handled once, here (Keras' own: keras_impl.backend).

- Python-float hyperparameters can be turned into float32 before widening (0.9 -> 0.89999997...):
  pass them through `hyper` so they are NumPy scalars of the working dtype.
- On GPUs TF32 silently rounds float32 matmuls: off, and op determinism on, for parity.
"""

import numpy as np
import tensorflow as tf

_configured = {}


def configure(dtype: str) -> None:
    """Op determinism on, TF32 off (once; dtype is carried by every tensor made here)."""
    if _configured:
        return
    tf.config.experimental.enable_op_determinism()
    tf.config.experimental.enable_tensor_float_32_execution(False)
    _configured["dtype"] = dtype


def hyper(value: float, dtype: str):
    """A hyperparameter as a NumPy scalar of dtype, so Keras does not round it through float32."""
    return np.dtype(dtype).type(value)


def tensor(array, dtype: str) -> tf.Tensor:
    """A NumPy array (or tensor) as a constant of dtype."""
    return (
        tf.constant(np.asarray(array), dtype=dtype)
        if not tf.is_tensor(array)
        else tf.cast(array, dtype)
    )
