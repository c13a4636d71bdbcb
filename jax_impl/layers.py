"""Layer building blocks. Forward only: there are no caches, jax.value_and_grad does backward.

Shapes: A_prev (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1), Z (n_l, m).
"""

import jax.numpy as jnp
from jax import lax

from dlparity.core import compose
from dlparity.core import layers as specs
from jax_impl import activations


def linear_forward(A_prev, W, b=None):
    """Z = W A_prev + b (b is None for a layer followed by batch norm)."""
    # precision="highest": on GPUs a float32 matmul would otherwise run in TF32 (10-bit mantissa)
    Z = jnp.matmul(W, A_prev, precision="highest")
    if b is not None:
        Z = Z + b
    return Z


def batchnorm_forward(Z, gamma, beta, epsilon, *, mu=None, var=None, axes=(1,)):
    """Z_tilde = gamma * (Z - mu) / sqrt(var + epsilon) + beta. Returns Z_tilde, (mu, var).

    With mu, var None (training) the statistics are the mini-batch's: mean and biased
    variance over the examples (axis 1 of (n, m); axes (0, 1, 2) of images, per channel).
    Otherwise the given running statistics are used.
    """
    if mu is None:
        mu = Z.mean(axis=axes, keepdims=True)
        var = ((Z - mu) ** 2).mean(axis=axes, keepdims=True)
    inv_std = 1 / jnp.sqrt(var + epsilon)
    Z_norm = (Z - mu) * inv_std
    return gamma * Z_norm + beta, (mu, var)


def dropout_forward(A, D, keep_prob):
    """Inverted dropout: A * D / keep_prob, D a 0/1 mask of A's shape."""
    return A * D / keep_prob


def zero_pad(X, pad):
    """X (m, n_H, n_W, n_C) with pad zeros on each side of n_H and n_W (or specs.pad_widths)."""
    return jnp.pad(X, ((0, 0), *specs.pad_widths(pad), (0, 0)))


def conv_single_step(a_slice_prev, W, b):
    """One output value: the sum of a_slice_prev (f, f, n_C_prev) times one filter W, plus b."""
    return jnp.sum(a_slice_prev * W) + jnp.reshape(b, ())


def conv_forward(A_prev, W, b, hparameters):
    """Z = W * A_prev + b, cross-correlation like the course's: lax.conv_general_dilated with
    the course's layouts named (NHWC inputs, HWIO kernels) and its symmetric zero padding."""
    pad, stride = hparameters["pad"], hparameters["stride"]
    Z = lax.conv_general_dilated(
        A_prev,
        W,
        window_strides=(stride, stride),
        padding=specs.pad_widths(pad),
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
        precision="highest",
    )
    return Z + b


def pool_forward(A_prev, hparameters, mode="max"):
    """The maximum or the mean of every f x f window (stride, no padding): lax.reduce_window.
    Its gradient sends a window's dA to one maximum where several tie (the course's mask: to
    each)."""
    f, stride = hparameters["f"], hparameters["stride"]
    window, strides = (1, f, f, 1), (1, stride, stride, 1)
    if mode == "max":
        return lax.reduce_window(A_prev, -jnp.inf, lax.max, window, strides, "VALID")
    return lax.reduce_window(A_prev, 0.0, lax.add, window, strides, "VALID") / (f * f)


def flatten_forward(A):
    """(m, n_H, n_W, n_C) -> (n_H n_W n_C, m): each example's row-major flattening, a column."""
    return A.reshape(A.shape[0], -1).T


# ---------------------------------------------------------------- one forward per layer type

BLOCKS = compose.Blocks(
    linear_forward, conv_forward, pool_forward, flatten_forward, batchnorm_forward,
    dropout_forward, activations.HIDDEN, activations.sigmoid, activations.softmax,
)  # fmt: skip
FORWARD = compose.forward_table(BLOCKS)
