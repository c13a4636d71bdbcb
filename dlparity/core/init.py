"""Seeded initial parameters in the course layout, drawn exactly as the assignments draw them.

The global-seed convention is kept (seed, then W1, W2, ... in order) but on a private
RandomState, so nothing else in the process is disturbed: RandomState(s).randn gives the same
numbers as np.random.seed(s); np.random.randn.
"""

from __future__ import annotations

import numpy as np

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
    """W_l (n_l, n_{l-1}), b_l (n_l, 1); batch-norm layers get gamma_l = 1, beta_l = 0, no b_l."""
    if scheme not in SCHEMES:
        layer_scale(scheme, 1, 1, scale)
    rng = np.random.RandomState(seed)
    dims = spec.layer_dims
    params = {}
    for l in range(1, len(dims)):
        n_l, n_prev = dims[l], dims[l - 1]
        if scheme == "zeros":
            params[f"W{l}"] = np.zeros((n_l, n_prev))
        else:
            # randn then multiply (or divide) in the same order as the course, so results are bit-equal
            draw = rng.randn(n_l, n_prev)
            params[f"W{l}"] = (
                draw / np.sqrt(n_prev)
                if scheme == "inv_sqrt"
                else draw * layer_scale(scheme, n_l, n_prev, scale)
            )
        if spec.batchnorm and l < len(dims) - 1:
            params[f"gamma{l}"] = np.ones((n_l, 1))
            params[f"beta{l}"] = np.zeros((n_l, 1))
        else:
            params[f"b{l}"] = np.zeros((n_l, 1))
    return {k: v.astype(spec.dtype) for k, v in params.items()}


def initial_bn_state(spec: ModelSpec) -> dict[str, np.ndarray]:
    """Running statistics mu_l = 0, var_l = 1 (Keras' moving_mean / moving_variance start)."""
    if not spec.batchnorm:
        return {}
    state = {}
    for l in range(1, spec.num_layers):
        n_l = spec.layer_dims[l]
        state[f"mu{l}"] = np.zeros((n_l, 1), dtype=spec.dtype)
        state[f"var{l}"] = np.ones((n_l, 1), dtype=spec.dtype)
    return state


def parameter_keys(spec: ModelSpec) -> list[str]:
    """Parameter names in forward order (W1, b1 or gamma1, beta1, W2, ...)."""
    keys = []
    for l in range(1, spec.num_layers + 1):
        keys.append(f"W{l}")
        if spec.batchnorm and l < spec.num_layers:
            keys += [f"gamma{l}", f"beta{l}"]
        else:
            keys.append(f"b{l}")
    return keys
