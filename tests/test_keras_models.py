"""The Keras model itself: the layers a practitioner would write, course vs stock components."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from dlparity.core import layout  # noqa: E402
from dlparity.core.init import initial_bn_state, initialize_parameters  # noqa: E402
from dlparity.core.spec import ModelSpec, TrainConfig  # noqa: E402
from dlparity.tools import checkpoint  # noqa: E402
from keras_impl import course as keras_course  # noqa: E402
from keras_impl import models as km  # noqa: E402
from keras_impl import train as kt  # noqa: E402

DROPOUT_L2 = ModelSpec("deep", (2, 4, 3, 1), keep_prob=0.8, lambd=0.4)
BN = ModelSpec("softmax_bn", (4, 5, 3), output="softmax", batchnorm=True, bn_momentum=0.8,
               bn_epsilon=1e-4)  # fmt: skip


def layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


def test_course_model_layers():
    model = km.build_model(DROPOUT_L2, batch_size=10)
    assert layer_types(model) == [
        "InputLayer",
        "Dense",
        "FixedDropout",
        "Dense",
        "FixedDropout",
        "Dense",
    ]
    assert model.get_layer("output").activation.__name__ == "linear"  # the logits Z[L]
    assert model.get_layer("layer1").activation.__name__ == "relu"
    regularizer = km.course_regularizer(model)
    assert isinstance(regularizer, keras_course.CourseL2)
    model(np.ones((7, 2)))  # the model hands each batch's m to L2
    W = keras.ops.ones((2, 3), dtype="float64")
    assert float(regularizer(W)) == 0.4 / 14 * 6 and regularizer(W).dtype == "float64"


def test_stock_model_layers_use_the_migration_mapping():
    model = km.build_model(DROPOUT_L2, stock=True, batch_size=10)
    assert layer_types(model) == ["InputLayer", "Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert model.get_layer("dropout1").rate == pytest.approx(0.2, abs=1e-15)
    assert model.get_layer("layer2").kernel_regularizer.l2 == 0.4 / 20
    assert km.course_regularizer(model) is None


def test_batchnorm_model_pins_momentum_and_epsilon():
    model = km.build_model(BN)
    assert layer_types(model) == [
        "InputLayer",
        "Dense",
        "CourseBatchNormalization",
        "Activation",
        "Dense",
    ]
    bn = model.get_layer("batchnorm1")
    assert (bn.momentum, bn.epsilon) == (0.8, 1e-4)
    assert not model.get_layer("linear1").use_bias and model.get_layer("output").use_bias


def test_weights_are_ported_through_layout():
    params = initialize_parameters(BN, "he", seed=2)
    state = {k: v + 0.25 for k, v in initial_bn_state(BN).items()}
    model = km.build_model(BN)
    model.set_weights(layout.to_keras_weights(params, BN, state))
    np.testing.assert_array_equal(model.get_layer("linear1").kernel.numpy(), params["W1"].T)
    np.testing.assert_array_equal(model.get_layer("batchnorm1").moving_variance.numpy(), 1.25)
    np.testing.assert_array_equal(model.get_layer("output").bias.numpy(), params["b2"].ravel())
    assert [w.shape for w in model.trainable_weights] == [
        s for _, s in layout.keras_slots(BN, trainable_only=True)
    ]


@pytest.mark.parametrize("optimizer, course, stock", [
    ("gd", "SGD", "SGD"), ("momentum", "CourseSGD", "SGD"),
    ("rmsprop", "CourseRMSprop", "RMSprop"), ("adam", "CourseAdam", "Adam"),
])  # fmt: skip
def test_optimizers_course_and_stock(optimizer, course, stock):
    config = TrainConfig(learning_rate=0.0007, optimizer=optimizer, num_iterations=1, beta=0.9)
    assert type(km.make_optimizer(config)).__name__ == course
    stock_optimizer = km.make_optimizer(config, stock=True)
    assert type(stock_optimizer).__name__ == stock
    expected = 0.0007 * (1 - 0.9) if optimizer == "momentum" else 0.0007
    assert float(stock_optimizer.learning_rate.numpy()) == expected  # a (1 - b) for momentum


def test_hyperparameters_are_not_rounded_through_float32():
    config = TrainConfig(learning_rate=0.0007, optimizer="adam", num_iterations=1, beta1=0.9)
    optimizer = km.make_optimizer(config)
    assert (
        optimizer.learning_rate.dtype == "float64"
        and float(optimizer.learning_rate.numpy()) == 0.0007
    )
    assert float(keras.ops.cast(optimizer.beta_1, "float64")) == 0.9


def test_decay_schedules():
    config = TrainConfig(learning_rate=0.1, num_epochs=4, mini_batch_size=2, decay="inverse-time")
    course = km.make_optimizer(config, batches_per_epoch=3)
    assert isinstance(course._learning_rate, keras_course.CourseDecay)
    stock = km.make_optimizer(config, stock=True, batches_per_epoch=3)
    schedule = stock._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.InverseTimeDecay)
    assert (schedule.decay_steps, schedule.staircase) == (3, True)


def test_keras_result_saves_and_loads_as_a_checkpoint(tmp_path):
    spec = ModelSpec("deep", (2, 3, 1))
    X = np.random.RandomState(0).randn(2, 8)
    Y = (X[:1] > 0).astype(np.float64)
    result = kt.train(spec, TrainConfig(learning_rate=0.5, num_iterations=3), (X, Y),
                      initialize_parameters(spec, "he"))  # fmt: skip
    path = checkpoint.save_weights(
        tmp_path / "keras.npz", result.params, result.bn_state, spec=spec
    )
    params, _ = checkpoint.load_weights(path, spec)
    np.testing.assert_array_equal(km.predict(params, X, spec), km.predict(result.params, X, spec))


def test_recorded_costs_do_not_depend_on_the_batches_per_execution():
    """Five epochs of batches 4, 4, 2 (15 batches) in calls of 1, 2, 7, 15 and the default."""
    spec = ModelSpec("deep", (2, 3, 1))
    X = np.random.RandomState(1).randn(2, 10)
    Y = (X[:1] * X[1:] > 0).astype(np.float64)
    config = TrainConfig(learning_rate=0.05, optimizer="adam", num_epochs=5, mini_batch_size=4,
                         record_every=1)  # fmt: skip
    params0 = initialize_parameters(spec, "he")
    seen = []
    runs = [
        kt.train(spec, config, (X, Y), params0, steps_per_execution=batches,
                 progress=(lambda s, c: seen.append((s, c))) if batches == 2 else None)
        for batches in (1, 2, 7, 15, None)
    ]  # fmt: skip
    assert [r.extra["steps_per_execution"] for r in runs] == [1, 2, 7, 15, 1]
    assert list(runs[0].costs) == [0, 1, 2, 3, 4] and seen == list(runs[0].costs.items())
    for result in runs[1:]:
        assert result.costs == runs[0].costs
        for key, value in runs[0].params.items():
            np.testing.assert_array_equal(result.params[key], value)
