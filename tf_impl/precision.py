"""The float64 traps of TensorFlow and Keras, handled once, here.

- Keras caches its dtype policy on first use: floatx AND the policy must be set before any
  layer, loss or optimizer is built.
- Keras turns Python-float hyperparameters into float32 before widening (0.9 -> 0.89999997...):
  pass them through `hyper` so they are NumPy scalars of the working dtype.
- On GPUs TF32 silently rounds float32 matmuls: off, and op determinism on, for parity.
"""

import numpy as np
import tensorflow as tf

_configured = {}


def configure(dtype: str) -> None:
    """Set Keras' floatx and dtype policy to dtype (idempotent), determinism on, TF32 off."""
    import keras

    if _configured.get("dtype") == dtype:
        return
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)
    if not _configured:
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
