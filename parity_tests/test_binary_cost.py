"""The binary cost is exact to rounding for every logit, in every package and in Keras.

The literal course formula -(y log a + (1 - y) log(1 - a)) is 1e-10 off from |z| = 15 and
infinite from |z| = 36.7, where a rounds to 1; every package evaluates it from the logits
instead. The expected values are computed in 420-digit decimal arithmetic.
"""

from decimal import Decimal, getcontext

import numpy as np
import pytest

from pure_numpy import activations as ref_activations
from pure_numpy import losses as ref_losses

LOGITS = [0.0, 15.0, 20.0, 30.0, 36.7, 37.5, 100.0, 800.0]
LOGITS = sorted({s * z for z in LOGITS for s in (1, -1)})
# per example: max(z, 0) - y z + log1p(e^-|z|), one rounding each for exp, log1p, the
# subtraction and the addition: 4 ulps of the result
RTOL = 4 * np.finfo(np.float64).eps


def exact_loss(z: float, y: float) -> float:
    """-(y log a + (1 - y) log(1 - a)), a = 1 / (1 + e^-z), in decimal arithmetic.

    420 digits: 1 + e^-800 (1e-348) must keep 17 significant digits of its small part.
    """
    getcontext().prec = 420
    z = Decimal(z)
    log_a = -(1 + (-z).exp()).ln()  # log sigmoid(z)
    log_1_minus_a = -(1 + z.exp()).ln()  # log sigmoid(-z)
    return float(-(Decimal(y) * log_a + (1 - Decimal(y)) * log_1_minus_a))


def numpy_cost(Z, Y):
    return ref_losses.binary_cross_entropy(Z, Y)


def jax_cost(Z, Y):
    from jax_impl import losses

    return float(losses.binary_cross_entropy(Z, Y))


def tf_cost(Z, Y):
    import tensorflow as tf

    from tf_impl import losses

    return float(losses.binary_cross_entropy(tf.constant(Z), tf.constant(Y)))


def keras_cost(Z, Y):
    import keras

    from keras_impl import backend
    from keras_impl.course import CourseBinaryCrossentropy

    backend.configure("float64")
    return float(CourseBinaryCrossentropy()(Y.T, keras.ops.convert_to_tensor(Z.T, "float64")))


COSTS = {"numpy": numpy_cost, "jax": jax_cost, "tf": tf_cost, "keras": keras_cost}


@pytest.fixture(params=list(COSTS))
def cost(request):
    if request.param != "numpy":
        pytest.importorskip("jax" if request.param == "jax" else "tensorflow")
    return COSTS[request.param]


@pytest.mark.parametrize("y", [0.0, 1.0])
@pytest.mark.parametrize("z", LOGITS)
def test_cost_is_exact_for_every_logit(cost, z, y):
    got = cost(np.array([[z]]), np.array([[y]]))
    assert got == pytest.approx(exact_loss(z, y), rel=RTOL, abs=0)


@pytest.mark.parametrize("y", [0.0, 1.0])
def test_cost_is_monotone_in_the_logit(cost, y):
    """Loss of y = 0 increases with z, that of y = 1 decreases, through saturation."""
    Z = np.linspace(-60.0, 60.0, 481).reshape(1, -1)
    values = np.array([cost(Z[:, i : i + 1], np.array([[y]])) for i in range(Z.shape[1])])
    steps = np.diff(values) if y == 0 else -np.diff(values)
    assert np.all(steps >= 0), f"not monotone at z = {Z[0, 1:][steps < 0][:3]}"


def test_gradient_is_the_references_dZ():
    """jax.grad and the tape give (AL - Y) / m, the reference's dZ = AL - Y, at every logit."""
    jax = pytest.importorskip("jax")
    tf = pytest.importorskip("tensorflow")
    from jax_impl import losses as jl
    from tf_impl import losses as tl

    Z = np.array([LOGITS * 2])
    Y = np.array([[0.0] * len(LOGITS) + [1.0] * len(LOGITS)])
    dZ = (ref_activations.sigmoid(Z) - Y) / Z.shape[1]
    Zt = tf.constant(Z)
    with tf.GradientTape() as tape:
        tape.watch(Zt)
        cost = tl.binary_cross_entropy(Zt, tf.constant(Y))
    # each sigmoid within 4 ulps of the reference's (see test_tf_units); a - y then cancels
    # only where a is near y, so the bound is ulps of the O(1) operands, absolute
    tolerance = {"rtol": 0, "atol": 4 * np.finfo(np.float64).eps / Z.shape[1]}
    np.testing.assert_allclose(tape.gradient(cost, Zt).numpy(), dZ, **tolerance)
    grad = jax.grad(lambda Z: jl.binary_cross_entropy(Z, Y))(Z)
    np.testing.assert_allclose(np.asarray(grad), dZ, **tolerance)
