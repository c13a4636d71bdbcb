"""Stock Keras components vs the course: exact where dlparity.course.migration says so, else measured.

For each stock component that cannot match, the test measures its deviation from the NumPy
reference and checks it against the row's stock_deviation in migration.TABLE (nonzero, within a
factor of 3), so the table is proven; likewise the traps of exact rows used unmapped
(the rows marked stock_keras_exact). Where the reference has a flag for the Keras variant
(adam eps_hat, rmsprop eps_in_sqrt), stock Keras is shown EXACT to that variant.
"""

from dataclasses import replace

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import tensorflow as tf  # noqa: E402

import pure_numpy.models as ref  # noqa: E402
import pure_numpy.train as ref_train  # noqa: E402
from dlparity.core import layout, mapping  # noqa: E402
from dlparity.core.init import initial_bn_state, initialize_parameters  # noqa: E402
from dlparity.core.rng import dropout_masks  # noqa: E402
from dlparity.core.spec import ModelSpec, TrainConfig  # noqa: E402
from dlparity.course import data, migration  # noqa: E402
from keras_impl import models as km  # noqa: E402
from keras_impl import train as kt  # noqa: E402
from parity_tests.conftest import assert_close_in_order  # noqa: E402
from pure_numpy import layers, losses  # noqa: E402
from pure_numpy.optimizers import make_optimizer as reference_optimizer  # noqa: E402

SPEC = ModelSpec("deep", (2, 5, 2, 1))
STEPS = 30


def moons():
    X, Y, _, _ = data.load("moons")
    return X, Y


def params0(spec=SPEC, scheme="he", seed=3):
    return initialize_parameters(spec, scheme, seed=seed)


def relative_deviation(got, want, start):
    """||theta_got - theta_want|| / ||theta_want - theta_0||: difference per distance trained."""
    keys = list(want)
    diff = np.concatenate([(got[k] - want[k]).ravel() for k in keys])
    moved = np.concatenate([(want[k] - start[k]).ravel() for k in keys])
    return float(np.linalg.norm(diff) / np.linalg.norm(moved))


def reference_run(config, rates, **variant):
    """STEPS full-batch reference updates with the given per-step rates (and variant flag)."""
    X, Y = moons()
    optimizer = reference_optimizer(config, **variant)
    params = params0()
    state = optimizer.init(params)
    for lr in rates:
        _, grads, _ = ref.gradients(params, X, Y, SPEC)
        params, state = optimizer.update(grads, state, params, float(lr))
    return params


def stock_run(config):
    return kt.train(SPEC, config, moons(), params0(), stock=True)


def config_for(optimizer, learning_rate, **changes):
    return TrainConfig(
        learning_rate=learning_rate, optimizer=optimizer, num_iterations=STEPS, **changes
    )


def assert_recorded(knob, measured):
    """Nonzero, and within a factor of 3 of the size migration records for the knob."""
    row = migration.TABLE[knob]  # stock_keras_exact rows record the size of their trap
    assert row.measure
    recorded = row.stock_deviation
    assert measured > 0, f"{knob}: stock Keras matched exactly; the table says it cannot"
    assert recorded / 3 <= measured <= recorded * 3, (
        f"{knob}: measured {measured:.3g}, the table records {recorded:.3g}"
    )


# ---------------------------------------------------------------- optimizers and decay


def test_stock_momentum_is_exact_for_a_constant_rate():
    config = config_for("momentum", 0.1, beta=0.9)
    got = stock_run(config)
    assert migration.TABLE["momentum"].stock_keras_exact
    assert_close_in_order(
        reference_run(config, [0.1] * STEPS), got.params, what="stock SGD momentum"
    )


def test_stock_momentum_with_decay_deviates_by_the_recorded_amount():
    config = config_for("momentum", 0.1, beta=0.9, decay="inverse-time", decay_rate=0.1)
    got = stock_run(config)
    # the same (unlagged) rates for both: what is left is SGD folding the rate into its velocity
    want = reference_run(config, got.learning_rates)
    assert_recorded("momentum-decay", relative_deviation(got.params, want, params0()))


def test_stock_rmsprop_is_the_eps_in_sqrt_variant_and_deviates_from_the_course():
    config = config_for("rmsprop", 0.01)
    got = stock_run(config)
    variant = reference_run(config, [0.01] * STEPS, eps_in_sqrt=True)
    assert_close_in_order(variant, got.params, what="stock RMSprop vs eps_in_sqrt reference")
    course = reference_run(config, [0.01] * STEPS)
    assert_recorded("rmsprop", relative_deviation(got.params, course, params0()))


def test_stock_adam_is_the_eps_hat_variant_and_deviates_from_the_course():
    config = config_for("adam", 0.0007)
    got = stock_run(config)
    variant = reference_run(config, [0.0007] * STEPS, eps_hat=True)
    assert_close_in_order(variant, got.params, what="stock Adam vs eps_hat reference")
    course = reference_run(config, [0.0007] * STEPS)
    assert_recorded("adam", relative_deviation(got.params, course, params0()))


def test_stock_inverse_time_decay_is_the_formula_without_the_lag():
    config = config_for("gd", 0.1, decay="scheduled", decay_rate=1.0, time_interval=10)
    got = stock_run(config)
    unlagged = reference_run(config, got.learning_rates)
    assert_close_in_order(unlagged, got.params, what="stock InverseTimeDecay vs unlagged rates")
    course = ref_train.train(SPEC, config, moons(), params0())
    assert_recorded("decay", relative_deviation(got.params, course.params, params0()))


# ---------------------------------------------------------------- regularization and layers


def loaded_stock_model(spec, params, X, **build):
    model = km.build_model(spec, stock=True, batch_size=X.shape[1], **build)
    model.set_weights(layout.to_keras_weights(params, spec))
    return km.compile_model(model, spec, stock=True)


def test_stock_binary_crossentropy_after_a_keras_sigmoid_is_exact():
    """Stock BinaryCrossentropy takes the logits form after a Keras sigmoid: equal off saturation."""
    X, Y = moons()
    params = params0()
    model = loaded_stock_model(SPEC, params, X)
    with tf.GradientTape() as tape:
        cost = model.compute_loss(x=X.T, y=Y.T, y_pred=model(X.T, training=True))
    grads = [g.numpy() for g in tape.gradient(cost, model.trainable_weights)]
    want, want_grads, _ = ref.gradients(params, X, Y, SPEC)
    assert migration.TABLE["binary-loss"].stock_keras_exact
    got = {"cost": float(cost), **layout.from_keras_gradients(grads, SPEC)}
    assert_close_in_order({"cost": want, **want_grads}, got, what="stock BinaryCrossentropy")


def test_stock_l2_casts_its_factor_to_float32():
    spec = ModelSpec("deep", (2, 20, 3, 1), lambd=0.7)  # reg-l2, football's m = 211
    params, m = params0(spec, "inv_sqrt"), 211
    want = losses.l2_penalty(params, spec.lambd, m)
    X = np.zeros((2, m))
    stock = float(sum(loaded_stock_model(spec, params, X).losses))
    course_model = km.build_model(spec, batch_size=m)
    course_model.set_weights(layout.to_keras_weights(params, spec))
    assert_close_in_order({"L2": want}, {"L2": float(sum(course_model.losses))}, what="CourseL2")
    assert_recorded("l2", abs(stock - want))


def test_stock_dropout_draws_its_own_masks():
    spec = ModelSpec("deep", (2, 20, 3, 1), keep_prob=0.86)  # reg-dropout
    X, Y = moons()
    params = params0(spec, "inv_sqrt")
    model = loaded_stock_model(spec, params, X)
    XT, YT = X.T, Y.T
    stock_cost = float(model.compute_loss(x=XT, y=YT, y_pred=model(XT, training=True)))
    course_cost = ref.compute_cost(params, X, Y, spec, masks=dropout_masks(spec.layers, 300))
    assert_recorded("dropout", abs(stock_cost - course_cost))


def test_stock_dropout_formula_is_the_courses_with_its_mask_read_back():
    A = np.random.RandomState(0).rand(50, 7) + 0.1
    out = np.asarray(keras.layers.Dropout(mapping.dropout_rate(0.8), seed=3)(A, training=True))
    D = (out != 0).astype(np.float64)
    assert 0 < D.mean() < 1
    assert_close_in_order({"A": layers.dropout_forward(A, D, 0.8)}, {"A": out}, what="Dropout")


def test_keras_he_normal_is_truncated():
    n = 500
    course = np.random.RandomState(1).randn(n, n) * np.sqrt(2.0 / n)
    keras_draw = np.asarray(keras.initializers.HeNormal(seed=1)((n, n), dtype="float64"))
    np.testing.assert_allclose(keras_draw.std(), np.sqrt(2.0 / n), rtol=0.01)  # same scale
    beyond = float(np.mean(np.abs(course) > np.abs(keras_draw).max()))
    assert_recorded("init", beyond)  # course draws HeNormal never produces


def test_categorical_crossentropy_on_course_layout_reduces_the_wrong_axis():
    spec = ModelSpec("deep", (64, 16, 10), output="softmax")
    X, Y, _, _ = data.load("digits")
    X, Y = X[:, :100], Y[:, :100]
    params = params0(spec, "he", 1)
    AL, _ = ref.forward(params, X, spec, training=False)
    want = ref.compute_cost(params, X, Y, spec)
    right = float(keras.losses.CategoricalCrossentropy()(Y.T, AL.T))  # Keras layout (m, C)
    assert_close_in_order({"cost": want}, {"cost": right}, what="CategoricalCrossentropy (m, C)")
    wrong = float(keras.losses.CategoricalCrossentropy()(Y, AL))  # course layout (C, m)
    assert_recorded("softmax-loss", abs(wrong - want))


def test_batchnorm_defaults_are_not_the_courses():
    defaults = keras.layers.BatchNormalization()
    assert (defaults.momentum, defaults.epsilon) == (0.99, 1e-3)
    spec = ModelSpec("softmax_bn", (64, 32, 16, 10), output="softmax", batchnorm=True)
    unpinned = replace(spec, bn_momentum=0.99, bn_epsilon=1e-3)
    X, Y, _, _ = data.load("digits")
    X, Y = X[:, :64], Y[:, :64]
    params, state = params0(spec, "he", 1), initial_bn_state(spec)
    _, _, course_state = ref.gradients(params, X, Y, spec, bn_state=state)
    _, _, keras_state = km.gradients(params, X, Y, unpinned, bn_state=state)
    AL_course, _ = ref.forward(params, X, spec, training=False, bn_state=course_state)
    AL_keras, _ = km.forward(params, X, unpinned, training=False, bn_state=keras_state)
    assert_recorded("batchnorm", float(np.abs(AL_keras - AL_course).max()))


# ---------------------------------------------------------------- the whole stock model


def test_stock_training_runs_every_stock_component():
    spec = replace(SPEC, lambd=0.5, keep_prob=0.9)
    config = TrainConfig(learning_rate=0.01, optimizer="adam", num_epochs=4, mini_batch_size=64,
                         decay="inverse-time", decay_rate=0.5, record_every=1)  # fmt: skip
    got = kt.train(spec, config, moons(), params0(), stock=True)
    assert got.extra["stock"] and np.all(np.isfinite(list(got.costs.values())))
    assert got.learning_rates[1] == 0.01 / 1.5  # no lag: epoch 1 already decayed
    want = ref_train.train(spec, config, moons(), params0())
    assert want.learning_rates[1] == 0.01
