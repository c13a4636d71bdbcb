"""The course's recurrent parameters in Keras' and PyTorch's layouts. NumPy only.

Course (C5W1): x (n_x, m, T_x), a (n_a, m, T_x); the RNN's Wax (n_a, n_x), Waa (n_a, n_a),
ba (n_a, 1); each LSTM or GRU gate's W (n_a, n_a + n_x) acting on [a_prev; xt] (its first n_a
columns read a_prev), b (n_a, 1).
Keras: inputs batch-major (m, T_x, n_x), hidden states (m, T_x, n_a) with return_sequences=True;
kernel (n_x, k n_a) holds the gates' input blocks transposed side by side, recurrent_kernel
(n_a, k n_a) their a_prev blocks, bias (k n_a,); gates in Keras' order: LSTM i, f, c, o; GRU z, r, h.
PyTorch: inputs time-major (T_x, m, n_x); torch.nn.LSTM's weight_ih (4 n_a, n_x) and weight_hh
(4 n_a, n_a) stack the blocks by rows in the order i, f, g, o; bias_ih + bias_hh is the bias.
"""

from __future__ import annotations

import numpy as np

KERAS_LSTM_GATES = ("i", "f", "c", "o")
TORCH_LSTM_GATES = ("i", "f", "c", "o")  # PyTorch names the candidate g
# Keras' GRU gates z, r, h are the lectures' update, reset and candidate, but its
# h = z h_prev + (1 - z) hh keeps the old state where z is 1: z = 1 - Γu = σ(-(Wu [a; x] + bu))
KERAS_GRU_GATES = ("u", "r", "c")
_KERAS_GRU_SIGNS = {"u": -1.0, "r": 1.0, "c": 1.0}


def to_keras_sequence(x: np.ndarray) -> np.ndarray:
    """(n_x, m, T_x) -> Keras' (m, T_x, n_x)."""
    return np.ascontiguousarray(np.asarray(x).transpose(1, 2, 0))


def from_keras_sequence(h) -> np.ndarray:
    """Keras' (m, T_x, n_a) -> the course's (n_a, m, T_x)."""
    return np.ascontiguousarray(np.asarray(h).transpose(2, 0, 1))


def to_time_major(x: np.ndarray) -> np.ndarray:
    """(n_x, m, T_x) -> PyTorch's default (T_x, m, n_x)."""
    return np.ascontiguousarray(np.asarray(x).transpose(2, 1, 0))


def _blocks(parameters: dict, gates, signs=None) -> tuple[list, list, list]:
    """Each gate's a_prev block (n_a, n_a), xt block (n_a, n_x) and bias (n_a,), signed."""
    n_a = parameters[f"W{gates[0]}"].shape[0]
    signs = signs or dict.fromkeys(gates, 1.0)
    W = [signs[g] * parameters[f"W{g}"] for g in gates]
    return ([w[:, :n_a] for w in W], [w[:, n_a:] for w in W],
            [signs[g] * parameters[f"b{g}"].ravel() for g in gates])  # fmt: skip


def keras_simple_rnn_weights(parameters: dict) -> list[np.ndarray]:
    """[kernel (n_x, n_a), recurrent_kernel (n_a, n_a), bias (n_a,)] of SimpleRNN: Wax^T, Waa^T, ba."""
    p = parameters
    return [p["Wax"].T.copy(), p["Waa"].T.copy(), p["ba"].ravel().copy()]


def course_simple_rnn_parameters(weights) -> dict[str, np.ndarray]:
    """SimpleRNN's [kernel, recurrent_kernel, bias] back in the course's Wax, Waa, ba (n_a, 1)."""
    kernel, recurrent, bias = (np.asarray(w) for w in weights)
    return {"Wax": kernel.T.copy(), "Waa": recurrent.T.copy(), "ba": bias.reshape(-1, 1).copy()}


def keras_dense_weights(W: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """[kernel (n_a, n_y), bias (n_y,)] of the Dense layer computing W a + b on each hidden state,
    from the course's prediction W (n_y, n_a) and b (n_y, 1): Wya and by, or Wy and by."""
    return [W.T.copy(), b.ravel().copy()]


def course_dense_parameters(weights) -> tuple[np.ndarray, np.ndarray]:
    """Dense's [kernel, bias] back in the course's W (n_y, n_a) and b (n_y, 1)."""
    kernel, bias = (np.asarray(w) for w in weights)
    return kernel.T.copy(), bias.reshape(-1, 1).copy()


def keras_lstm_weights(parameters: dict, gates=KERAS_LSTM_GATES) -> list[np.ndarray]:
    """[kernel (n_x, 4 n_a), recurrent_kernel (n_a, 4 n_a), bias (4 n_a,)] of keras.layers.LSTM."""
    recurrent, inputs, biases = _blocks(parameters, gates)
    return [
        np.hstack([w.T for w in inputs]),
        np.hstack([w.T for w in recurrent]),
        np.concatenate(biases),
    ]


def keras_gru_weights(
    parameters: dict, *, reset_after: bool = False, signs=None
) -> list[np.ndarray]:
    """[kernel (n_x, 3 n_a), recurrent_kernel (n_a, 3 n_a), bias] of keras.layers.GRU from the
    lectures' Wu, Wr, Wc: the update gate negated (Keras' z is 1 - Γu). bias (3 n_a,), or with
    reset_after (2, 3 n_a): the input bias, then a zero recurrent bias."""
    recurrent, inputs, biases = _blocks(parameters, KERAS_GRU_GATES, signs or _KERAS_GRU_SIGNS)
    bias = np.concatenate(biases)
    if reset_after:
        bias = np.stack([bias, np.zeros_like(bias)])
    return [np.hstack([w.T for w in inputs]), np.hstack([w.T for w in recurrent]), bias]


def torch_lstm_weights(parameters: dict, gates=TORCH_LSTM_GATES) -> dict[str, np.ndarray]:
    """torch.nn.LSTM's weight_ih_l0 (4 n_a, n_x), weight_hh_l0 (4 n_a, n_a), bias_ih_l0 and
    bias_hh_l0 (4 n_a,): the course's bias in bias_ih, zeros in bias_hh (PyTorch adds the two)."""
    recurrent, inputs, biases = _blocks(parameters, gates)
    bias = np.concatenate(biases)
    return {"weight_ih_l0": np.vstack(inputs), "weight_hh_l0": np.vstack(recurrent),
            "bias_ih_l0": bias, "bias_hh_l0": np.zeros_like(bias)}  # fmt: skip
