"""Activations. Every array is (n_l, m): units by examples. No derivatives: jax.grad derives them."""

import jax
import jax.numpy as jnp


def sigmoid(Z):
    """1 / (1 + e^-Z): lax.logistic is that formula (bit for bit on CPU), with derivative a (1 - a).

    Written as 1 / (1 + exp(-Z)) by hand, autodiff would meet 0 * inf (NaN) where e^-Z overflows.
    """
    return jax.nn.sigmoid(Z)


def relu(Z):
    """max(0, Z); jax.nn.relu's derivative is the reference's (Z > 0), 0 at Z = 0.

    jnp.maximum(0, Z) would split the gradient at a tie and give 1/2 where Z is exactly 0,
    which happens whenever every unit feeding a layer is dead and b is 0.
    """
    return jax.nn.relu(Z)


def tanh(Z):
    return jnp.tanh(Z)


def softmax(Z):
    """Softmax over the classes, axis 0 of a (C, m) array (max-shifted, like the reference)."""
    return jax.nn.softmax(Z, axis=0)


HIDDEN = {"relu": relu, "tanh": tanh}
