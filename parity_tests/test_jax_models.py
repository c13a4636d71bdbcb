"""jax_impl against the NumPy reference: forward layer by layer, cost, every gradient (float64).

Each case is an architecture with one option switched on; initial parameters come from
dlparity.core.init with biases, gamma and beta perturbed so that none is trivially 0 or 1.
The other jax parity files import make_case from here.
"""

import numpy as np
import pytest

import jax_impl.models as jm
import pure_numpy.models as nm
from dlparity.core.init import parameter_keys
from dlparity.core.spec import ModelSpec
from parity_tests.conftest import assert_close_in_order, seeded_problem

M = 12  # examples in the small random data sets

SPECS = {
    "plain": ModelSpec("deep", (5, 4, 3, 1)),
    "l2": ModelSpec("deep", (5, 4, 3, 1), lambd=0.7),
    "dropout": ModelSpec("deep", (5, 6, 4, 1), keep_prob=0.7),
    "batchnorm": ModelSpec("softmax_bn", (5, 4, 3, 3), output="softmax", batchnorm=True),
    "tanh-two-layer": ModelSpec("two_layer", (5, 4, 1), hidden_activation="tanh"),
    "softmax-deep": ModelSpec("deep", (5, 4, 3, 3), output="softmax"),
    "logistic": ModelSpec("logistic", (5, 1)),
    # exact ties for relu: zero columns of X with zero b1 give Z1 = 0; the reference's
    # derivative there is 0 (Z > 0), where jnp.maximum's would be 1/2
    "relu-at-zero": ModelSpec("deep", (5, 4, 3, 1)),
    # |z| in the hundreds: a rounds to exactly 0 or 1 and the logits form takes over
    "saturated-sigmoid": ModelSpec("logistic", (5, 1)),
}


def make_case(name: str, *, m: int = M, seed: int = 0, dtype: str = "float64"):
    """(spec, params, X, Y, masks, bn_state) for a named case, all NumPy, reproducible."""
    case = seeded_problem(SPECS[name].with_dtype(dtype), m=m, seed=seed,
                          perturb=0.0 if name == "relu-at-zero" else 0.3)  # fmt: skip
    params, X = case.params, case.X
    if name == "relu-at-zero":
        X[:, ::3] = 0.0
    if name == "saturated-sigmoid":
        params["W1"] = params["W1"] * 3000
    return case.spec, params, X, case.Y, case.masks, case.bn_state


def ordered(grads, spec):
    return {k: grads[k] for k in parameter_keys(spec)}


@pytest.mark.parametrize("name", list(SPECS))
def test_forward_layer_by_layer(name):
    spec, params, X, Y, masks, bn_state = make_case(name)
    expected = nm.forward_layers(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    got = jm.forward_layers(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    assert list(got) == list(expected)
    assert_close_in_order(expected, got, what=f"{name} forward")


@pytest.mark.parametrize("name", list(SPECS))
def test_cost_and_every_gradient(name):
    spec, params, X, Y, masks, bn_state = make_case(name)
    cost, grads, new_state = nm.gradients(params, X, Y, spec, masks=masks, bn_state=bn_state)
    j_cost, j_grads, j_state = jm.gradients(params, X, Y, spec, masks=masks, bn_state=bn_state)
    assert list(j_grads) == list(params)  # the caller's keys, in the caller's order
    assert_close_in_order({"cost": cost}, {"cost": j_cost}, what=name)
    assert_close_in_order(ordered(grads, spec), j_grads, what=f"{name} gradients")
    if spec.batchnorm:
        assert_close_in_order(new_state, j_state, what=f"{name} running statistics")
    j_only = jm.compute_cost(params, X, Y, spec, masks=masks, bn_state=bn_state)
    assert_close_in_order({"cost": cost}, {"cost": j_only}, what=f"{name} compute_cost")


def test_saturated_case_really_saturates_and_stays_finite():
    """The saturated case exercises the logits branch: some a are exactly 0 or 1."""
    spec, params, X, Y, _, _ = make_case("saturated-sigmoid")
    AL, _ = nm.forward(params, X, spec, training=True)
    assert np.any(AL == 1.0) and np.any(AL == 0.0)
    cost, grads, _ = jm.gradients(params, X, Y, spec)
    assert np.isfinite(float(cost)) and all(np.all(np.isfinite(g)) for g in grads.values())


def test_relu_case_really_has_ties():
    spec, params, X, _, _, _ = make_case("relu-at-zero")
    assert np.any(nm.forward_layers(params, X, spec, training=True)["Z1"] == 0.0)


@pytest.mark.parametrize(
    "name", ["plain", "dropout", "batchnorm", "softmax-deep", "saturated-sigmoid"]
)
def test_inference_forward_and_predict(name):
    spec, params, X, _, _, bn_state = make_case(name)
    AL, _ = nm.forward(params, X, spec, training=False, bn_state=bn_state)
    j_AL, j_state = jm.forward(params, X, spec, training=False, bn_state=bn_state)
    assert_close_in_order({"AL": AL}, {"AL": j_AL}, what=f"{name} inference")
    assert_close_in_order(bn_state or {}, j_state, what="inference leaves the running statistics")
    assert list(j_state) == list(bn_state or {})
    labels = jm.predict(params, X, spec, bn_state=bn_state)
    np.testing.assert_array_equal(
        np.asarray(labels), nm.predict(params, X, spec, bn_state=bn_state)
    )


def test_dropout_without_masks_uses_the_course_seed():
    """masks=None in training: both draw the course's seed-1 masks, so they agree."""
    spec, params, X, Y, _, _ = make_case("dropout")
    cost, grads, _ = nm.gradients(params, X, Y, spec)
    j_cost, j_grads, _ = jm.gradients(params, X, Y, spec)
    assert_close_in_order({"cost": cost, **ordered(grads, spec)}, {"cost": j_cost, **j_grads})


@pytest.mark.parametrize("z", [0.0, 20.0, 30.0, 35.0, 40.0, -800.0, 800.0])
def test_binary_cost_and_gradient_near_saturation_are_the_references(z):
    """Autodiff must not lose the digits that log(1 - a) loses as a nears 1: with lax.logistic's
    derivative a (1 - a) the rounded 1 - a cancels, and dZ is the reference's AL - Y."""
    spec = ModelSpec("logistic", (1, 1))
    params = {"W1": np.array([[z]]), "b1": np.zeros((1, 1))}
    X, Y = np.ones((1, 2)), np.array([[0.0, 1.0]])
    cost_ref, grads_ref, _ = nm.gradients(params, X, Y, spec)
    cost, grads, _ = jm.gradients(params, X, Y, spec)
    eps = np.finfo(np.float64).eps
    assert float(cost) == pytest.approx(cost_ref, rel=1e-15, abs=2 * eps)
    for key in ("W1", "b1"):
        np.testing.assert_allclose(np.asarray(grads[key]), grads_ref[key], rtol=1e-15, atol=2 * eps)
