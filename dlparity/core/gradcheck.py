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


def sample_indices(size: int, max_params: int | None, seed: int = 0) -> np.ndarray | None:
    """All coordinates (None) when size <= max_params, else a seeded sorted sample of max_params."""
    if max_params is None or size <= max_params:
        return None
    return np.sort(np.random.RandomState(seed).choice(size, max_params, replace=False))


def centered_differences(
    cost: Callable[[dict], float],
    params: dict,
    keys: list[str],
    epsilon: float = 1e-7,
    indices: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """(J(θ + ε e_i) - J(θ - ε e_i)) / 2ε for each coordinate i of indices (None: all) of the
    parameter vector; progress(done, total) is called after each coordinate."""
    theta = dictionary_to_vector(params, keys)
    indices = np.arange(theta.size) if indices is None else np.asarray(indices)
    approx = np.zeros(len(indices))
    for j, i in enumerate(indices):
        plus, minus = theta.copy(), theta.copy()
        plus[i] += epsilon
        minus[i] -= epsilon
        J_plus = cost(vector_to_dictionary(plus, params, keys))
        J_minus = cost(vector_to_dictionary(minus, params, keys))
        approx[j] = (J_plus - J_minus) / (2 * epsilon)
        if progress is not None:
            progress(j + 1, len(indices))
    return approx


def relative_difference(grad: np.ndarray, approx: np.ndarray) -> float:
    """||grad - approx|| / (||grad|| + ||approx||), 0 when both are 0."""
    numerator = np.linalg.norm(grad - approx)
    denominator = np.linalg.norm(grad) + np.linalg.norm(approx)
    return float(numerator / denominator) if denominator > 0 else 0.0


def gradient_difference(
    cost: Callable[[dict], float],
    params: dict,
    grads: dict,
    keys: list[str],
    epsilon: float = 1e-7,
    indices: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> float:
    """Relative difference between grads and the centered-difference gradient of cost at params.

    indices restricts the check to those coordinates of the parameter vector (None: all);
    progress(done, total) is called after each coordinate.
    """
    grad = dictionary_to_vector(grads, keys)
    if indices is not None:
        grad = grad[np.asarray(indices)]
    approx = centered_differences(cost, params, keys, epsilon, indices, progress)
    return relative_difference(grad, approx)
