import numpy as np
import pytest

from pure_numpy import activations, layers, losses


def numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g


def test_activations_values():
    Z = np.array([[-1000.0, -1.0, 0.0, 2.0, 1000.0]])
    assert np.array_equal(activations.sigmoid(Z)[0, [0, 2, 4]], [0.0, 0.5, 1.0])
    assert np.array_equal(activations.relu(Z), np.maximum(Z, 0))
    S = activations.softmax(np.array([[1000.0, 1.0], [1000.0, 2.0]]))
    np.testing.assert_allclose(S.sum(axis=0), 1.0)
    np.testing.assert_allclose(S[:, 0], [0.5, 0.5])


@pytest.mark.parametrize("name", ["relu", "tanh"])
def test_activation_backward_matches_numeric(name):
    rs = np.random.RandomState(0)
    Z, dA = rs.randn(3, 4), rs.randn(3, 4)
    f = activations.HIDDEN[name]
    numeric = numeric_grad(lambda z: np.sum(f(z) * dA), Z)
    if name == "relu":
        analytic = activations.relu_backward(dA, Z)
    else:
        analytic = activations.tanh_backward(dA, f(Z))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_batchnorm_backward_matches_numeric():
    rs = np.random.RandomState(1)
    Z, gamma, beta, dOut = rs.randn(4, 6), rs.randn(4, 1), rs.randn(4, 1), rs.randn(4, 6)

    def f(z, g=gamma, b=beta):
        return np.sum(layers.batchnorm_forward(z, g, b, 1e-5)[0] * dOut)

    _, cache, _ = layers.batchnorm_forward(Z, gamma, beta, 1e-5)
    dZ, dgamma, dbeta = layers.batchnorm_backward(dOut, cache)
    m = Z.shape[1]  # backward returns dgamma, dbeta with the course's 1/m
    np.testing.assert_allclose(dZ, numeric_grad(f, Z), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dgamma * m, numeric_grad(lambda g: f(Z, g=g), gamma), rtol=1e-6)
    np.testing.assert_allclose(dbeta * m, numeric_grad(lambda b: f(Z, b=b), beta), rtol=1e-6)


def test_batchnorm_training_statistics_and_inference():
    Z = np.array([[1.0, 2.0, 3.0, 6.0]])
    out, _, (mu, var) = layers.batchnorm_forward(Z, np.ones((1, 1)), np.zeros((1, 1)), 1e-5)
    assert mu[0, 0] == 3.0 and var[0, 0] == 3.5  # biased variance
    np.testing.assert_allclose(out.mean(), 0.0, atol=1e-15)
    inf, _, _ = layers.batchnorm_forward(Z, 2 * np.ones((1, 1)), np.ones((1, 1)), 0.0,
                                         mu=np.zeros((1, 1)), var=4 * np.ones((1, 1)))  # fmt: skip
    np.testing.assert_allclose(inf, 2 * Z / 2 + 1)


def test_dropout_is_inverted():
    A, D = np.ones((2, 3)), np.array([[1, 0, 1], [0, 1, 1]], dtype=float)
    np.testing.assert_allclose(layers.dropout_forward(A, D, 0.5), 2 * D)
    np.testing.assert_allclose(layers.dropout_backward(A, D, 0.5), 2 * D)


def test_binary_cost_is_the_course_formula_where_it_is_accurate():
    Z = np.array([[0.3, -1.2, 2.0]])
    A, Y = activations.sigmoid(Z), np.array([[1.0, 0.0, 1.0]])
    course = (1.0 / 3) * (-np.dot(Y, np.log(A).T) - np.dot(1 - Y, np.log(1 - A).T))
    # |z| <= 2: the literal formula's logs are accurate to a few ulps of O(1) values
    assert losses.binary_cross_entropy(Z, Y) == pytest.approx(float(course[0, 0]), rel=1e-15)


def test_softmax_cost_and_l2():
    Z = np.array([[1.0, 2.0], [3.0, -1.0]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    A = activations.softmax(Z)
    assert losses.softmax_cross_entropy(Z, Y) == pytest.approx(-np.sum(Y * np.log(A)) / 2)
    params = {"W1": np.ones((2, 2)), "b1": np.ones((2, 1)), "W2": 2 * np.ones((1, 2))}
    assert losses.l2_penalty(params, 0.7, 10) == pytest.approx(0.7 / 20 * (4 + 8))
