"""The Conv2D layer (dlparity.core.layers.Conv2D): the reference's conv_forward and conv_backward
reproduce the values C4W1 prints, and JAX's lax.conv_general_dilated and TensorFlow's
tf.nn.conv2d, differentiated by the framework, equal them in float64 on strided, padded and
odd-padded shapes."""

import importlib

import numpy as np
import pytest

from dlparity.core import layers as specs
from parity_tests.conftest import assert_close_in_order
from pure_numpy import layers as reference
from pure_numpy import loops

FRAMEWORKS = {"jax": "jax", "tf": "tensorflow"}
# (m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad)
SHAPES = {
    "course": (2, 5, 7, 4, 3, 8, 2, 1),
    "no-pad": (3, 6, 6, 2, 3, 4, 1, 0),
    "stride-3-uneven": (2, 7, 8, 3, 2, 5, 3, 2),
    "1x1": (4, 4, 4, 3, 1, 2, 1, 0),
    "same-4x4": (2, 6, 5, 3, 4, 4, 1, ((1, 2), (1, 2))),  # "same": the odd zero below and right
}


def course_problem(m, n_H, n_W, n_C_prev, f, n_C, stride, pad, seed=1):
    rng = np.random.RandomState(seed)
    A_prev = rng.randn(m, n_H, n_W, n_C_prev)
    W, b = rng.randn(f, f, n_C_prev, n_C), rng.randn(1, 1, 1, n_C)
    return A_prev, W, b, {"pad": pad, "stride": stride}


def test_conv_forward_reproduces_the_course():
    """C4W1: seed 1, A_prev (2, 5, 7, 4), W (3, 3, 4, 8), pad 1, stride 2."""
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 7, 4)
    W, b = np.random.randn(3, 3, 4, 8), np.random.randn(1, 1, 1, 8)
    Z, cache = reference.conv_forward(A_prev, W, b, {"pad": 1, "stride": 2})
    assert Z.shape == (2, 3, 4, 8)
    # printed to 16 digits: a sum of 36 products in another order differs in the last two
    np.testing.assert_allclose(np.mean(Z), 0.5511276474566768, rtol=1e-14)
    expected = [-2.17796037, 8.07171329, -0.5772704, 3.36286738, 4.48113645, -2.89198428,
                10.99288867, 3.03171932]  # fmt: skip
    np.testing.assert_allclose(Z[0, 2, 1], expected, atol=5e-9)  # printed to 8 decimals
    np.testing.assert_allclose(cache[0][1][2][3], [-1.1191154, 1.9560789, -0.3264995, -1.34267579])


def test_conv_backward_reproduces_the_course():
    """C4W1: seed 1, A_prev (10, 4, 4, 3), W (2, 2, 3, 8), pad 2, stride 2, dZ = Z."""
    np.random.seed(1)
    A_prev = np.random.randn(10, 4, 4, 3)
    W, b = np.random.randn(2, 2, 3, 8), np.random.randn(1, 1, 1, 8)
    Z, cache = reference.conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
    dA, dW, db = reference.conv_backward(Z, cache)
    assert (dA.shape, dW.shape, db.shape) == (A_prev.shape, W.shape, b.shape)
    for value, printed in ((dA, 1.4524377775388075), (dW, 1.7269914583139097),
                           (db, 7.839232564616838)):  # fmt: skip
        np.testing.assert_allclose(np.mean(value), printed, rtol=1e-14)


@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_vectorized_conv_equals_the_loops(shape, tolerances):
    """pure_numpy.loops, the course's loops, against the strided view and one contraction,
    forward and backward."""
    A_prev, W, b, hparameters = course_problem(*SHAPES[shape])
    Z, cache = reference.conv_forward(A_prev, W, b, hparameters)
    Z_loops, cache_loops = loops.conv_forward(A_prev, W, b, hparameters)
    assert_close_in_order({"Z": Z_loops}, {"Z": Z})
    dZ = np.random.RandomState(2).randn(*Z.shape)
    want = dict(zip(("dA", "dW", "db"), loops.conv_backward(dZ, cache_loops), strict=True))
    got = dict(zip(("dA", "dW", "db"), reference.conv_backward(dZ, cache), strict=True))
    assert_close_in_order(want, got)


def _framework_conv(name):
    """(forward, vjp) of the framework's conv_forward: vjp(A_prev, W, b, dZ) -> dA, dW, db."""
    pytest.importorskip(FRAMEWORKS[name])
    layers = importlib.import_module(f"{name}_impl.layers")
    if name == "jax":
        import jax

        def vjp(A_prev, W, b, hparameters, dZ):
            _, pullback = jax.vjp(lambda *a: layers.conv_forward(*a, hparameters), A_prev, W, b)
            return pullback(dZ)

        return layers.conv_forward, vjp
    import tensorflow as tf

    def vjp(A_prev, W, b, hparameters, dZ):
        inputs = [tf.constant(a) for a in (A_prev, W, b)]
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            Z = layers.conv_forward(*inputs, hparameters)
        return tape.gradient(Z, inputs, output_gradients=tf.constant(dZ))

    return layers.conv_forward, vjp


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_framework_conv_equals_the_reference(framework, shape):
    forward, vjp = _framework_conv(framework)
    A_prev, W, b, hparameters = course_problem(*SHAPES[shape])
    Z, cache = reference.conv_forward(A_prev, W, b, hparameters)
    dZ = np.random.RandomState(2).randn(*Z.shape)
    want = dict(
        zip(("Z", "dA_prev", "dW", "db"), (Z, *reference.conv_backward(dZ, cache)), strict=True)
    )
    got_Z = np.asarray(forward(A_prev, W, b, hparameters))
    got = dict(
        zip(
            ("dA_prev", "dW", "db"),
            (np.asarray(g) for g in vjp(A_prev, W, b, hparameters, dZ)),
            strict=True,
        )
    )
    assert_close_in_order(want, {"Z": got_Z, **got}, what=f"{framework} conv {shape}")


def test_conv_layer_spec_knows_its_shapes_and_the_reference_pair_scales_by_m():
    layer = specs.Conv2D(1, f=3, n_C_prev=4, n_C=8, stride=2, pad=1)
    assert layer.parameter_shapes() == {"W1": (3, 3, 4, 8), "b1": (1, 1, 1, 8)}
    assert (layer.output_size(5), layer.output_size(7)) == (3, 4)
    A_prev, W, b, _ = course_problem(2, 5, 7, 4, 3, 8, 2, 1)
    params = {"W1": W, "b1": b}
    run = specs.Pass(True, None, None, {})
    Z, cache = reference.forward_conv2d(layer, params, A_prev, run)
    dZ = np.ones_like(Z)
    dA_prev, grads = reference.backward_conv2d(layer, params, dZ, cache, run)
    _, dW, db = reference.conv_backward(dZ, cache)
    np.testing.assert_array_equal(grads["W1"], dW / 2)  # the mean cost's 1/m, m = 2
    np.testing.assert_array_equal(grads["b1"], db / 2)
    assert dA_prev.shape == A_prev.shape


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_zero_pad_is_the_courses(framework):
    """C4W1's zero_pad: (4, 3, 3, 2) padded by 3 on height and width only, zeros around."""
    pytest.importorskip(FRAMEWORKS[framework])
    layers = importlib.import_module(f"{framework}_impl.layers")
    x = np.random.RandomState(1).randn(4, 3, 3, 2)
    want = reference.zero_pad(x, 3)
    assert want.shape == (4, 9, 9, 2) and np.array_equal(want[:, 3:6, 3:6, :], x)
    assert np.array_equal(np.asarray(layers.zero_pad(x, 3)), want)


@pytest.mark.parametrize("framework", ["numpy", *FRAMEWORKS])
def test_conv_single_step_is_the_courses(framework):
    """C4W1: seed 1, a_slice_prev (4, 4, 3), W (4, 4, 3), b (1, 1, 1): Z = -6.99908945068."""
    if framework != "numpy":
        pytest.importorskip(FRAMEWORKS[framework])
    layers = importlib.import_module(
        "pure_numpy.layers" if framework == "numpy" else f"{framework}_impl.layers"
    )
    np.random.seed(1)
    a_slice_prev = np.random.randn(4, 4, 3)
    W, b = np.random.randn(4, 4, 3), np.random.randn(1, 1, 1)
    np.testing.assert_allclose(
        float(layers.conv_single_step(a_slice_prev, W, b)), -6.99908945068, rtol=1e-11
    )
