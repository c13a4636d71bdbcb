"""Tolerances of the parity suite, written once, and the comparison that names the first difference.

float64: with every exact mapping, cross-framework differences are summation-order and
x*(1/k)-versus-x/k rounding, at most a few ulps on O(1) values; rtol 1e-12 / atol 1e-14 leaves
room for that and for nothing else.
float32: one float32 ulp is 1.2e-7; a few hundred rounding steps accumulated through a training
run stay below 1e-4 relative, while a formula difference shows at 1e-3 or more.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from dlparity.init import initial_bn_state, initialize_parameters
from dlparity.rng import dropout_masks
from dlparity.spec import ModelSpec

TOLERANCES = {
    "float64": {"rtol": 1e-12, "atol": 1e-14},
    "float32": {"rtol": 1e-4, "atol": 1e-6},
}
TRAJECTORY_TOLERANCE = 1e-10  # recorded costs over the stable part of a run, float64


def first_difference(expected: dict, actual: dict, *, rtol: float, atol: float):
    """The first key (in expected's order) whose arrays differ beyond tolerance, or None."""
    for key, want in expected.items():
        if key not in actual:
            return f"{key}: missing"
        want, got = np.asarray(want, dtype=np.float64), np.asarray(actual[key], dtype=np.float64)
        if want.shape != got.shape:
            return f"{key}: shape {got.shape}, expected {want.shape}"
        if not np.allclose(got, want, rtol=rtol, atol=atol):
            err = np.abs(got - want)
            worst = np.unravel_index(np.argmax(err - rtol * np.abs(want)), err.shape)
            return (
                f"{key} differs first: max abs diff {err.max():.3e} "
                f"(at {tuple(int(i) for i in worst)}: {got[worst]!r} vs reference {want[worst]!r})"
            )
    return None


def assert_close_in_order(expected: dict, actual: dict, dtype: str = "float64", what: str = ""):
    """Assert dict-of-arrays equality within the dtype's tolerance, naming the first difference."""
    problem = first_difference(expected, actual, **TOLERANCES[dtype])
    assert problem is None, f"{what}: {problem}" if what else problem


@pytest.fixture
def tolerances():
    return TOLERANCES


def seeded_problem(spec: ModelSpec, *, m: int = 9, seed: int = 0, perturb: float = 0.1):
    """Everything a comparison starts from, seeded: He parameters with biases, gammas and betas
    moved off 0 and 1, random X and labels, the course's dropout masks, and running statistics
    moved off their (0, 1) start. Arrays in spec.dtype; bn_state None without batch norm."""
    rng = np.random.RandomState(seed)
    params = initialize_parameters(spec, "he", seed=1)
    if perturb:
        for key in params:
            if not key.startswith("W"):
                params[key] = params[key] + perturb * rng.randn(*params[key].shape)
    X = rng.randn(spec.layer_dims[0], m)
    n_y = spec.layer_dims[-1]
    if spec.output == "sigmoid":
        Y = (rng.rand(1, m) < 0.5).astype(np.float64)
    else:
        Y = np.eye(n_y)[:, rng.randint(n_y, size=m)]
    masks = None
    if spec.keep_prob < 1:
        masks = dropout_masks(spec.layer_dims, m, spec.keep_prob, seed=seed + 5, dtype=spec.dtype)
    bn_state = None
    if spec.batchnorm:
        bn_state = {
            k: (v + 0.2 * np.abs(rng.randn(*v.shape))).astype(spec.dtype)
            for k, v in initial_bn_state(spec).items()
        }
    return SimpleNamespace(
        spec=spec,
        params={k: v.astype(spec.dtype) for k, v in params.items()},
        X=X.astype(spec.dtype),
        Y=Y.astype(spec.dtype),
        masks=masks,
        bn_state=bn_state,
    )
