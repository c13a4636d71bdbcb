"""Keras-only model checks: its own gradient check, and the stock tanh of the migration table.

The Keras models are compared with the reference in test_models, with every other framework;
test_keras_jax runs both files again on Keras' JAX backend.
"""

import numpy as np
import pytest

pytest.importorskip("keras")

from keras_impl import models as km  # noqa: E402
from parity_tests.cases import problem  # noqa: E402


def test_gradient_check_of_the_keras_gradients():
    p = problem("l2")
    assert km.gradient_check(p.params, p.X, p.Y, p.spec) < 1e-7


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
