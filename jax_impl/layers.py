"""Layer building blocks. Forward only: there are no caches, jax.value_and_grad does backward.

Shapes: A_prev (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1), Z (n_l, m).
"""

import jax.numpy as jnp


def linear_forward(A_prev, W, b=None):
    """Z = W A_prev + b (b is None for a layer followed by batch norm)."""
    # precision="highest": on GPUs a float32 matmul would otherwise run in TF32 (10-bit mantissa)
    Z = jnp.matmul(W, A_prev, precision="highest")
    if b is not None:
        Z = Z + b
    return Z


def batchnorm_forward(Z, gamma, beta, epsilon, *, mu=None, var=None):
    """Z_tilde = gamma * (Z - mu) / sqrt(var + epsilon) + beta. Returns Z_tilde, (mu, var).

    With mu, var None (training) the statistics are the mini-batch's: mean and biased
    variance over examples (axis 1). Otherwise the given running statistics are used.
    """
    if mu is None:
        mu = Z.mean(axis=1, keepdims=True)
        var = ((Z - mu) ** 2).mean(axis=1, keepdims=True)
    inv_std = 1 / jnp.sqrt(var + epsilon)
    Z_norm = (Z - mu) * inv_std
    return gamma * Z_norm + beta, (mu, var)


def dropout_forward(A, D, keep_prob):
    """Inverted dropout: A * D / keep_prob, D a 0/1 mask of A's shape."""
    return A * D / keep_prob
