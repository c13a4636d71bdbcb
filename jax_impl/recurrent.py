"""Course 5's recurrent cells in JAX, in the course's names and layout (pure_numpy.recurrent): the
steps over time are a lax.scan, and there are no caches. Each *_backward is jax.vjp of its forward,
returned as the course's gradient dict; it takes the forward's inputs where the course takes caches,
and a da as long as x (the course's backwards may stop at da.shape[2] steps).

Shapes: x (n_x, m, T_x), xt (n_x, m), a and c (n_a, m, T_x), a_prev and c_prev (n_a, m).
"""

import jax
import jax.numpy as jnp
from jax import lax

from dlparity.core import pullbacks
from jax_impl.activations import sigmoid, softmax


def _dot(W, A):
    # precision="highest": on GPUs a float32 matmul would otherwise run in TF32
    return jnp.matmul(W, A, precision="highest")


def _over_time(step, carry, x):
    """lax.scan of step(carry, xt) -> (carry, outputs) over the last axis of x (n_x, m, T_x);
    each output stacked on its last axis, like the course's a[:, :, t]."""
    _, outputs = lax.scan(step, carry, jnp.moveaxis(x, 2, 0))
    return tuple(jnp.moveaxis(output, 0, -1) for output in outputs)


def rnn_cell_forward(xt, a_prev, parameters):
    """a_next = tanh(Waa a_prev + Wax xt + ba), yt_pred = softmax(Wya a_next + by).
    Returns a_next (n_a, m), yt_pred (n_y, m)."""
    p = parameters
    a_next = jnp.tanh(_dot(p["Waa"], a_prev) + _dot(p["Wax"], xt) + p["ba"])
    return a_next, softmax(_dot(p["Wya"], a_next) + p["by"])


def rnn_forward(x, a0, parameters):
    """The cell scanned over x's T_x steps from a0. Returns a (n_a, m, T_x), y_pred (n_y, m, T_x)."""

    def step(a_prev, xt):
        a_next, yt_pred = rnn_cell_forward(xt, a_prev, parameters)
        return a_next, (a_next, yt_pred)

    return _over_time(step, a0, x)


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """One LSTM step on [a_prev; xt], the course's gates. Returns a_next, c_next (n_a, m),
    yt_pred (n_y, m)."""
    p = parameters
    concat = jnp.concatenate([a_prev, xt])
    ft = sigmoid(_dot(p["Wf"], concat) + p["bf"])
    it = sigmoid(_dot(p["Wi"], concat) + p["bi"])
    cct = jnp.tanh(_dot(p["Wc"], concat) + p["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(_dot(p["Wo"], concat) + p["bo"])
    a_next = ot * jnp.tanh(c_next)
    return a_next, c_next, softmax(_dot(p["Wy"], a_next) + p["by"])


def lstm_forward(x, a0, parameters):
    """The LSTM scanned over x's T_x steps from a0 and a zero memory cell.
    Returns a (n_a, m, T_x), y (n_y, m, T_x), c (n_a, m, T_x)."""

    def step(state, xt):
        a_next, c_next, yt = lstm_cell_forward(xt, *state, parameters)
        return (a_next, c_next), (a_next, yt, c_next)

    return _over_time(step, (a0, jnp.zeros_like(a0)), x)


def _pulled_back(pullback: pullbacks.Pullback, forward, cotangents, *args):
    """The course's gradient dict of forward at args (the parameters last), pulled back from
    cotangents by jax.vjp (dlparity.core.pullbacks names what comes back)."""
    _, vjp = jax.vjp(pullbacks.selected(pullback, forward), *args)
    *dargs, dparams = vjp(cotangents)
    return pullbacks.gradient_dict(pullback, dargs, dparams)


def rnn_cell_backward(da_next, xt, a_prev, parameters):
    """dxt, da_prev, dWax, dWaa, dba of a_next, from da_next (n_a, m)."""
    return _pulled_back(pullbacks.RNN_CELL, rnn_cell_forward, da_next, xt, a_prev, parameters)


def rnn_backward(da, x, a0, parameters):
    """dx (n_x, m, T_x), da0, dWax, dWaa, dba of the hidden states a, from da (n_a, m, T_x)."""
    return _pulled_back(pullbacks.RNN, rnn_forward, da, x, a0, parameters)


def lstm_cell_backward(da_next, dc_next, xt, a_prev, c_prev, parameters):
    """dxt, da_prev, dc_prev and each gate's dW, db of (a_next, c_next), from da_next, dc_next."""
    return _pulled_back(
        pullbacks.LSTM_CELL, lstm_cell_forward, (da_next, dc_next), xt, a_prev, c_prev, parameters
    )


def lstm_backward(da, x, a0, parameters):
    """dx (n_x, m, T_x), da0 and each gate's dW, db of the hidden states a, from da."""
    return _pulled_back(pullbacks.LSTM, lstm_forward, da, x, a0, parameters)


def gru_cell_forward(xt, a_prev, parameters):
    """One step of the lectures' GRU (c = a): reset and update gates on [a_prev; xt], the
    candidate on [rt * a_prev; xt]. Returns a_next (n_a, m), yt_pred (n_y, m)."""
    p = parameters
    concat = jnp.concatenate([a_prev, xt])
    rt = sigmoid(_dot(p["Wr"], concat) + p["br"])
    ut = sigmoid(_dot(p["Wu"], concat) + p["bu"])
    cct = jnp.tanh(_dot(p["Wc"], jnp.concatenate([rt * a_prev, xt])) + p["bc"])
    a_next = ut * cct + (1 - ut) * a_prev
    return a_next, softmax(_dot(p["Wy"], a_next) + p["by"])


def gru_forward(x, a0, parameters):
    """The GRU scanned over x's T_x steps from a0. Returns a (n_a, m, T_x), y_pred (n_y, m, T_x)."""

    def step(a_prev, xt):
        a_next, yt_pred = gru_cell_forward(xt, a_prev, parameters)
        return a_next, (a_next, yt_pred)

    return _over_time(step, a0, x)


def gru_cell_backward(da_next, xt, a_prev, parameters):
    """dxt, da_prev, dWu, dbu, dWr, dbr, dWc, dbc of a_next, from da_next (n_a, m)."""
    return _pulled_back(pullbacks.GRU_CELL, gru_cell_forward, da_next, xt, a_prev, parameters)


def gru_backward(da, x, a0, parameters):
    """dx (n_x, m, T_x), da0, dWu, dbu, dWr, dbr, dWc, dbc of the hidden states a, from da."""
    return _pulled_back(pullbacks.GRU, gru_forward, da, x, a0, parameters)
