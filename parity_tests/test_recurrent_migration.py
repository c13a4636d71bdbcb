"""Course 5's migration rows (dlparity.course.migration.TABLE), each measured: the exact mapping
where there is one, and the size of the trap (or of the stock difference) within a factor of 3 of
what the table records. PyTorch is not a dependency: its LSTM is written here in NumPy as its
documentation gives the equations, with its layout."""

import numpy as np
import pytest

from dlparity.core import recurrent_layout as layout
from parity_tests.conftest import TOLERANCES, assert_close_in_order
from parity_tests.test_conv_migration import assert_recorded, relative
from parity_tests.test_recurrent_cells import problem
from pure_numpy import recurrent as reference
from pure_numpy.activations import sigmoid


def lstm_a(x, a0, parameters):
    return reference.lstm_forward(x, a0, parameters)[0]


def test_concatenating_x_before_a_prev():
    x, a0, parameters, _ = problem("lstm")
    n_x = x.shape[0]
    # W [xt; a_prev] is the reference with W's a_prev columns taken from W's last n_a columns
    trap = {key: np.hstack([W[:, n_x:], W[:, :n_x]]) if key.startswith("W") and key != "Wy" else W
            for key, W in parameters.items()}  # fmt: skip
    assert_recorded("concat-order", relative(lstm_a(x, a0, trap), lstm_a(x, a0, parameters)))


def test_an_untransposed_recurrent_kernel():
    x, a0, parameters, _ = problem("rnn")
    a = reference.rnn_forward(x, a0, parameters)[0]
    trap = reference.rnn_forward(x, a0, {**parameters, "Waa": parameters["Waa"].T})[0]
    assert_recorded("rnn-layout", relative(trap, a))


def torch_lstm(x_time_major, h0, c0, weights):
    """torch.nn.LSTM's layer 0 as its documentation writes it: x (T_x, m, n_x), h0 and c0
    (m, n_a), one row per example. Returns the output (T_x, m, n_a)."""
    n_a, h, c, output = h0.shape[1], h0, c0, []
    for xt in x_time_major:
        z = (xt @ weights["weight_ih_l0"].T + weights["bias_ih_l0"]
             + h @ weights["weight_hh_l0"].T + weights["bias_hh_l0"])  # fmt: skip
        i, f, g, o = (z[:, k * n_a : (k + 1) * n_a] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        output.append(h)
    return np.stack(output)


def test_pytorch_gate_order_biases_and_time_major_layout():
    x, a0, parameters, _ = problem("lstm")
    a = lstm_a(x, a0, parameters)
    weights = layout.torch_lstm_weights(parameters)
    x_tm, h0 = layout.to_time_major(x), a0.T
    output = torch_lstm(x_tm, h0, np.zeros_like(h0), weights)
    assert output.shape == (6, 4, 5)  # (T_x, m, n_a)
    assert_close_in_order({"a": a}, {"a": output.transpose(2, 1, 0)}, what="pytorch layout")
    doubled = {**weights, "bias_hh_l0": weights["bias_ih_l0"]}
    trap = torch_lstm(x_tm, h0, np.zeros_like(h0), doubled).transpose(2, 1, 0)
    assert_recorded("torch-lstm", relative(trap, a))


def test_clipping_by_value_is_the_courses_and_by_global_norm_is_not():
    """C5W1's clip test: seed 3, each gradient randn * 10, maxValue 10; it prints dWya[1][2] =
    0.29713815361 (12 digits) and dby[1] = [8.45833407]."""
    optax = pytest.importorskip("optax")
    import jax

    jax.config.update("jax_enable_x64", True)
    np.random.seed(3)
    shapes = {"dWax": (5, 3), "dWaa": (5, 5), "dWya": (2, 5), "db": (5, 1), "dby": (2, 1)}
    gradients = {key: np.random.randn(*shape) * 10 for key, shape in shapes.items()}
    course = {key: np.clip(g, -10, 10) for key, g in gradients.items()}
    assert course["dWaa"][1][2] == 10.0 and course["dWax"][3][1] == -10.0
    np.testing.assert_allclose(course["dWya"][1][2], 0.29713815361, atol=5e-12, rtol=0)
    np.testing.assert_allclose(course["dby"][1], [8.45833407], atol=5e-9, rtol=0)
    by_value, _ = optax.clip(10.0).update(gradients, None)
    for key in course:
        np.testing.assert_array_equal(np.asarray(by_value[key]), course[key])
    by_norm, _ = optax.clip_by_global_norm(10.0).update(gradients, None)
    flat = lambda g: np.concatenate([np.asarray(g[key]).ravel() for key in shapes])  # noqa: E731
    assert_recorded("gradient-clipping", relative(flat(by_norm), flat(course)))


def test_float32_over_a_thousand_steps():
    pytest.importorskip("jax")
    from jax_impl import recurrent as jax_recurrent

    x, a0, parameters, _ = problem("lstm", T_x=1000)
    a64 = np.asarray(jax_recurrent.lstm_forward(x, a0, parameters)[0])
    np.testing.assert_allclose(a64, lstm_a(x, a0, parameters), **TOLERANCES["float64"])
    as32 = [x.astype(np.float32), a0.astype(np.float32)]
    a32 = jax_recurrent.lstm_forward(
        *as32, {k: v.astype(np.float32) for k, v in parameters.items()}
    )[0]
    assert a32.dtype == np.float32
    assert_recorded("rnn-float32", float(np.abs(a32 - a64).max() / np.abs(a64).max()))


# ---------------------------------------------------------------- Keras' own layers


@pytest.fixture(scope="module")
def keras_recurrent():
    pytest.importorskip("keras")
    from keras_impl import recurrent

    return recurrent


def test_keras_lstm_with_forget_and_update_swapped(keras_recurrent):
    x, a0, parameters, _ = problem("lstm")
    swapped = keras_recurrent.lstm(x, a0, parameters, gates=("f", "i", "c", "o"))
    assert_recorded("lstm-gate-order", relative(swapped, lstm_a(x, a0, parameters)))


def test_old_keras_hard_sigmoid_on_the_gates(keras_recurrent):
    import keras

    def old_hard_sigmoid(z):
        return keras.ops.clip(0.2 * z + 0.5, 0.0, 1.0)

    x, a0, parameters, _ = problem("lstm")
    hard = keras_recurrent.lstm(x, a0, parameters, recurrent_activation=old_hard_sigmoid)
    assert_recorded("hard-sigmoid", relative(hard, lstm_a(x, a0, parameters)))


def test_keras_gru_reset_after_and_its_update_gate(keras_recurrent):
    x, a0, parameters, _ = problem("gru")
    a = reference.gru_forward(x, a0, parameters)[0]
    reset_after = keras_recurrent.gru(x, a0, parameters, reset_after=True)
    assert_recorded("gru-reset-after", relative(reset_after, a))
    unnegated = keras_recurrent.gru(x, a0, parameters, signs={"u": 1.0, "r": 1.0, "c": 1.0})
    assert_recorded("gru-update-gate", relative(unnegated, a))
