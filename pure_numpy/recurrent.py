"""Course 5's recurrent cells (C5W1, "Building your Recurrent Neural Network - Step by Step") in the
course's names and layout, forward and backward by hand; then the lectures' GRU the same way.

Shapes: x (n_x, m, T_x), xt (n_x, m), a and c (n_a, m, T_x), a_prev and c_prev (n_a, m),
y (n_y, m, T_x). The RNN's parameters: Wax (n_a, n_x), Waa (n_a, n_a), Wya (n_y, n_a), ba (n_a, 1),
by (n_y, 1). The LSTM's and GRU's gates: W (n_a, n_a + n_x) acting on [a_prev; xt], b (n_a, 1);
their prediction Wy (n_y, n_a), by (n_y, 1). Gradients are sums over the examples, as the course
returns them (no 1/m), and the sequence backwards take da, the gradient of the hidden states alone.
"""

import numpy as np

from pure_numpy.activations import sigmoid, softmax


def rnn_cell_forward(xt, a_prev, parameters):
    """a_next = tanh(Waa a_prev + Wax xt + ba), yt_pred = softmax(Wya a_next + by).

    Returns a_next (n_a, m), yt_pred (n_y, m), cache (a_next, a_prev, xt, parameters).
    """
    p = parameters
    a_next = np.tanh(p["Waa"] @ a_prev + p["Wax"] @ xt + p["ba"])
    yt_pred = softmax(p["Wya"] @ a_next + p["by"])
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


def rnn_forward(x, a0, parameters):
    """The cell over the T_x steps of x from a0.

    Returns a (n_a, m, T_x), y_pred (n_y, m, T_x), caches ([each step's cache], x).
    """
    _, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a, y_pred = np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x))
    a_next, caches = a0, []
    for t in range(T_x):
        a_next, y_pred[:, :, t], cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        caches.append(cache)
    return a, y_pred, (caches, x)


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """One LSTM step: forget, update and output gates and the candidate on [a_prev; xt];
    c_next = ft c_prev + it cct, a_next = ot tanh(c_next), yt_pred = softmax(Wy a_next + by).

    Returns a_next, c_next (n_a, m), yt_pred (n_y, m) and the course's cache
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters).
    """
    p = parameters
    concat = np.concatenate([a_prev, xt])
    ft = sigmoid(p["Wf"] @ concat + p["bf"])
    it = sigmoid(p["Wi"] @ concat + p["bi"])
    cct = np.tanh(p["Wc"] @ concat + p["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(p["Wo"] @ concat + p["bo"])
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(p["Wy"] @ a_next + p["by"])
    return a_next, c_next, yt_pred, (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p)


def lstm_forward(x, a0, parameters):
    """The LSTM over the T_x steps of x from a0 and a zero memory cell.

    Returns a (n_a, m, T_x), y (n_y, m, T_x), c (n_a, m, T_x), caches ([each step's], x).
    """
    _, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a, c, y = np.zeros((n_a, m, T_x)), np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x))
    a_next, c_next, caches = a0, np.zeros((n_a, m)), []
    for t in range(T_x):
        a_next, c_next, y[:, :, t], cache = lstm_cell_forward(
            x[:, :, t], a_next, c_next, parameters
        )
        a[:, :, t], c[:, :, t] = a_next, c_next
        caches.append(cache)
    return a, y, c, (caches, x)


def rnn_cell_backward(da_next, cache):
    """The gradients of one RNN step from da_next (n_a, m), through the tanh:
    dxt, da_prev, dWax, dWaa, dba."""
    a_next, a_prev, xt, p = cache
    dtanh = (1 - a_next**2) * da_next
    return {
        "dxt": p["Wax"].T @ dtanh,
        "da_prev": p["Waa"].T @ dtanh,
        "dWax": dtanh @ xt.T,
        "dWaa": dtanh @ a_prev.T,
        "dba": np.sum(dtanh, axis=1, keepdims=True),
    }


def rnn_backward(da, caches):
    """Backpropagation through time of rnn_forward over the T_x = da.shape[2] first steps, da
    (n_a, m, T_x) the gradient of each hidden state; each step's da_prev joins the step before.

    Returns dx (n_x, m, T_x), da0 (n_a, m), dWax, dWaa, dba summed over the steps.
    """
    n_x = caches[0][0][2].shape[0]
    return _through_time(rnn_cell_backward, da, caches, n_x, ("dWax", "dWaa", "dba"))


def _through_time(cell_backward, da, caches, n_x, keys):
    """The course's loop backwards over the steps for a cell whose state is a alone: dx, da0 and
    the sums over the steps of the gradients named by keys."""
    caches, _ = caches
    n_a, m, T_x = da.shape
    dx, da_prevt = np.zeros((n_x, m, T_x)), np.zeros((n_a, m))
    sums = dict.fromkeys(keys, 0)
    for t in reversed(range(T_x)):
        step = cell_backward(da[:, :, t] + da_prevt, caches[t])
        dx[:, :, t], da_prevt = step["dxt"], step["da_prev"]
        sums = {key: total + step[key] for key, total in sums.items()}
    return {"dx": dx, "da0": da_prevt, **sums}


_LSTM_GATES = (("f", "dft"), ("i", "dit"), ("c", "dcct"), ("o", "dot"))


def lstm_cell_backward(da_next, dc_next, cache):
    """The gradients of one LSTM step from da_next and dc_next (n_a, m): dxt, da_prev, dc_prev
    and each gate's dW (n_a, n_a + n_x) and db (n_a, 1), in the course's order."""
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    n_a = a_next.shape[0]
    tanh_c = np.tanh(c_next)
    dc = (
        dc_next + ot * (1 - tanh_c**2) * da_next
    )  # c_next reaches the loss twice: dc_next and a_next
    dz = {
        "dot": da_next * tanh_c * ot * (1 - ot),
        "dcct": dc * it * (1 - cct**2),
        "dit": dc * cct * it * (1 - it),
        "dft": dc * c_prev * ft * (1 - ft),
    }
    concat = np.concatenate([a_prev, xt])
    dconcat = sum(p[f"W{gate}"].T @ dz[name] for gate, name in _LSTM_GATES)
    grads = {"dxt": dconcat[n_a:], "da_prev": dconcat[:n_a], "dc_prev": dc * ft}
    for gate, name in _LSTM_GATES:
        grads[f"dW{gate}"] = dz[name] @ concat.T
        grads[f"db{gate}"] = np.sum(dz[name], axis=1, keepdims=True)
    return grads


def lstm_backward(da, caches):
    """Backpropagation through time of lstm_forward over the T_x = da.shape[2] first steps; the
    memory cell's gradient flows back beside the hidden state's.

    Returns dx (n_x, m, T_x), da0 (n_a, m) and each gate's dW and db summed over the steps.
    """
    caches, _ = caches
    n_a, m, T_x = da.shape
    n_x = caches[0][8].shape[0]
    dx = np.zeros((n_x, m, T_x))
    da_prevt, dc_prevt = np.zeros((n_a, m)), np.zeros((n_a, m))
    sums = dict.fromkeys(("dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo"), 0)
    for t in reversed(range(T_x)):
        step = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, caches[t])
        dx[:, :, t], da_prevt, dc_prevt = step["dxt"], step["da_prev"], step["dc_prev"]
        sums = {key: total + step[key] for key, total in sums.items()}
    return {"dx": dx, "da0": da_prevt, **sums}


def gru_cell_forward(xt, a_prev, parameters):
    """One step of the lectures' full GRU, whose memory cell is its hidden state (c = a):
    rt = σ(Wr [a_prev; xt] + br), ut = σ(Wu [a_prev; xt] + bu),
    cct = tanh(Wc [rt * a_prev; xt] + bc), a_next = ut cct + (1 - ut) a_prev,
    yt_pred = softmax(Wy a_next + by).

    Returns a_next (n_a, m), yt_pred (n_y, m), cache (a_next, a_prev, rt, ut, cct, xt, parameters).
    """
    p = parameters
    concat = np.concatenate([a_prev, xt])
    rt = sigmoid(p["Wr"] @ concat + p["br"])
    ut = sigmoid(p["Wu"] @ concat + p["bu"])
    cct = np.tanh(p["Wc"] @ np.concatenate([rt * a_prev, xt]) + p["bc"])
    a_next = ut * cct + (1 - ut) * a_prev
    yt_pred = softmax(p["Wy"] @ a_next + p["by"])
    return a_next, yt_pred, (a_next, a_prev, rt, ut, cct, xt, parameters)


def gru_forward(x, a0, parameters):
    """The GRU over the T_x steps of x from a0.

    Returns a (n_a, m, T_x), y_pred (n_y, m, T_x), caches ([each step's cache], x).
    """
    _, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a, y_pred = np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x))
    a_next, caches = a0, []
    for t in range(T_x):
        a_next, y_pred[:, :, t], cache = gru_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        caches.append(cache)
    return a, y_pred, (caches, x)


def gru_cell_backward(da_next, cache):
    """The gradients of one GRU step from da_next (n_a, m): dxt, da_prev, dWu, dbu, dWr, dbr,
    dWc, dbc. a_prev reaches a_next four ways: directly (1 - ut), through the reset gate's
    product rt * a_prev, and through both gates' [a_prev; xt]."""
    a_next, a_prev, rt, ut, cct, xt, p = cache
    n_a = a_prev.shape[0]
    dzc = da_next * ut * (1 - cct**2)
    dzu = da_next * (cct - a_prev) * ut * (1 - ut)
    dcandidate = p["Wc"].T @ dzc  # [d(rt * a_prev); the candidate's share of dxt]
    dreset = dcandidate[:n_a]
    dzr = dreset * a_prev * rt * (1 - rt)
    dconcat = p["Wu"].T @ dzu + p["Wr"].T @ dzr
    concat = np.concatenate([a_prev, xt])
    return {
        "dxt": dcandidate[n_a:] + dconcat[n_a:],
        "da_prev": da_next * (1 - ut) + dreset * rt + dconcat[:n_a],
        "dWu": dzu @ concat.T,
        "dbu": np.sum(dzu, axis=1, keepdims=True),
        "dWr": dzr @ concat.T,
        "dbr": np.sum(dzr, axis=1, keepdims=True),
        "dWc": dzc @ np.concatenate([rt * a_prev, xt]).T,
        "dbc": np.sum(dzc, axis=1, keepdims=True),
    }


def gru_backward(da, caches):
    """Backpropagation through time of gru_forward over the T_x = da.shape[2] first steps.

    Returns dx (n_x, m, T_x), da0 (n_a, m) and dWu, dbu, dWr, dbr, dWc, dbc summed over the steps.
    """
    n_x = caches[0][0][5].shape[0]
    keys = ("dWu", "dbu", "dWr", "dbr", "dWc", "dbc")
    return _through_time(gru_cell_backward, da, caches, n_x, keys)
