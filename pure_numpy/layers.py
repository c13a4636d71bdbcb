"""Layer building blocks, the course's way: forward returns a cache, backward consumes it.

Shapes: A_prev (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1), Z (n_l, m).
"""

import numpy as np


def linear_forward(A_prev, W, b=None):
    """Z = W A_prev + b (b is None for a layer followed by batch norm)."""
    Z = W @ A_prev
    if b is not None:
        Z = Z + b
    return Z, (A_prev, W)


def linear_backward(dZ, cache, *, has_bias=True):
    """dW = (1/m) dZ A_prev^T, db = (1/m) sum(dZ), dA_prev = W^T dZ (dZ unscaled by m)."""
    A_prev, W = cache
    m = A_prev.shape[1]
    dW = 1.0 / m * (dZ @ A_prev.T)
    db = 1.0 / m * np.sum(dZ, axis=1, keepdims=True) if has_bias else None
    return W.T @ dZ, dW, db


def batchnorm_forward(Z, gamma, beta, epsilon, *, mu=None, var=None):
    """Z_tilde = gamma * (Z - mu) / sqrt(var + epsilon) + beta.

    With mu, var None (training) the statistics are the mini-batch's: mean and biased
    variance over examples (axis 1). Otherwise the given running statistics are used.
    Returns Z_tilde, cache, (mu, var).
    """
    if mu is None:
        mu = Z.mean(axis=1, keepdims=True)
        var = ((Z - mu) ** 2).mean(axis=1, keepdims=True)
    inv_std = 1 / np.sqrt(var + epsilon)
    Z_norm = (Z - mu) * inv_std
    return gamma * Z_norm + beta, (Z_norm, gamma, inv_std), (mu, var)


def batchnorm_backward(dZ_tilde, cache):
    """Back through training-mode batch norm (statistics depend on Z). Returns dZ, dgamma, dbeta.

    dZ_tilde is unscaled by m like every dZ here; dgamma and dbeta carry the 1/m.
    """
    Z_norm, gamma, inv_std = cache
    m = Z_norm.shape[1]
    dZ_norm = dZ_tilde * gamma
    dZ = (
        inv_std
        / m
        * (
            m * dZ_norm
            - dZ_norm.sum(axis=1, keepdims=True)
            - Z_norm * (dZ_norm * Z_norm).sum(axis=1, keepdims=True)
        )
    )
    dgamma = 1.0 / m * np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dbeta = 1.0 / m * np.sum(dZ_tilde, axis=1, keepdims=True)
    return dZ, dgamma, dbeta


def dropout_forward(A, D, keep_prob):
    """Inverted dropout: A * D / keep_prob, D a 0/1 mask of A's shape."""
    return A * D / keep_prob


def dropout_backward(dA, D, keep_prob):
    """The same mask, the same scaling."""
    return dA * D / keep_prob
