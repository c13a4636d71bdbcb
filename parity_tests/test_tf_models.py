"""tf_impl's forward pass, cost and every gradient equal the NumPy reference's, in float64.

Each case is one architecture x option on small random data with identical initial parameters
(biases, gamma and beta perturbed so that no term is trivially zero). Tensors are compared in
forward order (dlparity.core.init.parameter_keys), so a failure names the first differing tensor.
The other tf parity files import `CASES` and `make_case` from here.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from dlparity.core.init import parameter_keys
from dlparity.core.spec import ModelSpec
from parity_tests.conftest import assert_close_in_order, seeded_problem
from pure_numpy import models as ref
from tf_impl import models as tfm

CASES = {
    "logistic": ModelSpec("logistic", (4, 1)),
    "plain": ModelSpec("deep", (4, 5, 3, 1)),
    "l2": ModelSpec("deep", (4, 5, 3, 1), lambd=0.7),
    "dropout": ModelSpec("deep", (4, 5, 3, 1), keep_prob=0.7),
    "l2-dropout": ModelSpec("deep", (4, 5, 3, 1), lambd=0.3, keep_prob=0.8),
    "batchnorm": ModelSpec("softmax_bn", (4, 6, 5, 3), output="softmax", batchnorm=True),
    "tanh-two-layer": ModelSpec("two_layer", (4, 3, 1), hidden_activation="tanh"),
    "relu-two-layer": ModelSpec("two_layer", (4, 3, 1)),
    "softmax-deep": ModelSpec("deep", (4, 5, 4, 3), output="softmax"),
}


def make_case(name: str, m: int = 9, seed: int = 0, dtype: str = "float64") -> SimpleNamespace:
    """Spec, params, X, Y, shared dropout masks and perturbed running statistics for a case."""
    return seeded_problem(CASES[name].with_dtype(dtype), m=m, seed=seed)


def in_order(grads: dict, spec) -> dict:
    return {key: np.asarray(grads[key]) for key in parameter_keys(spec)}


@pytest.fixture(params=list(CASES))
def case(request):
    return make_case(request.param)


def test_training_forward_matches(case):
    kwargs = dict(training=True, masks=case.masks, bn_state=case.bn_state)
    AL_ref, _ = ref.forward(case.params, case.X, case.spec, **kwargs)
    AL, _ = tfm.forward(case.params, case.X, case.spec, **kwargs)
    assert_close_in_order({"AL": AL_ref}, {"AL": AL})


def test_inference_forward_and_predict_match(case):
    kwargs = dict(training=False, bn_state=case.bn_state)
    AL_ref, _ = ref.forward(case.params, case.X, case.spec, **kwargs)
    AL, bn_state = tfm.forward(case.params, case.X, case.spec, **kwargs)
    assert_close_in_order({"AL": AL_ref}, {"AL": AL})
    labels = tfm.predict(case.params, case.X, case.spec, bn_state=case.bn_state)
    np.testing.assert_array_equal(labels, ref.predict(case.params, case.X, case.spec,
                                                      bn_state=case.bn_state))  # fmt: skip
    assert labels.shape == (1, case.X.shape[1])


def test_cost_matches(case):
    kwargs = dict(masks=case.masks, bn_state=case.bn_state)
    expected = ref.compute_cost(case.params, case.X, case.Y, case.spec, **kwargs)
    actual = tfm.compute_cost(case.params, case.X, case.Y, case.spec, **kwargs)
    assert_close_in_order({"cost": expected}, {"cost": actual})


def test_every_gradient_matches(case):
    kwargs = dict(masks=case.masks, bn_state=case.bn_state)
    cost_ref, grads_ref, bn_ref = ref.gradients(case.params, case.X, case.Y, case.spec, **kwargs)
    cost, grads, bn_state = tfm.gradients(case.params, case.X, case.Y, case.spec, **kwargs)
    assert list(grads) == list(case.params)
    assert_close_in_order({"cost": cost_ref}, {"cost": cost})
    assert_close_in_order(in_order(grads_ref, case.spec), in_order(grads, case.spec))
    if case.spec.batchnorm:
        assert_close_in_order(bn_ref, bn_state, what="running statistics")


@pytest.mark.parametrize("name", ["dropout", "l2-dropout"])
def test_default_masks_are_the_courses(name):
    """masks=None in training draws dlparity.core.rng.dropout_masks' seed-1 masks, like the reference."""
    c = make_case(name)
    _, grads_ref, _ = ref.gradients(c.params, c.X, c.Y, c.spec)
    _, grads, _ = tfm.gradients(c.params, c.X, c.Y, c.spec)
    assert_close_in_order(in_order(grads_ref, c.spec), in_order(grads, c.spec))


@pytest.mark.parametrize("shift", [40.0, -40.0, 800.0, -800.0])
def test_saturated_binary_cost_and_gradients_match(shift):
    """Saturated sigmoids: the course formula is inf/NaN there; both use the logits form."""
    c = make_case("plain")
    c.params["b3"] = c.params["b3"] + shift  # every example's a rounds to 1 or 0 (or nearly)
    cost_ref, grads_ref, _ = ref.gradients(c.params, c.X, c.Y, c.spec)
    cost, grads, _ = tfm.gradients(c.params, c.X, c.Y, c.spec)
    assert np.isfinite(float(cost)) and abs(float(cost)) > 1
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    assert_close_in_order({"cost": cost_ref}, {"cost": cost})
    assert_close_in_order(in_order(grads_ref, c.spec), in_order(grads, c.spec))
