"""Keras' SimpleRNN, LSTM and GRU (return_sequences=True, float64) loaded from the course's
parameters by dlparity.core.recurrent_layout equal the reference's rnn_forward, lstm_forward and
the lectures' gru_forward (GRU with reset_after=False). Tolerance: the parity suite's float64 bound,
as in test_recurrent_cells (Keras' kernels sum in another order; its GRU computes 1 - z where the
lecture computes Γu, both within rounding of σ)."""

import numpy as np
import pytest

pytest.importorskip("keras")

from dlparity.core import recurrent_layout as layout  # noqa: E402
from keras_impl import recurrent as keras_recurrent  # noqa: E402
from parity_tests.conftest import assert_close_in_order  # noqa: E402
from parity_tests.test_recurrent_cells import problem  # noqa: E402
from pure_numpy import recurrent as reference  # noqa: E402

STOCK = {
    "rnn": keras_recurrent.simple_rnn,
    "lstm": keras_recurrent.lstm,
    "gru": keras_recurrent.gru,
}


@pytest.mark.parametrize("kind", list(STOCK))
def test_keras_layer_with_the_mapped_weights_is_the_courses(kind):
    x, a0, parameters, _ = problem(kind)
    a = getattr(reference, f"{kind}_forward")(x, a0, parameters)[0]
    got = STOCK[kind](x, a0, parameters)
    assert got.shape == a.shape == (5, 4, 6)
    assert_close_in_order({"a": a}, {"a": got}, what=f"keras {kind}")


def test_the_keras_weights_have_keras_shapes():
    _, _, lstm, _ = problem("lstm")
    _, _, gru, _ = problem("gru")
    kernel, recurrent, bias = layout.keras_lstm_weights(lstm)
    assert (kernel.shape, recurrent.shape, bias.shape) == ((3, 20), (5, 20), (20,))
    # Keras' i block first: the course's Wi's xt columns, transposed
    np.testing.assert_array_equal(kernel[:, :5], lstm["Wi"][:, 5:].T)
    kernel, recurrent, bias = layout.keras_gru_weights(gru, reset_after=True)
    assert (kernel.shape, recurrent.shape, bias.shape) == ((3, 15), (5, 15), (2, 15))
    np.testing.assert_array_equal(recurrent[:, :5], -gru["Wu"][:, :5].T)  # z = 1 - Γu
    torch = layout.torch_lstm_weights(lstm)
    assert torch["weight_ih_l0"].shape == (20, 3) and torch["weight_hh_l0"].shape == (20, 5)
