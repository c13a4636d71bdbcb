"""Every framework's models against the NumPy reference, case by case (parity_tests/cases.py):
the training forward layer by layer, the training and inference forward passes and their running
statistics, predict, the cost and every gradient, in the spec's dtype.

Each check runs for every framework (conftest's framework fixture) on every case, through the
contract alone. Tensors are compared in forward order (assert_close_in_order), so a failure names
the first differing tensor. Framework-only checks live in test_<framework>_only.py.
"""

import numpy as np
import pytest

import pure_numpy.models as ref
from dlparity.core.init import initial_bn_state, parameter_keys
from dlparity.core.spec import ModelSpec
from parity_tests.cases import (
    CASES,
    DEFAULT_MASKS,
    FINITE,
    RUNNING_STATISTICS,
    problem,
    with_check,
)
from parity_tests.conftest import assert_close_in_order, framework_name

# what a framework cannot do, with the reason: the check is skipped there for every case, and
# fails once the framework can do it, so that the exception goes
CANNOT = {
    (
        "keras",
        "forward_layers",
    ): "Keras' Dense layers apply their activation inside the layer, so Z[l] of a hidden layer "
    "is never a tensor of the Keras model: keras_impl has no forward_layers, and its forward is "
    "compared at AL (test_training_forward)",
}


def _unless_cannot(framework, function: str):
    reason = CANNOT.get((framework_name(framework), function))
    if reason:
        assert not hasattr(framework, function), f"{function} exists now: drop its exception"
        pytest.skip(reason)


def _in_order(grads, spec) -> dict:
    return {key: grads[key] for key in parameter_keys(spec)}


def _numpy(tree) -> dict:
    return {key: np.asarray(value) for key, value in tree.items()}


@pytest.fixture(params=CASES, ids=lambda case: case.name)
def case(request):
    return request.param


def test_forward_layer_by_layer(framework, case):
    _unless_cannot(framework, "forward_layers")
    p = problem(case)
    kwargs = dict(training=True, masks=p.masks, bn_state=p.bn_state)
    expected = ref.forward_layers(p.params, p.X, p.spec, **kwargs)
    got = framework.forward_layers(p.params, p.X, p.spec, **kwargs)
    assert list(got) == list(expected)
    assert_close_in_order(expected, got, p.spec.dtype, what=f"{case.name} forward")


def test_training_forward(framework, case):
    """AL with the given masks and batch statistics, and the running statistics they update."""
    p = problem(case)
    kwargs = dict(training=True, masks=p.masks, bn_state=p.bn_state)
    AL_ref, state_ref = ref.forward(p.params, p.X, p.spec, **kwargs)
    AL, state = framework.forward(p.params, p.X, p.spec, **kwargs)
    assert list(state) == list(state_ref)
    assert_close_in_order(
        {"AL": AL_ref, **state_ref}, {"AL": AL, **state}, p.spec.dtype, what=f"{case.name} training"
    )


def test_inference_forward_and_predict(framework, case):
    """No dropout, the running statistics (returned as given), and the labels predict gives."""
    p = problem(case)
    AL_ref, _ = ref.forward(p.params, p.X, p.spec, training=False, bn_state=p.bn_state)
    AL, state = framework.forward(p.params, p.X, p.spec, training=False, bn_state=p.bn_state)
    assert_close_in_order({"AL": AL_ref}, {"AL": AL}, p.spec.dtype, what=f"{case.name} inference")
    assert list(state) == list(p.bn_state or {})
    assert_close_in_order(p.bn_state or {}, state, p.spec.dtype,
                          what="inference leaves the running statistics")  # fmt: skip
    labels = framework.predict(p.params, p.X, p.spec, bn_state=p.bn_state)
    assert type(labels) is np.ndarray and labels.dtype == np.float64
    assert labels.shape == (1, p.Y.shape[1])
    np.testing.assert_array_equal(labels, ref.predict(p.params, p.X, p.spec, bn_state=p.bn_state))


def test_cost_and_every_gradient(framework, case):
    """gradients' cost, every gradient (the caller's keys in the caller's order, in the spec's
    dtype) and the updated running statistics; and compute_cost's cost."""
    p = problem(case)
    kwargs = dict(masks=p.masks, bn_state=p.bn_state)
    cost_ref, grads_ref, state_ref = ref.gradients(p.params, p.X, p.Y, p.spec, **kwargs)
    cost, grads, state = framework.gradients(p.params, p.X, p.Y, p.spec, **kwargs)
    assert list(grads) == list(p.params)
    assert all(np.asarray(g).dtype == p.spec.dtype for g in grads.values())
    assert list(state) == list(state_ref)
    if FINITE in case.checks:
        assert np.isfinite(float(cost))
        assert all(np.all(np.isfinite(g)) for g in _numpy(grads).values())
    assert_close_in_order(
        {"cost": cost_ref, **_in_order(grads_ref, p.spec), **state_ref},
        {"cost": cost, **_in_order(grads, p.spec), **state},
        p.spec.dtype,
        what=case.name,
    )
    only_cost = framework.compute_cost(p.params, p.X, p.Y, p.spec, **kwargs)
    assert_close_in_order({"cost": cost_ref}, {"cost": only_cost}, p.spec.dtype,
                          what=f"{case.name} compute_cost")  # fmt: skip


@pytest.mark.parametrize("case", with_check(DEFAULT_MASKS), ids=lambda case: case.name)
def test_default_masks_are_the_courses(framework, case):
    """masks=None in training draws dlparity.core.rng's seed-1 masks, as the reference does."""
    p = problem(case)
    cost_ref, grads_ref, _ = ref.gradients(p.params, p.X, p.Y, p.spec)
    cost, grads, _ = framework.gradients(p.params, p.X, p.Y, p.spec)
    assert_close_in_order(
        {"cost": cost_ref, **_in_order(grads_ref, p.spec)},
        {"cost": cost, **_in_order(grads, p.spec)},
        p.spec.dtype,
        what=case.name,
    )


@pytest.mark.parametrize("case", with_check(RUNNING_STATISTICS), ids=lambda case: case.name)
def test_running_statistics_over_batches_then_inference(framework, case):
    """Three batches update the running statistics from their start (mu 0, var 1); inference
    and predict then use them."""
    p = problem(case)
    state = state_ref = initial_bn_state(p.spec)
    for seed in range(3):
        b = problem(case, seed=10 + seed)
        _, _, state = framework.gradients(p.params, b.X, b.Y, p.spec, bn_state=state)
        _, _, state_ref = ref.gradients(p.params, b.X, b.Y, p.spec, bn_state=state_ref)
    assert_close_in_order(state_ref, state, p.spec.dtype, what="running statistics")
    AL, _ = framework.forward(p.params, p.X, p.spec, training=False, bn_state=state)
    AL_ref, _ = ref.forward(p.params, p.X, p.spec, training=False, bn_state=state_ref)
    assert_close_in_order({"AL": AL_ref}, {"AL": AL}, p.spec.dtype,
                          what="inference with the running statistics")  # fmt: skip
    np.testing.assert_array_equal(
        framework.predict(p.params, p.X, p.spec, bn_state=state),
        ref.predict(p.params, p.X, p.spec, bn_state=state_ref),
    )


@pytest.mark.parametrize("z", [0.0, 20.0, 30.0, 35.0, 40.0, -800.0, 800.0])
def test_binary_cost_and_gradient_near_saturation_are_the_references(framework, z):
    """Autodiff must not lose the digits that log(1 - a) loses as a nears 1: with the derivative
    a (1 - a) the rounded 1 - a cancels (7e-4 off at z = 30), and dZ is the reference's AL - Y.
    The cost keeps the course's value to an ulp or two: near saturation log(1 - a) would turn one
    ulp of difference in a sigmoid into a relative error of eps / (1 - a) (4e-5 at z = 30)."""
    spec = ModelSpec("logistic", (1, 1))
    params = {"W1": np.array([[z]]), "b1": np.zeros((1, 1))}
    X, Y = np.ones((1, 2)), np.array([[0.0, 1.0]])
    cost_ref, grads_ref, _ = ref.gradients(params, X, Y, spec)
    cost, grads, _ = framework.gradients(params, X, Y, spec)
    eps = np.finfo(np.float64).eps
    assert float(cost) == pytest.approx(cost_ref, rel=1e-15, abs=2 * eps)
    for key in ("W1", "b1"):
        np.testing.assert_allclose(np.asarray(grads[key]), grads_ref[key], rtol=1e-15, atol=2 * eps)


# ---------------------------------------------------------------- the table itself


def test_the_case_table():
    """One table: names unique, every spec valid in both dtypes the suite uses."""
    assert len({case.name for case in CASES}) == len(CASES)
    assert {case.spec.dtype for case in CASES} == {"float64", "float32"}


def test_the_relu_case_really_has_ties():
    p = problem("relu-at-zero")
    assert np.any(ref.forward_layers(p.params, p.X, p.spec, training=True)["Z1"] == 0.0)


@pytest.mark.parametrize("case", with_check(FINITE), ids=lambda case: case.name)
def test_the_saturated_cases_really_saturate(case):
    """Some a is within an ulp of 0 or 1, and the cost is far from an ordinary one."""
    p = problem(case)
    AL, _ = ref.forward(p.params, p.X, p.spec, training=True)
    eps = np.finfo(np.float64).eps
    assert AL.max() == 1.0 or AL.min() < eps
    assert float(ref.compute_cost(p.params, p.X, p.Y, p.spec)) > 1


def test_the_scaled_case_rounds_to_exactly_0_and_1():
    """The logits form is exercised on both sides: some a are exactly 0 and some exactly 1."""
    p = problem("saturated-sigmoid")
    AL, _ = ref.forward(p.params, p.X, p.spec, training=True)
    assert np.any(AL == 1.0) and np.any(AL == 0.0)
