"""Activations and their derivatives. Every array is (n_l, m): units by examples."""

import numpy as np


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-Z), the course's formula; e^-Z overflowing to inf gives exactly 0."""
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-Z))


def relu(Z: np.ndarray) -> np.ndarray:
    return np.maximum(0, Z)


def tanh(Z: np.ndarray) -> np.ndarray:
    return np.tanh(Z)


def softmax(Z: np.ndarray) -> np.ndarray:
    """Softmax over the classes, axis 0 of a (C, m) array."""
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """dZ = dA where Z > 0, else 0."""
    return dA * (Z > 0)


def tanh_backward(dA: np.ndarray, A: np.ndarray) -> np.ndarray:
    """dZ = dA * (1 - A^2), from the activation A = tanh(Z)."""
    return dA * (1 - A**2)


HIDDEN = {"relu": relu, "tanh": tanh}
