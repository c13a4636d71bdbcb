"""Keras model vs the NumPy reference: forward, cost, gradients, batch-norm statistics, predict.

Gradients come from the backend's differentiation (tf.GradientTape, or jax.value_and_grad on
Keras' JAX backend: test_keras_jax runs this file there too) over the Keras weights and are
read back in the course layout through dlparity.core.layout. float64, rtol 1e-12 / atol 1e-14.
"""

import numpy as np
import pytest

pytest.importorskip("keras")

import pure_numpy.models as ref  # noqa: E402
from dlparity.core.init import initial_bn_state
from dlparity.core.spec import ModelSpec
from keras_impl import models as km  # noqa: E402
from parity_tests.conftest import assert_close_in_order, seeded_problem  # noqa: E402

CASES = {
    "logistic": ModelSpec("logistic", (4, 1)),
    "two_layer_tanh": ModelSpec("two_layer", (3, 4, 1), hidden_activation="tanh"),
    "deep_l2": ModelSpec("deep", (3, 5, 4, 1), lambd=0.7),
    "deep_dropout": ModelSpec("deep", (3, 5, 4, 1), keep_prob=0.8),
    "deep_l2_dropout": ModelSpec("deep", (3, 6, 4, 1), lambd=0.3, keep_prob=0.7),
    "softmax_deep": ModelSpec("deep", (3, 5, 4, 3), output="softmax"),
    "softmax_bn": ModelSpec("softmax_bn", (3, 5, 4, 3), output="softmax", batchnorm=True),
}
M = 9


def make_case(spec, seed=0):
    """Params with non-zero biases / gamma / beta, data and running statistics, all seeded."""
    case = seeded_problem(spec, m=M, seed=seed, perturb=0.3)
    bn_state = case.bn_state if case.bn_state is not None else {}
    return case.params, case.X, case.Y, bn_state, case.masks


@pytest.mark.parametrize("name", CASES)
def test_forward_matches_reference(name):
    spec = CASES[name]
    params, X, _, bn_state, masks = make_case(spec)
    for training in (True, False):
        AL, new_state = km.forward(
            params, X, spec, training=training, masks=masks, bn_state=bn_state
        )
        AL_ref, _ = ref.forward(params, X, spec, training=training, masks=masks, bn_state=bn_state)
        assert_close_in_order({"AL": AL_ref}, {"AL": AL}, what=f"{name} training={training}")
        if not training:
            assert_close_in_order(bn_state, new_state, what=f"{name} inference leaves bn_state")


@pytest.mark.parametrize("name", CASES)
def test_cost_and_gradients_match_reference(name):
    spec = CASES[name]
    params, X, Y, bn_state, masks = make_case(spec)
    cost, grads, new_state = km.gradients(params, X, Y, spec, masks=masks, bn_state=bn_state)
    cost_ref, grads_ref, state_ref = ref.gradients(
        params, X, Y, spec, masks=masks, bn_state=bn_state
    )
    assert list(grads) == list(grads_ref)
    assert_close_in_order(
        {"cost": cost_ref, **grads_ref, **state_ref},
        {"cost": cost, **grads, **new_state},
        what=name,
    )
    only_cost = km.compute_cost(params, X, Y, spec, masks=masks, bn_state=bn_state)
    assert_close_in_order({"cost": cost_ref}, {"cost": only_cost}, what=f"{name} compute_cost")


@pytest.mark.parametrize("name", ["deep_dropout", "deep_l2_dropout"])
def test_default_masks_are_the_course_masks(name):
    spec = CASES[name]
    params, X, Y, _, _ = make_case(spec)
    cost, grads, _ = km.gradients(params, X, Y, spec)
    cost_ref, grads_ref, _ = ref.gradients(params, X, Y, spec)
    assert_close_in_order({"cost": cost_ref, **grads_ref}, {"cost": cost, **grads}, what=name)


def test_batchnorm_statistics_then_inference():
    spec = CASES["softmax_bn"]
    params, X, Y, _, _ = make_case(spec)
    state, state_ref = initial_bn_state(spec), initial_bn_state(spec)
    for seed in range(3):  # three batches update the running statistics
        _, X_b, Y_b, _, _ = make_case(spec, seed=10 + seed)
        _, _, state = km.gradients(params, X_b, Y_b, spec, bn_state=state)
        _, _, state_ref = ref.gradients(params, X_b, Y_b, spec, bn_state=state_ref)
    assert_close_in_order(state_ref, state, what="running statistics")
    AL, _ = km.forward(params, X, spec, training=False, bn_state=state)
    AL_ref, _ = ref.forward(params, X, spec, training=False, bn_state=state_ref)
    assert_close_in_order({"AL": AL_ref}, {"AL": AL}, what="inference with running statistics")
    np.testing.assert_array_equal(
        km.predict(params, X, spec, bn_state=state),
        ref.predict(params, X, spec, bn_state=state_ref),
    )


@pytest.mark.parametrize("name", CASES)
def test_predict_matches_reference(name):
    spec = CASES[name]
    params, X, _, bn_state, _ = make_case(spec)
    labels = km.predict(params, X, spec, bn_state=bn_state)
    assert labels.shape == (1, M) and labels.dtype == np.float64
    np.testing.assert_array_equal(labels, ref.predict(params, X, spec, bn_state=bn_state))


def test_saturated_sigmoid_cost_and_gradients_are_the_references():
    """a rounds to 1 (z = 40) or 0: the course formula is non-finite there, logits take over."""
    spec = ModelSpec("logistic", (2, 1))
    params = {"W1": np.array([[20.0, 20.0]]), "b1": np.array([[0.0]])}
    X = np.array([[1.0, 1.0, -1.0, -1.0, 0.01, 0.3], [1.0, 1.0, -1.0, -1.0, 0.02, -0.1]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0]])
    cost, grads, _ = km.gradients(params, X, Y, spec)
    cost_ref, grads_ref, _ = ref.gradients(params, X, Y, spec)
    assert np.isfinite(cost) and all(np.all(np.isfinite(g)) for g in grads.values())
    assert_close_in_order(
        {"cost": cost_ref, **grads_ref}, {"cost": cost, **grads}, what="saturated"
    )


def test_float32_forward_and_gradients_within_float32_tolerance():
    spec = CASES["softmax_bn"].with_dtype("float32")
    params, X, Y, bn_state, _ = make_case(CASES["softmax_bn"])
    params = {k: v.astype(np.float32) for k, v in params.items()}
    bn_state = {k: v.astype(np.float32) for k, v in bn_state.items()}
    X32 = X.astype(np.float32)
    cost, grads, _ = km.gradients(params, X32, Y.astype(np.float32), spec, bn_state=bn_state)
    assert all(g.dtype == np.float32 for g in grads.values())
    cost_ref, grads_ref, _ = ref.gradients(
        params, X32, Y.astype(np.float32), spec, bn_state=bn_state
    )
    assert_close_in_order({"cost": cost_ref, **grads_ref}, {"cost": cost, **grads}, "float32")


def test_gradient_check_of_the_keras_gradients():
    spec = CASES["deep_l2"]
    params, X, Y, _, _ = make_case(spec)
    assert km.gradient_check(params, X, Y, spec) < 1e-7


@pytest.mark.parametrize("z", [0.0, 20.0, 30.0, 40.0, -800.0])
def test_keras_binary_gradient_near_saturation_is_the_references(z):
    """Through model layers too, the gradient is the reference's dZ = AL - Y, not the autodiff
    of log(1 - a) (which is 7e-4 off at z = 30).

    The cost keeps the course's value: it is computed from the course's sigmoid of the logits,
    since near saturation log(1 - a) would turn one ulp of difference in Keras' own sigmoid into
    a relative error of eps / (1 - a) (4e-5 at z = 30).
    """
    from dlparity.core.spec import ModelSpec
    from keras_impl import models as keras_models
    from pure_numpy import models as reference

    spec = ModelSpec("logistic", (1, 1))
    params = {"W1": np.array([[z]]), "b1": np.zeros((1, 1))}
    X, Y = np.ones((1, 2)), np.array([[0.0, 1.0]])
    cost_ref, grads_ref, _ = reference.gradients(params, X, Y, spec)
    cost, grads, _ = keras_models.gradients(params, X, Y, spec)
    eps = np.finfo(np.float64).eps
    assert float(cost) == pytest.approx(cost_ref, rel=1e-15, abs=2 * eps)
    for key in ("W1", "b1"):
        np.testing.assert_allclose(np.asarray(grads[key]), grads_ref[key], rtol=1e-15, atol=2 * eps)


def test_stock_tanh_is_float64_on_tensorflow_and_rounds_through_float32_on_jax():
    """The "keras-jax" row of the migration table, measured on the backend this process runs."""
    import keras

    from dlparity.course import migration
    from keras_impl import BACKEND, backend

    backend.configure("float64")
    z = np.random.default_rng(0).standard_normal((50, 7))
    stock = np.asarray(keras.activations.tanh(keras.ops.convert_to_tensor(z)), dtype=np.float64)
    course = np.asarray(backend.tanh(keras.ops.convert_to_tensor(z)))
    worst = np.max(np.abs(stock - np.tanh(z)) / np.abs(np.tanh(z)))
    ulps = 4 * np.finfo(np.float64).eps  # two implementations of tanh, each within 2 ulps
    np.testing.assert_allclose(course, np.tanh(z), rtol=ulps, atol=0)
    if BACKEND == "tensorflow":
        assert worst <= ulps
    else:
        recorded = migration.TABLE["keras-jax"].stock_deviation
        assert recorded / 3 <= worst <= recorded * 3, worst
