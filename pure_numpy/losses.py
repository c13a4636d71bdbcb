"""Costs: binary and softmax cross-entropy, and the L2 penalty. Y and AL are (n_y, m)."""

import numpy as np


def binary_cross_entropy(ZL, Y):
    """-(1/m) sum[y log a + (1 - y) log(1 - a)], a = sigmoid(z), evaluated from the logits ZL.

    For y in {0, 1} the course's formula equals max(z, 0) - y z + log(1 + e^-|z|), whose terms
    lose no digits: the cost is exact to rounding for every z, where the literal formula is off
    by 1e-10 from |z| = 15 and infinite from |z| = 36.7 (a rounds to 1). The gradient is
    unchanged: dZ = AL - Y (models._backward).
    """
    m = Y.shape[1]
    logprobs = np.maximum(ZL, 0) - Y * ZL + np.log1p(np.exp(-np.abs(ZL)))
    return float(np.sum(logprobs) / m)


def softmax_cross_entropy(ZL, Y):
    """-(1/m) sum over classes and examples of y log softmax(z), with log-softmax from the logits."""
    m = Y.shape[1]
    shifted = ZL - ZL.max(axis=0, keepdims=True)
    log_A = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    return float(-np.sum(Y * log_A) / m)


def l2_penalty(params, lambd, m):
    """(lambd / 2m) * sum_l ||W_l||_F^2 over the weights only."""
    weights = [W for key, W in params.items() if key.startswith("W")]
    return lambd / (2 * m) * sum(float(np.sum(np.square(W))) for W in weights)
