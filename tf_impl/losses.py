"""Costs: binary and softmax cross-entropy, and the L2 penalty. Y and AL are (n_y, m)."""

import tensorflow as tf


def _num_examples(Y):
    return tf.cast(tf.shape(Y)[1], Y.dtype)


def binary_cross_entropy(AL, Y, ZL):
    """-(1/m) sum[y log a + (1 - y) log(1 - a)], the course's formula.

    Where a sigmoid has saturated (a rounds to 0 or 1) the formula gives inf or NaN for that
    example; there, and only there, the same loss is computed from the logits ZL instead:
    max(z, 0) - y z + log(1 + e^-|z|).
    """
    course = -(Y * tf.math.log(AL) + (1 - Y) * tf.math.log(1 - AL))
    bad = tf.logical_not(tf.math.is_finite(course))
    # double where: the course formula is re-evaluated at a harmless a = 0.5 where it is bad, so
    # its gradient there is finite and masked to 0 (a single where would give 0 * inf = NaN)
    safe_AL = tf.where(bad, tf.constant(0.5, AL.dtype), AL)
    course = -(Y * tf.math.log(safe_AL) + (1 - Y) * tf.math.log(1 - safe_AL))
    from_logits = tf.maximum(ZL, 0) - Y * ZL + tf.math.log1p(tf.exp(-tf.abs(ZL)))
    logprobs = tf.where(bad, from_logits, course)
    return tf.reduce_sum(logprobs) / _num_examples(Y)


def softmax_cross_entropy(ZL, Y):
    """-(1/m) sum over classes and examples of y log softmax(z), with log-softmax from the logits."""
    log_A = tf.nn.log_softmax(ZL, axis=0)
    return -tf.reduce_sum(Y * log_A) / _num_examples(Y)


def l2_penalty(params, lambd, m):
    """(lambd / 2m) * sum_l ||W_l||_F^2 over the weights only."""
    weights = [W for key, W in params.items() if key.startswith("W")]
    return lambd / (2 * m) * tf.add_n([tf.reduce_sum(tf.square(W)) for W in weights])
