"""TensorFlow's side of the contract: checked inputs as tensors; calls run eagerly.

train() compiles whole runs with tf.function (tf_impl/train.py); one call here is too small for
tracing to pay off.
"""

import tensorflow as tf

from dlparity.core import contract


def arrays(spec, params, X, Y=None, **options) -> contract.Arguments:
    """dlparity.core.contract's checked arguments as tensors of the spec's dtype."""
    arguments = contract.arguments(spec, params, X, Y, **options)
    return contract.convert(arguments, lambda a: tf.cast(a, spec.dtype))


def compiled(function, *, static):
    """Eager TensorFlow: the function itself."""
    return function
