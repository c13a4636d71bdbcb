"""Costs: binary and softmax cross-entropy, and the L2 penalty. Y and AL are (n_y, m)."""

import tensorflow as tf


def _num_examples(Y):
    return tf.cast(tf.shape(Y)[1], Y.dtype)


def binary_cross_entropy(AL, Y, ZL):
    """-(1/m) sum[y log a + (1 - y) log(1 - a)], the course's formula (logits form where non-finite).

    The value is the reference's; the gradient is the logits form's, (a - y) / m with respect to
    ZL, which is the reference's dZ = AL - Y. Differentiating the course formula itself would lose
    digits in log(1 - a) as a approaches 1 (7e-4 relative error in the gradient at z = 30).
    """
    # softplus(z) - y z is the logits form; its gradient sigmoid(z) - y has no kink at z = 0
    from_logits = tf.math.softplus(ZL) - Y * ZL
    course = -(Y * tf.math.log(AL) + (1 - Y) * tf.math.log(1 - AL))
    value = tf.where(tf.math.is_finite(course), course, from_logits)
    logprobs = from_logits + tf.stop_gradient(value - from_logits)
    return tf.reduce_sum(logprobs) / _num_examples(Y)


def softmax_cross_entropy(ZL, Y):
    """-(1/m) sum over classes and examples of y log softmax(z), with log-softmax from the logits."""
    log_A = tf.nn.log_softmax(ZL, axis=0)
    return -tf.reduce_sum(Y * log_A) / _num_examples(Y)


def l2_penalty(params, lambd, m):
    """(lambd / 2m) * sum_l ||W_l||_F^2 over the weights only."""
    weights = [W for key, W in params.items() if key.startswith("W")]
    return lambd / (2 * m) * tf.add_n([tf.reduce_sum(tf.square(W)) for W in weights])
