"""Layer building blocks as TensorFlow ops: forward only, tf.GradientTape records the backward.

Shapes: A_prev (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1), Z (n_l, m).
"""

import tensorflow as tf


def linear_forward(A_prev, W, b=None):
    """Z = W A_prev + b (b is None for a layer followed by batch norm)."""
    # no cache: the tape keeps what backward needs
    Z = tf.matmul(W, A_prev)
    if b is not None:
        Z = Z + b
    return Z


def batchnorm_forward(Z, gamma, beta, epsilon, *, mu=None, var=None):
    """Z_tilde = gamma * (Z - mu) / sqrt(var + epsilon) + beta. Returns Z_tilde, (mu, var).

    With mu, var None (training) the statistics are the mini-batch's: mean and biased
    variance over examples (axis 1), across every replica's examples under a tf.distribute
    strategy. Otherwise the given running statistics are used.
    """
    if mu is None:
        mu = _examples_mean(Z)
        var = _examples_mean((Z - mu) ** 2)
    inv_std = 1 / tf.sqrt(var + epsilon)
    Z_norm = (Z - mu) * inv_std
    return gamma * Z_norm + beta, (mu, var)


def _examples_mean(Z):
    """Mean over axis 1. With several replicas (tf_impl.parallel) each holds a block of the
    mini-batch's columns: sums and counts are all-reduced, so every replica gets the whole
    mini-batch's mean (synchronized batch norm)."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return tf.reduce_mean(Z, axis=1, keepdims=True)
    count = tf.cast(tf.shape(Z)[1], Z.dtype)
    total, count = context.all_reduce("sum", (tf.reduce_sum(Z, axis=1, keepdims=True), count))
    return total / count


def dropout_forward(A, D, keep_prob):
    """Inverted dropout: A * D / keep_prob, D a 0/1 mask of A's shape."""
    return A * D / keep_prob
