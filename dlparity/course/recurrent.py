"""C5W1's test parameters, drawn as its notebook draws them: after np.random.seed(s), from the
global generator, in the course's order, so the course's printed values come out."""

from __future__ import annotations

import numpy as np


def draw_rnn(n_x, n_a, n_y, order=("Waa", "Wax")):
    """The course's RNN parameters, drawn in its order (its backward cells draw Wax first)."""
    shapes = {"Waa": (n_a, n_a), "Wax": (n_a, n_x)}
    p = {key: np.random.randn(*shapes[key]) for key in order}
    p["Wya"], p["ba"], p["by"] = (
        np.random.randn(n_y, n_a),
        np.random.randn(n_a, 1),
        np.random.randn(n_y, 1),
    )
    return p


def draw_lstm(n_x, n_a, n_y, prediction=True):
    """Wf, bf, Wi, bi, Wo, bo, Wc, bc, then Wy, by: zeros where the course's cell makes them so."""
    p = {}
    for gate in "fioc":
        p[f"W{gate}"], p[f"b{gate}"] = np.random.randn(n_a, n_a + n_x), np.random.randn(n_a, 1)
    if prediction:
        p["Wy"], p["by"] = np.random.randn(n_y, n_a), np.random.randn(n_y, 1)
    else:
        p["Wy"], p["by"] = np.zeros((n_y, n_a)), np.zeros((n_y, 1))
    return p
