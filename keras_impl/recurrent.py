"""Keras' own recurrent layers run on the course's parameters: SimpleRNN, LSTM and GRU with
return_sequences=True, their weights loaded by dlparity.core.recurrent_layout, in float64.

Each takes the course's x (n_x, m, T_x), a0 (n_a, m) and parameters, and returns the hidden states
in the course's layout, a (n_a, m, T_x): what pure_numpy.recurrent's forwards return as their first
output (the LSTM starts from a zero memory cell, like the course's lstm_forward).
"""

import keras
import numpy as np

from dlparity.core import recurrent_layout as layout


def _hidden_states(layer, weights, x, initial_state):
    """Build the layer on x's Keras shape, load the weights, run it from initial_state."""
    inputs = layout.to_keras_sequence(x)
    layer.build(inputs.shape)
    layer.set_weights(weights)
    return layout.from_keras_sequence(layer(inputs, initial_state=initial_state))


def simple_rnn(x, a0, parameters):
    """keras.layers.SimpleRNN: a_t = tanh(Wax x_t + Waa a_(t-1) + ba), the course's rnn_forward."""
    layer = keras.layers.SimpleRNN(a0.shape[0], return_sequences=True, dtype="float64")
    return _hidden_states(layer, layout.keras_simple_rnn_weights(parameters), x, [a0.T])


def lstm(x, a0, parameters, *, gates=layout.KERAS_LSTM_GATES, recurrent_activation="sigmoid"):
    """keras.layers.LSTM: the course's lstm_forward with its weights in Keras' gate order i, f, c,
    o (gates: another order, to measure a swap) and the course's sigmoid on the gates."""
    layer = keras.layers.LSTM(
        a0.shape[0], return_sequences=True, recurrent_activation=recurrent_activation,
        dtype="float64",
    )  # fmt: skip
    initial_state = [a0.T, np.zeros_like(a0.T)]
    return _hidden_states(layer, layout.keras_lstm_weights(parameters, gates), x, initial_state)


def gru(x, a0, parameters, *, reset_after=False, signs=None):
    """keras.layers.GRU: with reset_after=False the lectures' GRU (the reset gate applied to
    a_prev before the candidate's weights); reset_after=True, Keras' default, applies it after."""
    layer = keras.layers.GRU(
        a0.shape[0], return_sequences=True, reset_after=reset_after, dtype="float64"
    )
    weights = layout.keras_gru_weights(parameters, reset_after=reset_after, signs=signs)
    return _hidden_states(layer, weights, x, [a0.T])
