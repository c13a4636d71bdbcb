"""Costs: binary and softmax cross-entropy, and the L2 penalty. Y and AL are (n_y, m)."""

import numpy as np


def binary_cross_entropy(AL, Y, ZL):
    """-(1/m) sum[y log a + (1 - y) log(1 - a)], the course's formula.

    Where a sigmoid has saturated (a rounds to 0 or 1) the formula gives inf or NaN for that
    example; there, and only there, the same loss is computed from the logits ZL instead:
    max(z, 0) - y z + log(1 + e^-|z|).
    """
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = -(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    bad = ~np.isfinite(logprobs)
    if bad.any():
        from_logits = np.maximum(ZL, 0) - Y * ZL + np.log1p(np.exp(-np.abs(ZL)))
        logprobs = np.where(bad, from_logits, logprobs)
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
