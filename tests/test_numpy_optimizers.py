import numpy as np
import pytest

from dlparity.core.spec import TrainConfig
from pure_numpy import optimizers as opt

P = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([[0.5]])}
G = {"W1": np.array([[0.1, 0.4]]), "b1": np.array([[-0.2]])}


def test_gd():
    new, _ = opt.gd_update(G, opt.gd_init(P), P, 0.1)
    np.testing.assert_allclose(new["W1"], [[0.99, -2.04]])


def test_momentum_two_steps():
    state = opt.momentum_init(P)
    p1, state = opt.momentum_update(G, state, P, 0.1, beta=0.9)
    p2, state = opt.momentum_update(G, state, p1, 0.1, beta=0.9)
    v1 = 0.1 * G["W1"]
    v2 = 0.9 * v1 + 0.1 * G["W1"]
    np.testing.assert_allclose(state["v"]["W1"], v2)
    np.testing.assert_allclose(p2["W1"], P["W1"] - 0.1 * v1 - 0.1 * v2)


def test_rmsprop_epsilon_outside_and_inside_the_root():
    eps = 1e-2
    new, state = opt.rmsprop_update(G, opt.rmsprop_init(P), P, 0.1, beta2=0.9, epsilon=eps)
    s = 0.1 * G["W1"] ** 2
    np.testing.assert_allclose(new["W1"], P["W1"] - 0.1 * G["W1"] / (np.sqrt(s) + eps))
    keras, _ = opt.rmsprop_update(
        G, opt.rmsprop_init(P), P, 0.1, beta2=0.9, epsilon=eps, eps_in_sqrt=True
    )
    np.testing.assert_allclose(keras["W1"], P["W1"] - 0.1 * G["W1"] / np.sqrt(s + eps))
    assert not np.allclose(new["W1"], keras["W1"], rtol=1e-6)


def test_adam_bias_correction_and_step_count():
    state = opt.adam_init(P)
    new, state = opt.adam_update(G, state, P, 0.01, beta1=0.9, beta2=0.999, epsilon=1e-8)
    assert state["t"] == 1
    # after one step v_corr = g and s_corr = g^2: the step is lr * g / (|g| + eps)
    expected = P["W1"] - 0.01 * G["W1"] / (np.abs(G["W1"]) + 1e-8)
    np.testing.assert_allclose(new["W1"], expected, rtol=1e-15)


def test_adam_eps_hat_is_keras_form():
    eps, t = 1e-3, 1
    new, _ = opt.adam_update(G, opt.adam_init(P), P, 0.01, beta1=0.9, beta2=0.999,
                             epsilon=eps, eps_hat=True)  # fmt: skip
    # Keras 3: alpha = lr sqrt(1 - b2^t) / (1 - b1^t); W -= alpha m / (sqrt(v) + eps)
    m, v = 0.1 * G["W1"], 0.001 * G["W1"] ** 2
    alpha = 0.01 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
    np.testing.assert_allclose(new["W1"], P["W1"] - alpha * m / (np.sqrt(v) + eps), rtol=1e-13)


@pytest.mark.parametrize("name", ["gd", "momentum", "rmsprop", "adam"])
def test_make_optimizer_binds_the_config(name):
    config = TrainConfig(0.1, optimizer=name, num_iterations=1, beta=0.5, beta2=0.9)
    optimizer = opt.make_optimizer(config)
    new, _ = optimizer.update(G, optimizer.init(P), P, 0.1)
    assert set(new) == set(P) and not np.allclose(new["W1"], P["W1"])
    assert np.array_equal(P["W1"], [[1.0, -2.0]])  # nothing modified in place
