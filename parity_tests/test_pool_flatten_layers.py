"""The Pool2D and Flatten layers (dlparity.core.layers): the reference's pool_forward and
pool_backward reproduce the values C4W1 prints, JAX's lax.reduce_window and TF's max_pool2d /
avg_pool2d with their framework gradients equal them in float64 where no two maxima tie, and
where two do the course's mask sends the gradient to each while the frameworks send it to one.
Flatten is each example's row-major (NHWC) flattening, a column."""

import importlib

import numpy as np
import pytest

from dlparity.core import layers as specs
from parity_tests.conftest import assert_close_in_order
from pure_numpy import layers as reference
from pure_numpy import loops

FRAMEWORKS = {"jax": "jax", "tf": "tensorflow"}
# (m, n_H_prev, n_W_prev, n_C, f, stride)
SHAPES = {
    "course-stride-1": (2, 5, 5, 3, 3, 1),
    "course-stride-2": (2, 5, 5, 3, 3, 2),
    "2x2-stride-2": (3, 6, 8, 2, 2, 2),
    "uneven": (2, 7, 5, 4, 3, 2),
}
MODES = ("max", "average")


def test_pool_forward_reproduces_the_course():
    """C4W1: seed 1, A_prev (2, 5, 5, 3), f 3, stride 1; A[1, 1] printed to 8 decimals."""
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 5, 3)
    hparameters = {"stride": 1, "f": 3}
    A, _ = reference.pool_forward(A_prev, hparameters, mode="max")
    assert A.shape == (2, 3, 3, 3)
    expected = [[1.96710175, 0.84616065, 1.27375593], [1.96710175, 0.84616065, 1.23616403],
                [1.62765075, 1.12141771, 1.2245077]]  # fmt: skip
    np.testing.assert_allclose(A[1, 1], expected, atol=5e-9)
    A, _ = reference.pool_forward(A_prev, hparameters, mode="average")
    expected = [[0.44497696, -0.00261695, -0.31040307], [0.50811474, -0.23493734, -0.23961183],
                [0.11872677, 0.17255229, -0.22112197]]  # fmt: skip
    np.testing.assert_allclose(A[1, 1], expected, atol=5e-9)


def test_pool_backward_reproduces_the_course():
    """C4W1: seed 1, A_prev (5, 5, 3, 2), f 2, stride 1, dA drawn next; dA_prev[1, 1]."""
    np.random.seed(1)
    A_prev = np.random.randn(5, 5, 3, 2)
    _, cache = reference.pool_forward(A_prev, {"stride": 1, "f": 2})
    dA = np.random.randn(5, 4, 2, 2)
    np.testing.assert_allclose(np.mean(dA), 0.14571390272918056, rtol=1e-15)
    expected = [[0.0, 0.0], [5.05844394, -1.68282702], [0.0, 0.0]]
    np.testing.assert_allclose(reference.pool_backward(dA, cache, "max")[1, 1], expected, atol=5e-9)
    expected = [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]]
    np.testing.assert_allclose(
        reference.pool_backward(dA, cache, "average")[1, 1], expected, atol=5e-9
    )


def test_mask_and_distributed_value_are_the_courses():
    x = np.array([[1.0, 3.0], [4.0, 2.0]])
    assert np.array_equal(reference.create_mask_from_window(x), [[False, False], [True, False]])
    assert np.array_equal(reference.create_mask_from_window(np.ones((2, 2))), np.ones((2, 2)))
    assert np.array_equal(reference.distribute_value(2, (2, 2)), np.full((2, 2), 0.5))


def _problem(m, n_H, n_W, n_C, f, stride, seed=1):
    rng = np.random.RandomState(seed)
    A_prev = rng.randn(m, n_H, n_W, n_C)
    hparameters = {"f": f, "stride": stride}
    A, cache = reference.pool_forward(A_prev, hparameters, "max")
    return A_prev, hparameters, rng.randn(*A.shape)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_vectorized_pool_backward_equals_the_loops(shape, mode):
    A_prev, hparameters, dA = _problem(*SHAPES[shape])
    _, cache = reference.pool_forward(A_prev, hparameters, mode)
    A_loops, cache_loops = loops.pool_forward(A_prev, hparameters, mode)
    A, _ = reference.pool_forward(A_prev, hparameters, mode)
    assert_close_in_order({"A": A_loops}, {"A": A})  # a mean of f^2 values summed in another order
    want = loops.pool_backward(dA, cache_loops, mode)
    assert_close_in_order({"dA_prev": want}, {"dA_prev": reference.pool_backward(dA, cache, mode)})


def _framework_layers(name):
    pytest.importorskip(FRAMEWORKS[name])
    return importlib.import_module(f"{name}_impl.layers")


def _vjp(name, function, x, cotangent):
    """function(x) and its vector-Jacobian product with cotangent, by the framework."""
    if name == "jax":
        import jax

        y, pullback = jax.vjp(function, x)
        return np.asarray(y), np.asarray(pullback(cotangent)[0])
    import tensorflow as tf

    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = function(x)
    return y.numpy(), tape.gradient(y, x, output_gradients=tf.constant(cotangent)).numpy()


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_framework_pool_equals_the_reference(framework, shape, mode):
    """Random normal inputs: no two values of a window tie (almost surely)."""
    layers = _framework_layers(framework)
    A_prev, hparameters, dA = _problem(*SHAPES[shape])
    A, cache = reference.pool_forward(A_prev, hparameters, mode)
    want = {"A": A, "dA_prev": reference.pool_backward(dA, cache, mode)}
    got = _vjp(framework, lambda x: layers.pool_forward(x, hparameters, mode), A_prev, dA)
    assert_close_in_order(want, dict(zip(want, got, strict=True)), what=f"{framework} {mode}")


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
@pytest.mark.parametrize("mode", MODES)
def test_numpy_inputs_stay_float64_call_after_call(framework, mode):
    """TensorFlow's max_pool2d casts a float64 NumPy array to float32 from its second call on."""
    layers = _framework_layers(framework)
    A_prev, hparameters, _ = _problem(*SHAPES["course-stride-1"])
    want, _ = reference.pool_forward(A_prev, hparameters, mode)
    for _ in range(3):
        got = np.asarray(layers.pool_forward(A_prev, hparameters, mode))
        assert got.dtype == np.float64
        assert_close_in_order({"A": want}, {"A": got}, what=f"{framework} {mode}")


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_tied_maxima_get_the_gradient_once_in_the_frameworks(framework):
    """A window of four equal values: the course's mask sends dA to all four (4 dA in all), the
    frameworks' max-pool gradient to one of them (dA in all)."""
    layers = _framework_layers(framework)
    A_prev, hparameters, dA = (
        np.ones((1, 2, 2, 1)),
        {"f": 2, "stride": 2},
        np.full((1, 1, 1, 1), 3.0),
    )
    _, cache = reference.pool_forward(A_prev, hparameters, "max")
    course = reference.pool_backward(dA, cache, "max")
    _, theirs = _vjp(framework, lambda x: layers.pool_forward(x, hparameters, "max"), A_prev, dA)
    assert course.sum() == 12.0 and np.count_nonzero(course) == 4
    assert theirs.sum() == 3.0 and np.count_nonzero(theirs) == 1


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_flatten_is_the_nhwc_order_as_columns(framework):
    layers = _framework_layers(framework)
    A = np.random.RandomState(3).randn(2, 3, 4, 5)
    flat, shape = reference.flatten_forward(A)
    assert flat.shape == (60, 2) and np.array_equal(flat[:, 1], A[1].ravel())
    assert np.array_equal(reference.flatten_backward(flat, shape), A)
    dflat = np.random.RandomState(4).randn(60, 2)
    got, back = _vjp(framework, layers.flatten_forward, A, dflat)
    assert np.array_equal(got, flat)
    assert np.array_equal(back, reference.flatten_backward(dflat, shape))


def test_pool_and_flatten_specs():
    pool = specs.Pool2D(1, f=3, stride=2, mode="average")
    assert pool.hparameters == {"f": 3, "stride": 2} and pool.output_size(7) == 3
    assert not hasattr(pool, "parameter_shapes") and specs.parameter_shapes((pool,)) == {}
    run = specs.Pass(True, None, None, {})
    A_prev = np.random.RandomState(5).randn(2, 7, 7, 3)
    A, cache = reference.forward_pool2d(pool, {}, A_prev, run)
    dA_prev, grads = reference.backward_pool2d(pool, {}, np.ones_like(A), cache, run)
    assert A.shape == (2, 3, 3, 3) and dA_prev.shape == A_prev.shape and grads == {}
