"""tf_impl on its own: saturation-safe activations and costs, train()'s record, native randomness,
inputs of every kind (NumPy, tensors, tf.Variables, inside tf.function), and the C2W3 init."""

import numpy as np
import pytest
import tensorflow as tf

from dlparity.core.errors import DlparityError
from dlparity.core.init import initial_bn_state, initialize_parameters
from dlparity.core.plan import make_plan
from dlparity.core.spec import ModelSpec, TrainConfig
from dlparity.runtime.glorot import glorot_parameters
from pure_numpy import models as ref
from tf_impl import activations, models, train

DROPOUT = ModelSpec("deep", (2, 6, 3, 1), keep_prob=0.7)


def _blobs(m=40, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(2, m)
    return X, (X[0:1] * X[1:2] > 0).astype(np.float64)


def test_sigmoid_is_the_course_formula_and_saturates_with_finite_gradient():
    Z = tf.constant([[-800.0, -40.0, 0.3, 40.0, 800.0]], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(Z)
        A = activations.sigmoid(Z)
    with np.errstate(over="ignore"):
        expected = 1 / (1 + np.exp(-Z.numpy()))
    # TF's exp and NumPy's are each within 2 ulps (different libms: Eigen, glibc), the add and
    # the division round once each: 4 ulps relative, whatever the CPU
    np.testing.assert_allclose(A.numpy(), expected, rtol=4 * np.finfo(np.float64).eps, atol=0)
    assert A.numpy()[0, 0] == 0.0 and A.numpy()[0, 4] == 1.0
    assert np.all(np.isfinite(tape.gradient(A, Z).numpy()))


def test_softmax_over_axis_0():
    A = activations.softmax(tf.constant([[1.0, 5.0], [2.0, 5.0], [3.0, -5.0]], tf.float64))
    np.testing.assert_allclose(A.numpy().sum(axis=0), [1.0, 1.0], rtol=1e-15)


def test_models_accept_numpy_tensors_variables_and_run_in_tf_function():
    X, Y = _blobs()
    params = initialize_parameters(DROPOUT, "he")
    expected = models.gradients(params, X, Y, DROPOUT)[1]
    variables = {k: tf.Variable(v) for k, v in params.items()}
    tensors = {k: tf.constant(v) for k, v in params.items()}

    @tf.function
    def in_graph(p, X, Y):
        return models.gradients(p, X, Y, DROPOUT)[1]

    for grads in (models.gradients(variables, X, Y, DROPOUT)[1],
                  in_graph(tensors, tf.constant(X), tf.constant(Y))):  # fmt: skip
        for key in params:  # a graph may fuse ops differently: an ulp or so
            np.testing.assert_allclose(grads[key], expected[key], rtol=1e-13, atol=1e-17)


def test_predict_gives_float_labels_in_a_row():
    X, _ = _blobs()
    spec = ModelSpec("softmax_bn", (2, 5, 3), output="softmax", batchnorm=True)
    params = initialize_parameters(spec, "he")
    labels = models.predict(params, X, spec, bn_state=initial_bn_state(spec))
    assert labels.shape == (1, 40) and labels.dtype == np.float64
    assert set(np.unique(labels)) <= {0.0, 1.0, 2.0}


def test_train_result_record_and_progress():
    X, Y = _blobs(m=50)
    config = TrainConfig(learning_rate=0.1, optimizer="adam", num_epochs=7, mini_batch_size=16,
                         record_every=3)  # fmt: skip
    seen = []
    result = train.train(DROPOUT, config, (X, Y), initialize_parameters(DROPOUT, "he"),
                         progress=lambda step, cost: seen.append((step, cost)))  # fmt: skip
    plan = make_plan(DROPOUT, config, 50)
    assert list(result.costs) == [0, 3, 6] == plan.recorded
    assert seen == list(result.costs.items())
    assert result.compile_seconds > 0 and result.seconds > 0
    np.testing.assert_array_equal(result.learning_rates, plan.learning_rates)
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in result.params.values())
    assert result.bn_state == {} and result.extra["randomness"] == "parity"


def test_native_randomness_is_seeded_and_trains():
    X, Y = _blobs(m=60)
    config = TrainConfig(learning_rate=0.05, optimizer="adam", num_epochs=40, mini_batch_size=16,
                         record_every=39)  # fmt: skip
    params0 = initialize_parameters(DROPOUT, "he")

    def run(**options):
        return train.train(DROPOUT, config, (X, Y), params0, **options)

    first, again = run(randomness="native"), run(randomness="native")
    other = run(randomness="native", seed=1)
    parity = run()
    np.testing.assert_array_equal(first.params["W1"], again.params["W1"])
    assert not np.allclose(first.params["W1"], other.params["W1"])
    assert not np.allclose(first.params["W1"], parity.params["W1"])
    assert first.costs[39] < first.costs[0]
    assert first.extra == {"randomness": "native", "seed": 0, "devices": 1}


def test_float32_inputs_to_a_float64_spec_are_refused_wider_ones_narrowed():
    X, Y = _blobs()
    params = initialize_parameters(DROPOUT, "he")
    spec = ModelSpec("deep", (2, 6, 3, 1))
    with pytest.raises(DlparityError, match="params: W1: float32 values under a float64 spec"):
        models.forward({k: v.astype(np.float32) for k, v in params.items()}, X, spec,
                       training=False)  # fmt: skip
    AL, _ = models.forward(params, X, spec.with_dtype("float32"), training=False)
    assert AL.dtype == tf.float32


SIGNS = ModelSpec("deep", (12288, 25, 12, 6), output="softmax")


def test_glorot_parameters_shapes_order_and_determinism():
    params = glorot_parameters(SIGNS)
    shapes = {"W1": (25, 12288), "b1": (25, 1), "W2": (12, 25), "b2": (12, 1), "W3": (6, 12)}
    assert [(k, v.shape) for k, v in params.items()] == list((shapes | {"b3": (6, 1)}).items())
    assert all(v.dtype == np.float64 for v in params.values())
    again = glorot_parameters(SIGNS)
    for key in params:
        np.testing.assert_array_equal(params[key], again[key])
    assert not np.array_equal(glorot_parameters(SIGNS, seed=2)["W3"], params["W3"])
    assert np.all(params["b1"] != 0)  # the assignment draws biases too


def test_glorot_parameters_scale_and_floatx_independence():
    small = ModelSpec("deep", (300, 20, 4), output="softmax")
    import keras

    keras.config.set_floatx("float32")
    try:
        under_float32 = glorot_parameters(small)
    finally:
        keras.config.set_floatx("float64")
    params = glorot_parameters(small)
    np.testing.assert_array_equal(params["W1"], under_float32["W1"])
    std = np.sqrt(2 / (20 + 300))  # Glorot: fans are the shape's two dimensions
    assert params["W1"].std() == pytest.approx(std, rel=0.05)
    assert np.abs(params["W1"]).max() <= 2 * std / 0.87962566103423978  # truncated at 2 sigma
    assert params["W1"].astype(np.float32).astype(np.float64).tolist() == params["W1"].tolist()
    AL, _ = ref.forward(params, np.ones((300, 2)), small, training=False)
    assert AL.shape == (4, 2)
