"""The course's gradient check, for any framework: centered differences over the parameter vector.

difference = ||g - g_approx|| / (||g|| + ||g_approx||), eps = 1e-7, in float64.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

PASS_THRESHOLD = 1e-7


def dictionary_to_vector(params: dict, keys: list[str]) -> np.ndarray:
    """Concatenate the arrays of params, in the order of keys, into one float64 vector."""
    return np.concatenate([np.asarray(params[k], dtype=np.float64).ravel() for k in keys])


def vector_to_dictionary(theta: np.ndarray, like: dict, keys: list[str]) -> dict:
    """Split theta back into arrays shaped like `like`'s."""
    out, start = {}, 0
    for k in keys:
        shape = np.shape(like[k])
        size = int(np.prod(shape))
        out[k] = theta[start : start + size].reshape(shape)
        start += size
    return out


def gradient_difference(
    cost: Callable[[dict], float], params: dict, grads: dict, keys: list[str], epsilon: float = 1e-7
) -> float:
    """Relative difference between grads and the centered-difference gradient of cost at params."""
    theta = dictionary_to_vector(params, keys)
    grad = dictionary_to_vector(grads, keys)
    approx = np.zeros_like(theta)
    for i in range(theta.size):
        plus, minus = theta.copy(), theta.copy()
        plus[i] += epsilon
        minus[i] -= epsilon
        J_plus = cost(vector_to_dictionary(plus, params, keys))
        J_minus = cost(vector_to_dictionary(minus, params, keys))
        approx[i] = (J_plus - J_minus) / (2 * epsilon)
    numerator = np.linalg.norm(grad - approx)
    denominator = np.linalg.norm(grad) + np.linalg.norm(approx)
    return float(numerator / denominator) if denominator > 0 else 0.0
