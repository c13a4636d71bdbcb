"""Tolerances of the parity suite, written once, and the comparison that names the first difference.

The error model. With every exact mapping, two frameworks differ only in rounding: the order
of a sum (BLAS, oneDNN and XLA kernels, thread counts) and x*(1/k) against x/k. A dot product of
n terms of size s carries at most n*u*s of it (u = 2^-53 in float64, 2^-24 in float32), and a
forward and backward pass of depth d compounds about d of those.
float64: the test problems have n <= 12288 terms per sum of O(1) values and d <= 5, so
d*n*u <= 7e-12 in the worst case and about d*sqrt(n)*u = 1e-13 in practice: rtol 1e-12 with
atol 1e-14 (for values that cancel to near 0) bounds one pass on any CPU, while a formula
difference (a missing (1 - b), eps inside the root, lambd / m) shows at 1e-6 or more.
float32: the same model with u = 6e-8 gives 1e-4 relative; a formula difference shows at 1e-3.
Optimizer steps carry a gradient error into the parameters: see parameter_tolerance.
"""

import importlib
from types import SimpleNamespace

import numpy as np
import pytest

from dlparity.core.init import initial_bn_state, initialize_parameters
from dlparity.core.rng import dropout_masks
from dlparity.core.spec import ModelSpec
from dlparity.runtime import frameworks

TOLERANCES = {
    "float64": {"rtol": 1e-12, "atol": 1e-14},
    "float32": {"rtol": 1e-4, "atol": 1e-6},
}
# recorded costs over the stable part of a run, float64: the one-pass bound grows about linearly
# with the updates where the run is not chaotic (measured: a few thousand updates stay below
# 1e-12); the chaotic parts are found by nudging the reference by one ulp (test_chaotic_runs)
TRAJECTORY_TOLERANCE = 1e-10


def parameter_tolerance(config, updates: int, dtype: str = "float64") -> dict:
    """rtol and atol for parameters after `updates` optimizer steps from gradients that agree
    within TOLERANCES[dtype].

    gd and momentum pass a gradient error d to the parameters as lr * d: inside atol. RMSprop and
    Adam divide by sqrt(s) + eps, and where a gradient is near 0 the step's derivative in g is up
    to lr / eps: each step may move a parameter by lr * atol / eps (first order).
    """
    tolerance = dict(TOLERANCES[dtype])
    if config.optimizer in ("rmsprop", "adam"):
        tolerance["atol"] += updates * config.learning_rate * tolerance["atol"] / config.epsilon
    return tolerance


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


def assert_close_in_order(
    expected: dict, actual: dict, dtype: str = "float64", what: str = "", tolerance=None
):
    """Assert dict-of-arrays equality within tolerance (default: the dtype's), naming the first
    difference."""
    problem = first_difference(expected, actual, **(tolerance or TOLERANCES[dtype]))
    assert problem is None, f"{what}: {problem}" if what else problem


@pytest.fixture
def tolerances():
    return TOLERANCES


# the frameworks the parity suite compares with the reference, and their models modules (the
# contract: forward, compute_cost, gradients, predict); the reference itself is one of them, so
# that the contract's conversions and order are checked on it too. A new framework is one entry.
MODELS = {
    "numpy": "pure_numpy.models",
    "jax": "jax_impl.models",
    "tf": "tf_impl.models",
    "keras": "keras_impl.models",
}


def framework_name(models) -> str:
    """The MODELS name of a models module that the framework fixture gave."""
    return next(name for name, module in MODELS.items() if module == models.__name__)


@pytest.fixture(params=list(MODELS), scope="session")
def framework(request):
    """The framework's models module; skipped when the packages it needs are not installed."""
    missing = frameworks.missing_packages(request.param)
    if missing:
        pytest.skip(f"{request.param} needs {', '.join(missing)}, which is not installed")
    return importlib.import_module(MODELS[request.param])


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
    X = rng.randn(*spec.x_shape(m))
    n_y = spec.layer_dims[-1]
    if spec.output == "sigmoid":
        Y = (rng.rand(1, m) < 0.5).astype(np.float64)
    else:
        Y = np.eye(n_y)[:, rng.randint(n_y, size=m)]
    masks = None
    if spec.keep_prob < 1:
        masks = dropout_masks(spec.layers, m, seed=seed + 5, dtype=spec.dtype)
    bn_state = None
    if spec.running_statistics:
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
