"""The course's gradient check passes on jax_impl's gradients (autodiff against centered differences)."""

import numpy as np
import pytest

import jax_impl.gradcheck as jg
import jax_impl.models as jm
import pure_numpy.models as nm
from dlparity.core.gradcheck import PASS_THRESHOLD, gradient_difference
from dlparity.core.init import parameter_keys
from parity_tests.cases import problem

CASES = ["l2", "dropout", "batchnorm", "tanh-two-layer"]


@pytest.mark.parametrize("name", CASES)
def test_jax_gradients_pass_the_reference_check(name):
    """Centered differences of the reference's cost against jax.value_and_grad's gradients."""
    spec, params, X, Y, masks, bn_state = problem(name)
    _, grads, _ = jm.gradients(params, X, Y, spec, masks=masks, bn_state=bn_state)
    grads = {k: np.asarray(v) for k, v in grads.items()}

    def cost(p):
        return nm.compute_cost(p, X, Y, spec, masks=masks, bn_state=bn_state)

    assert gradient_difference(cost, params, grads, parameter_keys(spec)) < PASS_THRESHOLD


@pytest.mark.parametrize("name", ["l2", "batchnorm"])
def test_jax_gradient_check_passes(name):
    spec, params, X, Y, masks, bn_state = problem(name)
    assert jg.gradient_check(params, X, Y, spec, masks=masks, bn_state=bn_state) < PASS_THRESHOLD


def test_gradient_check_catches_a_wrong_gradient():
    """The check can fail: a gradient 1% off is far above the threshold."""
    spec, params, X, Y, masks, bn_state = problem("l2")
    _, grads, _ = jm.gradients(params, X, Y, spec)
    wrong = {k: np.asarray(v) * (1.01 if k == "W2" else 1.0) for k, v in grads.items()}

    def cost(p):
        return float(jm.compute_cost(p, X, Y, spec))

    assert gradient_difference(cost, params, wrong, parameter_keys(spec)) > 1e-4
