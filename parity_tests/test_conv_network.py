"""A small ConvNet composed from the layer types alone, as models.py composes any sequence:
CONV2D -> RELU -> MAXPOOL -> CONV2D -> RELU -> AVGPOOL -> FLATTEN -> DENSE -> SOFTMAX on 8 x 8 x 1
images. The reference's backward pass, layer by layer from the caches, gives the same cost and
every gradient as jax.grad and tf.GradientTape of the same forward pass, in float64, on images
with no flat regions; on the digits themselves, whose flat background makes max-pool windows tie,
the first bias's gradient parts (the maxpool-ties row of the migration table)."""

import importlib
from types import SimpleNamespace

import numpy as np
import pytest

from dlparity.core import layers as specs
from dlparity.core.init import initialize_parameters
from parity_tests.conftest import assert_close_in_order
from pure_numpy import layers as reference
from pure_numpy import losses

NETWORK = (
    specs.Conv2D(1, f=3, n_C_prev=1, n_C=4, stride=1, pad=1),  # 8 x 8 x 4
    specs.Activation(1, "relu"),
    specs.Pool2D(1, f=2, stride=2, mode="max"),  # 4 x 4 x 4
    specs.Conv2D(2, f=2, n_C_prev=4, n_C=8, stride=1, pad=0),  # 3 x 3 x 8
    specs.Activation(2, "relu"),
    specs.Pool2D(2, f=3, stride=1, mode="average"),  # 1 x 1 x 8
    specs.Flatten(3),  # (8, m)
    specs.Dense(3, n_in=8, units=10),
    specs.Output(3, units=10, kind="softmax"),
)
FRAMEWORKS = {"jax": "jax", "tf": "tensorflow"}


def digits_problem(noise: float):
    """16 digits (pixels / 16) with uniform noise of the given size added, He parameters with
    the biases moved off 0."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.RandomState(0)
    X = (digits.images[:16] / 16.0).reshape(16, 8, 8, 1) + noise * rng.rand(16, 8, 8, 1)
    Y = np.eye(10)[:, digits.target[:16]]
    params = initialize_parameters(SimpleNamespace(layers=NETWORK, dtype="float64"), "he", seed=1)
    params = {
        k: v + 0.1 * rng.randn(*v.shape) if k.startswith("b") else v for k, v in params.items()
    }
    return params, X, Y


@pytest.fixture(scope="module")
def problem():
    return digits_problem(noise=0.1)


def reference_cost_and_gradients(params, X, Y):
    run = specs.Pass(True, None, None, {}, Y)
    A, caches = X, []
    for layer in NETWORK:
        A, cache = reference.FORWARD[type(layer)](layer, params, A, run)
        caches.append(cache)
    cost = losses.softmax_cross_entropy(caches[-1][0], Y)
    grads, d = {}, None
    for layer, cache in zip(reversed(NETWORK), reversed(caches), strict=True):
        d, layer_grads = reference.BACKWARD[type(layer)](layer, params, d, cache, run)
        grads.update(layer_grads)
    return cost, {k: grads[k] for k in params}


def framework_cost(name):
    """The network's cost in framework name, composed from its FORWARD table."""
    layers = importlib.import_module(f"{name}_impl.layers")
    framework_losses = importlib.import_module(f"{name}_impl.losses")

    def cost(params, X, Y):
        run = specs.Pass(True, None, None, {})
        A = X
        for layer in NETWORK:
            A, cache = layers.FORWARD[type(layer)](layer, params, A, run)
        return framework_losses.softmax_cross_entropy(cache[0], Y)

    return cost


def framework_cost_and_gradients(framework, params, X, Y):
    pytest.importorskip(FRAMEWORKS[framework])
    importlib.import_module(f"{framework}_impl")  # float64 on (jax_enable_x64)
    cost_of = framework_cost(framework)
    if framework == "jax":
        import jax

        got_cost, got = jax.value_and_grad(cost_of)(params, X, Y)
    else:
        import tensorflow as tf

        variables = {k: tf.Variable(v) for k, v in params.items()}
        with tf.GradientTape() as tape:
            got_cost = cost_of(variables, tf.constant(X), tf.constant(Y))
        got = tape.gradient(got_cost, variables)
    return np.asarray(got_cost), {k: np.asarray(v) for k, v in got.items()}


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_conv_network_cost_and_every_gradient(framework, problem):
    params, X, Y = problem
    cost, grads = reference_cost_and_gradients(params, X, Y)
    got_cost, got = framework_cost_and_gradients(framework, params, X, Y)
    assert_close_in_order({"cost": np.asarray(cost), **grads}, {"cost": got_cost, **got})


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_on_the_digits_tied_maxima_part_the_first_bias_gradient(framework):
    """The background is 0, so conv1's output there is relu(b1) in every position: max-pool
    windows of four equal values. The course's mask sends dA to all four, the framework to one;
    the inputs there are 0, so dW1 does not see it and db1 does."""
    params, X, Y = digits_problem(noise=0.0)
    cost, grads = reference_cost_and_gradients(params, X, Y)
    got_cost, got = framework_cost_and_gradients(framework, params, X, Y)
    others = {k: v for k, v in got.items() if k != "b1"}
    assert_close_in_order({"cost": np.asarray(cost), **{k: grads[k] for k in others}},
                          {"cost": got_cost, **others})  # fmt: skip
    parted = np.linalg.norm(got["b1"] - grads["b1"]) / np.linalg.norm(grads["b1"])
    assert parted > 0.01, parted


def test_the_reference_gradient_passes_the_gradient_check(problem):
    """Centered differences of the reference's cost agree with its backward pass (eps 1e-7)."""
    from dlparity.core.gradcheck import gradient_difference

    params, X, Y = problem
    _, grads = reference_cost_and_gradients(params, X, Y)

    def cost(p):
        return reference_cost_and_gradients(p, X, Y)[0]

    difference = gradient_difference(cost, params, grads, list(params))
    assert difference < 1e-7, difference


def signs_test_images(count: int):
    """The first count SIGNS test images (m, 64, 64, 3) and their one-hot labels; skipped
    without the course's test_signs.h5."""
    from dlparity.core.errors import DlparityError
    from dlparity.course import data

    try:
        X, y = data._image_split(data.resolve_data_dir(), "test_signs.h5", "test", "C4W1", 6)
    except DlparityError as error:
        pytest.skip(str(error))
    return X[:, :count].T.reshape(-1, 64, 64, 3), np.eye(6)[:, y[:count].astype(int)]


@pytest.mark.parametrize("framework", ["jax", "tf", "keras"])
def test_the_course_application_network_on_signs(framework):
    """signs-convnet (C4W1's convolutional_model, "same" padding of a 4x4 and a 2x2 kernel: one
    zero above and two below, none and one) on 16 SIGNS test images at its initial parameters,
    biases moved off 0: the cost and every gradient of the package's model equal the reference's."""
    pytest.importorskip({"jax": "jax", "tf": "tensorflow", "keras": "keras"}[framework])
    from dlparity.course import experiments
    from dlparity.tools.runs import initial_parameters
    from pure_numpy import models as reference_models

    experiment = experiments.get("signs-convnet")
    X, Y = signs_test_images(16)
    rng = np.random.RandomState(0)
    params = {k: v + 0.1 * rng.randn(*v.shape) if k.startswith("b") else v
              for k, v in initial_parameters(experiment).items()}  # fmt: skip
    cost, grads, _ = reference_models.gradients(params, X, Y, experiment.spec)
    models = importlib.import_module(f"{framework}_impl.models")
    got_cost, got, _ = models.gradients(params, X, Y, experiment.spec)
    assert_close_in_order(
        {"cost": np.asarray(cost), **grads}, {"cost": np.asarray(got_cost), **got}
    )
