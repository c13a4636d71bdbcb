"""Seeded initial parameters in the course layout, drawn exactly as the assignments draw them.

The global-seed convention is kept (seed, then W1, W2, ... in order) but on a private
RandomState, so nothing else in the process is disturbed: RandomState(s).randn gives the same
numbers as np.random.seed(s); np.random.randn.
"""

from __future__ import annotations

import numpy as np

from dlparity.core import layers
from dlparity.core.errors import DlparityError
from dlparity.core.spec import ModelSpec

SCHEMES = ("zeros", "random", "he", "xavier", "inv_sqrt")


def layer_scale(scheme: str, n_l: int, n_prev: int, scale: float | None) -> float:
    """Factor the standard-normal draw of W_l is multiplied by."""
    if scheme == "random":
        return 0.01 if scale is None else scale
    if scheme == "he":
        return np.sqrt(2.0 / n_prev)
    if scheme == "xavier":
        return np.sqrt(2.0 / (n_prev + n_l))
    if scheme == "inv_sqrt":
        return 1.0 / np.sqrt(n_prev)
    raise DlparityError(
        f"init scheme: unknown option {scheme!r}; choose one of {', '.join(SCHEMES)}"
    )


def initialize_parameters(
    spec: ModelSpec, scheme: str, *, seed: int = 1, scale: float | None = None
) -> dict[str, np.ndarray]:
    """Every layer's parameters in forward order: W_l drawn by scheme, layer by layer from one
    seeded generator (W1 first, as the course draws), b_l = 0, gamma_l = 1, beta_l = 0."""
    if scheme not in SCHEMES:
        layer_scale(scheme, 1, 1, scale)
    rng = np.random.RandomState(seed)

    def draw(shape, fan_in, fan_out):
        if scheme == "zeros":
            return np.zeros(shape)
        # randn then multiply (or divide) in the same order as the course, so results are bit-equal
        values = rng.randn(*shape)
        if scheme == "inv_sqrt":
            return values / np.sqrt(fan_in)
        return values * layer_scale(scheme, fan_out, fan_in, scale)

    params = {}
    for layer in spec.layers:
        if hasattr(layer, "initial_parameters"):
            params.update(layer.initial_parameters(draw))
    return {k: v.astype(spec.dtype) for k, v in params.items()}


def initial_bn_state(spec: ModelSpec) -> dict[str, np.ndarray]:
    """Running statistics mu_l = 0, var_l = 1 (Keras' moving_mean / moving_variance start)."""
    state = {}
    for layer in spec.layers:
        if hasattr(layer, "initial_state"):
            state.update(layer.initial_state())
    return {k: v.astype(spec.dtype) for k, v in state.items()}


def parameter_keys(spec: ModelSpec) -> list[str]:
    """Parameter names in forward order (W1, b1 or gamma1, beta1, W2, ...)."""
    return list(layers.parameter_shapes(spec.layers))
