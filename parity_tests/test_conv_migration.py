"""Course 4's migration rows (dlparity.course.migration.TABLE), each measured: the exact mapping
where there is one, and the size of the trap (or of the stock difference) within a factor of 3 of
what the table records."""

import numpy as np
import pytest

from dlparity.course import migration
from pure_numpy import layers as reference


def assert_recorded(knob, measured):
    """Nonzero, and within a factor of 3 of the size the table records for the knob."""
    row = migration.TABLE[knob]
    assert row.measure and measured > 0, knob
    assert row.stock_deviation / 3 <= measured <= row.stock_deviation * 3, (
        f"{knob}: measured {measured:.3g}, the table records {row.stock_deviation:.3g}"
    )


def relative(a, b):
    return float(np.linalg.norm(np.asarray(a) - b) / np.linalg.norm(b))


def course_conv(A, W, pad=0, stride=1):
    b = np.zeros((1, 1, 1, W.shape[3]))
    return reference.conv_forward(A, W, b, {"pad": pad, "stride": stride})[0]


def test_lax_default_dimension_numbers_are_nchw_oihw():
    jax = pytest.importorskip("jax")
    from jax import lax

    jax.config.update("jax_enable_x64", True)
    rng = np.random.RandomState(1)
    A, W = rng.randn(2, 6, 6, 3), rng.randn(3, 3, 3, 3)
    Z = course_conv(A, W)
    nchw = A.transpose(0, 3, 1, 2)

    def lax_default(kernel):
        Z = lax.conv_general_dilated(nchw, kernel, (1, 1), "VALID", precision="highest")
        return np.asarray(Z).transpose(0, 2, 3, 1)

    np.testing.assert_allclose(lax_default(W.transpose(3, 2, 0, 1)), Z, rtol=1e-12, atol=1e-13)
    assert_recorded("conv-layout", relative(lax_default(W), Z))


def test_a_true_convolution_flips_the_kernel():
    rng = np.random.RandomState(1)
    A, W = rng.randn(2, 6, 6, 3), rng.randn(3, 3, 3, 3)
    assert_recorded("cross-correlation", relative(course_conv(A, W[::-1, ::-1]), course_conv(A, W)))


def test_same_padding_is_not_the_courses_on_an_odd_total():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.RandomState(1)
    A, W = rng.randn(2, 8, 8, 3), rng.randn(3, 3, 3, 4)
    Z = course_conv(A, W, pad=1, stride=2)
    same = tf.nn.conv2d(A, W, strides=2, padding="SAME").numpy()
    assert same.shape == Z.shape == (2, 4, 4, 4)
    assert_recorded("same-padding", relative(same, Z))
    explicit = tf.nn.conv2d(A, W, strides=2, padding=[[0, 0], [1, 1], [1, 1], [0, 0]]).numpy()
    np.testing.assert_allclose(explicit, Z, rtol=1e-12, atol=1e-13)


def test_nchw_flattening_needs_the_dense_weights_permuted():
    rng = np.random.RandomState(1)
    A, W = rng.randn(2, 3, 4, 5), rng.randn(6, 60)
    nhwc, _ = reference.flatten_forward(A)
    nchw = A.transpose(0, 3, 1, 2).reshape(2, -1).T
    # position k of the NCHW flattening holds NHWC entry perm[k]
    perm = np.arange(60).reshape(3, 4, 5).transpose(2, 0, 1).ravel()
    np.testing.assert_allclose(W[:, perm] @ nchw, W @ nhwc, rtol=1e-12, atol=1e-13)
    assert_recorded("flatten-order", relative(W @ nchw, W @ nhwc))


def test_max_pool_ties_on_digits_images():
    tf = pytest.importorskip("tensorflow")
    from sklearn.datasets import load_digits

    X = load_digits().images[:64].reshape(64, 8, 8, 1).astype(np.float64)
    A, cache = reference.pool_forward(X, {"f": 2, "stride": 2}, "max")
    dA = np.random.RandomState(2).randn(*A.shape)
    course = reference.pool_backward(dA, cache, "max")
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID")
    theirs = tape.gradient(y, x, output_gradients=tf.constant(dA)).numpy()
    assert_recorded("maxpool-ties", relative(theirs, course))


def test_a_float32_convolution():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.RandomState(1)
    A, W = rng.randn(8, 16, 16, 8), rng.randn(3, 3, 8, 16)
    Z64 = tf.nn.conv2d(A, W, 1, "VALID").numpy()
    Z32 = tf.nn.conv2d(A.astype(np.float32), W.astype(np.float32), 1, "VALID").numpy()
    assert_recorded("conv-float32", float(np.abs(Z32 - Z64).max() / np.abs(Z64).max()))


def test_a_bias_before_batch_norm_follows_rounding():
    """Its gradient is 0 but for rounding: the reference and JAX move it apart (by order 1,
    relative) while the costs and every other parameter agree to float64 rounding."""
    pytest.importorskip("jax")
    import dataclasses

    import jax_impl.train as jax_train
    import pure_numpy.train as reference_train
    from dlparity.core.init import initialize_parameters
    from dlparity.course import data, experiments

    e = experiments.get("digits-resnet")
    stem, block = e.spec.conv_blocks
    spec = dataclasses.replace(e.spec, conv_blocks=(stem, block._replace(use_bias=True)))
    config = dataclasses.replace(e.config, num_epochs=3, record_every=1)
    X, Y, _, _ = data.load(e.dataset)
    params0 = initialize_parameters(spec, e.init_scheme, seed=e.init_seed)
    want = reference_train.train(spec, config, (X, Y), params0)
    got = jax_train.train(spec, config, (X, Y), params0)
    assert max(abs(got.costs[s] - want.costs[s]) for s in want.costs) < 1e-14
    biases = {"b2", "b3", "b4"}
    for key in set(want.params) - biases:
        assert relative(got.params[key], want.params[key]) < 1e-13, key
    assert_recorded("bias-before-batchnorm", relative(got.params["b2"], want.params["b2"]))
