"""Layer building blocks as TensorFlow ops: forward only, tf.GradientTape records the backward.

Shapes: A_prev (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1), Z (n_l, m).
"""

import tensorflow as tf

from dlparity.core import compose
from dlparity.core import layers as specs
from tf_impl import activations


def linear_forward(A_prev, W, b=None):
    """Z = W A_prev + b (b is None for a layer followed by batch norm)."""
    # no cache: the tape keeps what backward needs
    Z = tf.matmul(W, A_prev)
    if b is not None:
        Z = Z + b
    return Z


def batchnorm_forward(Z, gamma, beta, epsilon, *, mu=None, var=None, axes=(1,)):
    """Z_tilde = gamma * (Z - mu) / sqrt(var + epsilon) + beta. Returns Z_tilde, (mu, var).

    With mu, var None (training) the statistics are the mini-batch's: mean and biased
    variance over the examples (axis 1 of (n, m); axes (0, 1, 2) of images, per channel),
    across every replica's examples under a tf.distribute strategy. Otherwise the given running
    statistics are used.
    """
    if mu is None:
        mu = _examples_mean(Z, axes)
        var = _examples_mean((Z - mu) ** 2, axes)
    inv_std = 1 / tf.sqrt(var + epsilon)
    Z_norm = (Z - mu) * inv_std
    return gamma * Z_norm + beta, (mu, var)


def _examples_mean(Z, axes=(1,)):
    """Mean over the examples' axes. With several replicas (tf_impl.parallel) each holds a
    block of the mini-batch's examples: sums and counts are all-reduced, so every replica gets
    the whole mini-batch's mean (synchronized batch norm)."""
    axes = list(axes)
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return tf.reduce_mean(Z, axis=axes, keepdims=True)
    count = tf.cast(tf.reduce_prod(tf.gather(tf.shape(Z), axes)), Z.dtype)
    total, count = context.all_reduce("sum", (tf.reduce_sum(Z, axis=axes, keepdims=True), count))
    return total / count


def dropout_forward(A, D, keep_prob):
    """Inverted dropout: A * D / keep_prob, D a 0/1 mask of A's shape."""
    return A * D / keep_prob


def zero_pad(X, pad):
    """X (m, n_H, n_W, n_C) with pad zeros on each side of n_H and n_W (or specs.pad_widths)."""
    return tf.pad(X, [[0, 0], *specs.pad_widths(pad), [0, 0]])


def conv_single_step(a_slice_prev, W, b):
    """One output value: the sum of a_slice_prev (f, f, n_C_prev) times one filter W, plus b."""
    return tf.reduce_sum(a_slice_prev * W) + tf.reshape(b, ())


def conv_forward(A_prev, W, b, hparameters):
    """Z = W * A_prev + b, cross-correlation like the course's: tf.nn.conv2d with the course's
    symmetric zero padding given explicitly ("SAME" pads the bottom and right when the total
    padding is odd)."""
    pad, stride = hparameters["pad"], hparameters["stride"]
    paddings = [[0, 0], *specs.pad_widths(pad), [0, 0]]
    return tf.nn.conv2d(A_prev, W, strides=stride, padding=paddings) + b


def pool_forward(A_prev, hparameters, mode="max"):
    """The maximum or the mean of every f x f window (stride, no padding): tf.nn.max_pool2d or
    avg_pool2d. Its gradient sends a window's dA to one maximum where several tie (the course's
    mask: to each). A NumPy A_prev is made a tensor first: max_pool2d turns a float64 array
    into float32 from its second call on."""
    f, stride = hparameters["f"], hparameters["stride"]
    pool = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    return pool(tf.convert_to_tensor(A_prev), ksize=f, strides=stride, padding="VALID")


def flatten_forward(A):
    """(m, n_H, n_W, n_C) -> (n_H n_W n_C, m): each example's row-major flattening, a column."""
    return tf.transpose(tf.reshape(A, (tf.shape(A)[0], -1)))


# ---------------------------------------------------------------- one forward per layer type

BLOCKS = compose.Blocks(
    linear_forward, conv_forward, pool_forward, flatten_forward, batchnorm_forward,
    dropout_forward, activations.HIDDEN, activations.sigmoid, activations.softmax,
)  # fmt: skip
FORWARD = compose.forward_table(BLOCKS)
