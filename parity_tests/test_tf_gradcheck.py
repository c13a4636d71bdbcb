"""The course's gradient check passes on tf_impl's GradientTape gradients (float64).

Both ways: tf_impl.gradcheck (TF's own cost) and the reference's check, the NumPy cost's
centered differences against TF's gradients. A corrupted gradient fails, so the check can fail.
"""

import numpy as np
import pytest

from dlparity.core.gradcheck import PASS_THRESHOLD, gradient_difference
from dlparity.core.init import parameter_keys
from parity_tests.cases import problem
from pure_numpy import models as ref
from tf_impl import gradcheck as tf_gradcheck
from tf_impl import models as tfm

NAMES = ["plain", "l2-dropout", "batchnorm", "tanh-two-layer", "softmax-deep"]


def _tf_grads(case):
    _, grads, _ = tfm.gradients(case.params, case.X, case.Y, case.spec, masks=case.masks,
                                bn_state=case.bn_state)  # fmt: skip
    return {k: np.asarray(v) for k, v in grads.items()}


def _reference_difference(case, grads):
    def cost(p):
        return ref.compute_cost(p, case.X, case.Y, case.spec, masks=case.masks,
                                bn_state=case.bn_state)  # fmt: skip

    return gradient_difference(cost, case.params, grads, parameter_keys(case.spec))


@pytest.mark.parametrize("name", NAMES)
def test_tf_gradient_check_passes(name):
    case = problem(name, m=5)
    difference = tf_gradcheck.gradient_check(case.params, case.X, case.Y, case.spec,
                                             masks=case.masks, bn_state=case.bn_state)  # fmt: skip
    assert difference < PASS_THRESHOLD


@pytest.mark.parametrize("name", NAMES)
def test_reference_gradient_check_passes_on_tf_gradients(name):
    case = problem(name, m=5)
    assert _reference_difference(case, _tf_grads(case)) < PASS_THRESHOLD


def test_a_wrong_gradient_fails_the_check():
    case = problem("plain", m=5)
    grads = _tf_grads(case)
    grads["W2"] = grads["W2"] * (1 + 1e-4)
    assert _reference_difference(case, grads) > PASS_THRESHOLD


def test_gradient_check_on_sampled_coordinates_and_float32_spec():
    """indices (dlparity.core.gradcheck.sample_indices) restricts the check; float32 is checked in float64."""
    case = problem("softmax-deep", m=5)
    indices = np.array([0, 3, 17, 40])
    spec32 = case.spec.with_dtype("float32")
    for spec in (case.spec, spec32):
        difference = tf_gradcheck.gradient_check(case.params, case.X, case.Y, spec, indices=indices)
        assert difference < PASS_THRESHOLD
    grads = _tf_grads(case)
    grads["W1"] = grads["W1"] + 1e-3
    assert _reference_difference(case, grads) > PASS_THRESHOLD
