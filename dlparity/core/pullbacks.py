"""What the course's recurrent backward functions return, for the packages that differentiate their
forwards (jax_impl, tf_impl): which of a forward's outputs the cotangents are for, what the
inputs' gradients are called and which parameters' gradients come back (d + key). Each package
pulls back with its framework (jax.vjp, tf.GradientTape) and names the result here.
"""

from __future__ import annotations

from typing import NamedTuple

RNN_KEYS = ("Wax", "Waa", "ba")
LSTM_KEYS = ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo")
GRU_KEYS = ("Wu", "bu", "Wr", "br", "Wc", "bc")


class Pullback(NamedTuple):
    """outputs: the forward's outputs the cotangents are for (an index or a slice); names: the
    gradients of its inputs before the parameters; keys: the parameters differentiated."""

    outputs: int | slice
    names: tuple[str, ...]
    keys: tuple[str, ...]


RNN_CELL = Pullback(0, ("dxt", "da_prev"), RNN_KEYS)  # a_next
RNN = Pullback(0, ("dx", "da0"), RNN_KEYS)  # a
LSTM_CELL = Pullback(slice(0, 2), ("dxt", "da_prev", "dc_prev"), LSTM_KEYS)  # a_next, c_next
LSTM = Pullback(0, ("dx", "da0"), LSTM_KEYS)  # a
GRU_CELL = Pullback(0, ("dxt", "da_prev"), GRU_KEYS)  # a_next
GRU = Pullback(0, ("dx", "da0"), GRU_KEYS)  # a


def selected(pullback: Pullback, forward):
    """forward(*args) reduced to the outputs the pullback's cotangents are for."""

    def outputs(*args):
        return forward(*args)[pullback.outputs]

    return outputs


def gradient_dict(pullback: Pullback, dargs, dparams: dict) -> dict:
    """The course's gradient dict: the inputs' gradients by name, then d + key of each parameter."""
    named = dict(zip(pullback.names, dargs, strict=True))
    return {**named, **{f"d{key}": dparams[key] for key in pullback.keys}}
