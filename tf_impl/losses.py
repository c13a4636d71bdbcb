"""Costs: binary and softmax cross-entropy, and the L2 penalty. Y and AL are (n_y, m)."""

import tensorflow as tf

from tf_impl import activations


def _num_examples(Y):
    return tf.cast(tf.shape(Y)[1], Y.dtype)


@tf.custom_gradient
def _binary_logprobs(ZL, Y):
    """Per example -[y log a + (1 - y) log(1 - a)] = max(z, 0) - y z + log(1 + e^-|z|), y in {0, 1}."""

    def backward(upstream):
        # the derivative the reference writes by hand, dZ = AL - Y
        return upstream * (activations.sigmoid(ZL) - Y), -upstream * ZL

    value = tf.maximum(ZL, 0) - Y * ZL + tf.math.log1p(tf.exp(-tf.abs(ZL)))
    return value, backward


def binary_cross_entropy(ZL, Y):
    """-(1/m) sum[y log a + (1 - y) log(1 - a)], a = sigmoid(z), evaluated from the logits ZL.

    Exact to rounding for every z (the literal formula is infinite from |z| = 36.7); its
    gradient with respect to ZL is (AL - Y) / m, the reference's dZ.
    """
    return tf.reduce_sum(_binary_logprobs(ZL, Y)) / _num_examples(Y)


def softmax_cross_entropy(ZL, Y):
    """-(1/m) sum over classes and examples of y log softmax(z), with log-softmax from the logits."""
    log_A = tf.nn.log_softmax(ZL, axis=0)
    return -tf.reduce_sum(Y * log_A) / _num_examples(Y)


def l2_penalty(params, lambd, m):
    """(lambd / 2m) * sum_l ||W_l||_F^2 over the weights only."""
    weights = [W for key, W in params.items() if key.startswith("W")]
    return lambd / (2 * m) * tf.add_n([tf.reduce_sum(tf.square(W)) for W in weights])
