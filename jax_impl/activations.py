"""Activations. Every array is (n_l, m): units by examples. No derivatives: jax.grad derives them."""

import jax
import jax.numpy as jnp


def sigmoid(Z):
    """1 / (1 + e^-Z): lax.logistic is that formula, with the derivative a (1 - a).

    Written as 1 / (1 + exp(-Z)) by hand, autodiff would meet 0 * inf (NaN) where e^-Z overflows.
    """
    return jax.nn.sigmoid(Z)


def relu(Z):
    return jnp.maximum(0, Z)


def tanh(Z):
    return jnp.tanh(Z)


def softmax(Z):
    """Softmax over the classes, axis 0 of a (C, m) array (max-shifted, like the reference)."""
    return jax.nn.softmax(Z, axis=0)


HIDDEN = {"relu": relu, "tanh": tanh}
