"""Course 5's recurrent cells (C5W1, "Building your Recurrent Neural Network - Step by Step"): the
reference's functions reproduce the values the course's notebook and public tests print, and JAX
(lax.scan, jax.vjp) and TensorFlow (tf.scan, the tape) equal the reference in float64, forward and
gradients, for the RNN, the LSTM and the lectures' GRU.

Tolerances: values the notebook prints in full (17 significant digits) are held to the parity
suite's float64 bound (rtol 1e-12, atol 1e-14: another summation order moves their last digits);
arrays printed to 8 decimals to 5e-9; the public tests' values to half their last printed digit.
Between frameworks: each step sums at most n_a + n_x = 8 products of O(1) values and the recurrence
compounds that over T_x = 6 steps, about 50 u; the parity suite's float64 bound holds it (measured:
under 2e-14 relative).
"""

import importlib

import numpy as np
import pytest

from dlparity.course.recurrent import draw_lstm, draw_rnn
from parity_tests.conftest import TOLERANCES, assert_close_in_order
from pure_numpy import recurrent as reference

FRAMEWORKS = {"jax": "jax", "tf": "tensorflow"}
PRINTED_8 = {"atol": 5e-9, "rtol": 0}  # arrays printed to 8 decimals
PRINTED_12 = {"atol": 5e-13, "rtol": 0}  # the expected-output tables' 12 significant digits


def draw_gru(n_x, n_a, n_y, rng):
    p = {}
    for gate in "urc":
        p[f"W{gate}"], p[f"b{gate}"] = rng.randn(n_a, n_a + n_x), rng.randn(n_a, 1)
    p["Wy"], p["by"] = rng.randn(n_y, n_a), rng.randn(n_y, 1)
    return p


def check(value, printed, tolerance=PRINTED_8):
    np.testing.assert_allclose(value, printed, **tolerance)


# ---------------------------------------------------------------- the course's printed values


def test_rnn_cell_forward_reproduces_the_course():
    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    a_next, yt_pred, cache = reference.rnn_cell_forward(xt, a_prev, draw_rnn(3, 5, 2))
    assert (a_next.shape, yt_pred.shape, len(cache)) == ((5, 10), (2, 10), 4)
    check(a_next[4], [0.59584544, 0.18141802, 0.61311866, 0.99808218, 0.85016201, 0.99980978,
                      -0.18887155, 0.99815551, 0.6531151, 0.82872037])  # fmt: skip
    check(yt_pred[1], [0.9888161, 0.01682021, 0.21140899, 0.36817467, 0.98988387, 0.88945212,
                       0.36920224, 0.9966312, 0.9982559, 0.17746526])  # fmt: skip


def test_rnn_forward_reproduces_the_course_and_its_public_test():
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
    a, y_pred, caches = reference.rnn_forward(x, a0, draw_rnn(3, 5, 2))
    assert (a.shape, y_pred.shape, len(caches), len(caches[0])) == ((5, 10, 4), (2, 10, 4), 2, 4)
    check(a[4][1], [-0.99999375, 0.77911235, -0.99861469, -0.99833267])
    check(y_pred[1][3], [0.79560373, 0.86224861, 0.11118257, 0.81515947])
    check(caches[1][1][3], [-1.1425182, -0.34934272, -0.20889423, 0.58662319])
    # public_tests.rnn_forward_test: seed 17, n_x 4, m 8, T_x 13, n_a 7, n_y 3
    np.random.seed(17)
    x, a0 = np.random.randn(4, 8, 13), np.random.randn(7, 8)
    a, y_pred, _ = reference.rnn_forward(x, a0, draw_rnn(4, 7, 3))
    check(a[5, 2, 2:6], [0.99999291, 0.99332189, 0.9921928, 0.99503445])
    truncated = y_pred[2, 1, 1:5] - [0.19428, 0.14292, 0.24993, 0.00119]
    assert np.all((truncated >= 0) & (truncated < 1e-5))  # truncated to 5 decimals


def test_lstm_cell_forward_reproduces_the_course_and_its_public_test():
    np.random.seed(1)
    xt, a_prev, c_prev = np.random.randn(3, 10), np.random.randn(5, 10), np.random.randn(5, 10)
    a_next, c_next, yt, cache = reference.lstm_cell_forward(xt, a_prev, c_prev, draw_lstm(3, 5, 2))
    assert len(cache) == 10
    check(a_next[4], [-0.66408471, 0.0036921, 0.02088357, 0.22834167, -0.85575339, 0.00138482,
                      0.76566531, 0.34631421, -0.00215674, 0.43827275])  # fmt: skip
    check(c_next[2], [0.63267805, 1.00570849, 0.35504474, 0.20690913, -1.64566718, 0.11832942,
                      0.76449811, -0.0981561, -0.74348425, -0.26810932])  # fmt: skip
    check(yt[1], [0.79913913, 0.15986619, 0.22412122, 0.15606108, 0.97057211, 0.31146381,
                  0.00943007, 0.12666353, 0.39380172, 0.07828381])  # fmt: skip
    check(cache[1][3], [-0.16263996, 1.03729328, 0.72938082, -0.54101719, 0.02752074,
                        -0.30821874, 0.07651101, -1.03752894, 1.41219977, -0.37647422])  # fmt: skip
    # public_tests.lstm_cell_forward_test: seed 212, n_x 4, m 8, n_a 7, n_y 3
    np.random.seed(212)
    xt, a_prev, c_prev = np.random.randn(4, 8), np.random.randn(7, 8), np.random.randn(7, 8)
    _, _, yt, cache = reference.lstm_cell_forward(xt, a_prev, c_prev, draw_lstm(4, 7, 3))
    for index, printed in ((4, [0.32969833, 0.0574555]), (5, [0.0036446, 0.9806943]),
                           (6, [0.99903873, 0.57509956]), (1, [0.1352798, 0.39884899]),
                           (7, [0.7477249, 0.71588751]), (0, [0.10053951, 0.27129536])):  # fmt: skip
        check(cache[index][0, 0:2], printed)
    check(yt[1], [0.417098, 0.449528, 0.223159, 0.278376, 0.68453, 0.419221, 0.564025, 0.538475],
          {"atol": 5e-6, "rtol": 0})  # fmt: skip


def test_lstm_forward_reproduces_the_course_and_its_public_test():
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 7), np.random.randn(5, 10)
    a, y, c, caches = reference.lstm_forward(x, a0, draw_lstm(3, 5, 2))
    assert (a.shape, y.shape, c.shape, len(caches)) == ((5, 10, 7), (2, 10, 7), (5, 10, 7), 2)
    check(a[4][3][6], 0.17211776753291672, TOLERANCES["float64"])
    check(y[1][4][3], 0.9508734618501101, TOLERANCES["float64"])
    check(c[1][2][1], -0.8555449167181981, TOLERANCES["float64"])
    check(caches[1][1][1], [0.82797464, 0.23009474, 0.76201118, -0.22232814, -0.20075807,
                            0.18656139, 0.41005165])  # fmt: skip
    # public_tests.lstm_forward_test: seed 45, n_x 4, m 13, T_x 16, n_a 3, n_y 2
    np.random.seed(45)
    x, a0 = np.random.randn(4, 13, 16), np.random.randn(3, 13)
    a, y, c, _ = reference.lstm_forward(x, a0, draw_lstm(4, 3, 2))
    check(a[2, 1, 4:6], [-0.01606022, 0.0243569])
    check(c[2, 1, 4:6], [-0.02753855, 0.05668358])
    check(y[1, 1, 4:6], [0.70444592, 0.70648935])


def test_rnn_cell_backward_reproduces_the_course():
    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    _, _, cache = reference.rnn_cell_forward(xt, a_prev, draw_rnn(3, 5, 2, ("Wax", "Waa")))
    g = reference.rnn_cell_backward(np.random.randn(5, 10), cache)
    assert list(g) == ["dxt", "da_prev", "dWax", "dWaa", "dba"]
    full = TOLERANCES["float64"]
    check(g["dxt"][1][2], -1.3872130506020925, full)
    check(g["da_prev"][2][3], -0.15239949377395495, full)
    check(g["dWax"][3][1], 0.4107728249354584, full)
    check(g["dWaa"][1][2], 1.1503450668497135, full)
    check(g["dba"][4], [0.20023491])


def test_rnn_backward_reproduces_the_course():
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
    _, _, caches = reference.rnn_forward(x, a0, draw_rnn(3, 5, 2, ("Wax", "Waa")))
    g = reference.rnn_backward(np.random.randn(5, 10, 4), caches)
    assert list(g) == ["dx", "da0", "dWax", "dWaa", "dba"] and g["dx"].shape == (3, 10, 4)
    full = TOLERANCES["float64"]
    check(g["dx"][1][2], [-2.07101689, -0.59255627, 0.02466855, 0.01483317])
    check(g["da0"][2][3], -0.31494237512664996, full)
    check(g["dWax"][3][1], 11.264104496527777, full)
    check(g["dWaa"][1][2], 2.303333126579893, full)
    check(g["dba"][4], [-0.74747722])


LSTM_CELL_GRADIENTS = {  # the course's lstm_cell_backward, printed in full
    "dxt": ((1, 2), 3.230559115109188), "da_prev": ((2, 3), -0.06396214197109233),
    "dc_prev": ((2, 3), 0.7975220387970015), "dWf": ((3, 1), -0.14795483816449675),
    "dWi": ((1, 2), 1.0574980552259903), "dWc": ((3, 1), 2.304562163687667),
    "dWo": ((1, 2), 0.3313115952892109), "dbf": ((4, 0), 0.18864637),
    "dbi": ((4, 0), -0.40142491), "dbc": ((4, 0), 0.25587763), "dbo": ((4, 0), 0.13893342),
}  # fmt: skip


def test_lstm_cell_backward_reproduces_the_course():
    np.random.seed(1)
    xt, a_prev, c_prev = np.random.randn(3, 10), np.random.randn(5, 10), np.random.randn(5, 10)
    _, _, _, cache = reference.lstm_cell_forward(xt, a_prev, c_prev, draw_lstm(3, 5, 2))
    g = reference.lstm_cell_backward(np.random.randn(5, 10), np.random.randn(5, 10), cache)
    assert list(g) == ["dxt", "da_prev", "dc_prev", "dWf", "dbf", "dWi", "dbi", "dWc", "dbc",
                       "dWo", "dbo"]  # fmt: skip
    for key, (index, printed) in LSTM_CELL_GRADIENTS.items():
        tolerance = PRINTED_8 if key.startswith("db") else TOLERANCES["float64"]
        check(g[key][index], printed, tolerance)


def course_lstm_backward_problem():
    """The course's lstm_backward cell: x (3, 10, 7), Wy and by zeros, da (5, 10, 4): the
    backward runs over the first da.shape[2] = 4 steps."""
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 7), np.random.randn(5, 10)
    parameters = draw_lstm(3, 5, 2, prediction=False)
    return x, a0, parameters, np.random.randn(5, 10, 4)


LSTM_GRADIENTS = {  # the course's expected-output table for lstm_backward (12 digits)
    "da0": ((2, 3), 0.312770310257), "dWf": ((3, 1), -0.0809802310938),
    "dWi": ((1, 2), 0.40512433093), "dWc": ((3, 1), -0.0793746735512),
    "dWo": ((1, 2), 0.038948775763), "dbf": ((4, 0), -0.15745657),
    "dbi": ((4, 0), -0.50848333), "dbc": ((4, 0), -0.42510818), "dbo": ((4, 0), -0.17958196),
}  # fmt: skip


def test_lstm_backward_reproduces_the_course():
    x, a0, parameters, da = course_lstm_backward_problem()
    _, _, _, caches = reference.lstm_forward(x, a0, parameters)
    g = reference.lstm_backward(da, caches)
    assert list(g) == ["dx", "da0", "dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo"]
    check(g["dx"][1][2], [0.00218254, 0.28205375, -0.48292508, -0.43281115])
    for key, (index, printed) in LSTM_GRADIENTS.items():
        check(g[key][index], printed, PRINTED_8 if key.startswith("db") else PRINTED_12)


def test_an_older_revision_printed_rnn_cell_backward_of_a_stale_ba():
    """Older revisions' table (-0.460564103059, ...) came from a cell that drew `b` but passed
    the `ba` left over from the rnn_forward cell: with that ba, the reference prints it too."""
    np.random.seed(1)
    np.random.randn(3, 10, 4), np.random.randn(5, 10)
    stale_ba = draw_rnn(3, 5, 2)["ba"]
    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    parameters = {**draw_rnn(3, 5, 2, ("Wax", "Waa")), "ba": stale_ba}
    _, _, cache = reference.rnn_cell_forward(xt, a_prev, parameters)
    g = reference.rnn_cell_backward(np.random.randn(5, 10), cache)
    for key, index, printed in (("dxt", (1, 2), -0.460564103059), ("da_prev", (2, 3), 0.0842968653807),
                                ("dWax", (3, 1), 0.393081873922), ("dWaa", (1, 2), -0.28483955787)):  # fmt: skip
        check(g[key][index], printed, PRINTED_12)
    check(g["dba"][4], [0.80517166])


def test_an_older_revision_printed_lstm_backward_without_carrying_da_prev_and_dc_prev():
    """Older revisions' table (dx[1][2] = [-0.00173313 ...], da0 -0.095911501954) is each step's
    lstm_cell_backward(da[:, :, t], 0) on its own: da_prev and dc_prev not passed back through time.
    The last step, where nothing is carried yet, agrees with the corrected table."""
    x, a0, parameters, da = course_lstm_backward_problem()
    _, _, _, (caches, _) = reference.lstm_forward(x, a0, parameters)
    steps = [
        reference.lstm_cell_backward(da[:, :, t], np.zeros((5, 10)), caches[t]) for t in range(4)
    ]
    dx = np.stack([step["dxt"] for step in steps], axis=2)
    check(dx[1][2], [-0.00173313, 0.08287442, -0.30545663, -0.43281115])
    check(steps[0]["da_prev"][2][3], -0.095911501954, PRINTED_12)
    for key, index, printed in (("dWf", (3, 1), -0.0698198561274), ("dWi", (1, 2), 0.102371820249),
                                ("dWc", (3, 1), -0.0624983794927), ("dWo", (1, 2), 0.0484389131444),
                                ("dbf", (4, 0), -0.0565788), ("dbi", (4, 0), -0.15399065),
                                ("dbc", (4, 0), -0.29691142), ("dbo", (4, 0), -0.29798344)):  # fmt: skip
        total = sum(step[key] for step in steps)
        check(total[index], printed, PRINTED_8 if key.startswith("db") else PRINTED_12)


# ---------------------------------------------------------------- the GRU's backward, by hand


def numerical_gradient(f, value, eps=1e-6):
    """Centered differences of the scalar f at every entry of value (changed in place, restored)."""
    grad = np.zeros_like(value)
    for index in np.ndindex(value.shape):
        saved = value[index]
        value[index] = saved + eps
        plus = f()
        value[index] = saved - eps
        grad[index] = (plus - f()) / (2 * eps)
        value[index] = saved
    return grad


def test_gru_backward_is_the_gradient_of_gru_forward():
    """Centered differences of sum(a * da): truncation eps^2 |f'''| ~ 1e-12 and rounding
    u |f| / eps ~ 1e-10 per entry, so 1e-8 relative to the largest gradient."""
    rng = np.random.RandomState(4)
    x, a0 = rng.randn(3, 2, 4), rng.randn(5, 2)
    parameters, da = draw_gru(3, 5, 2, rng), rng.randn(5, 2, 4)
    _, _, caches = reference.gru_forward(x, a0, parameters)
    g = reference.gru_backward(da, caches)
    assert list(g) == ["dx", "da0", "dWu", "dbu", "dWr", "dbr", "dWc", "dbc"]

    def loss():
        return float(np.sum(reference.gru_forward(x, a0, parameters)[0] * da))

    values = {
        "dx": x,
        "da0": a0,
        **{f"d{k}": parameters[k] for k in ("Wu", "bu", "Wr", "br", "Wc", "bc")},
    }
    for key, value in values.items():
        numeric = numerical_gradient(loss, value)
        np.testing.assert_allclose(g[key], numeric, atol=1e-8 * np.abs(numeric).max(), err_msg=key)


# ---------------------------------------------------------------- JAX and TensorFlow


def framework(name):
    pytest.importorskip(FRAMEWORKS[name])
    return importlib.import_module(f"{name}_impl.recurrent")


def public_functions(module):
    return [name for name, obj in vars(module).items() if callable(obj) and not name.startswith("_")
            and getattr(obj, "__module__", "") == module.__name__]  # fmt: skip


@pytest.mark.parametrize("name", list(FRAMEWORKS))
def test_every_package_has_the_courses_functions_in_its_order(name):
    assert public_functions(framework(name)) == public_functions(reference)


def problem(kind, seed=3, n_x=3, n_a=5, n_y=2, m=4, T_x=6):
    rng = np.random.RandomState(seed)
    x, a0, da = rng.randn(n_x, m, T_x), rng.randn(n_a, m), rng.randn(n_a, m, T_x)
    if kind == "rnn":
        shapes = {
            "Wax": (n_a, n_x),
            "Waa": (n_a, n_a),
            "Wya": (n_y, n_a),
            "ba": (n_a, 1),
            "by": (n_y, 1),
        }
        parameters = {key: rng.randn(*shape) for key, shape in shapes.items()}
    elif kind == "lstm":
        parameters = {**{f"W{g}": rng.randn(n_a, n_a + n_x) for g in "fico"},
                      **{f"b{g}": rng.randn(n_a, 1) for g in "fico"},
                      "Wy": rng.randn(n_y, n_a), "by": rng.randn(n_y, 1)}  # fmt: skip
    else:
        parameters = draw_gru(n_x, n_a, n_y, rng)
    return x, a0, parameters, da


def named(names, values):
    return dict(zip(names, (np.asarray(v) for v in values), strict=True))


@pytest.mark.parametrize("name", list(FRAMEWORKS))
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_framework_sequences_equal_the_reference(name, kind):
    module = framework(name)
    x, a0, parameters, da = problem(kind)
    *outputs, caches = getattr(reference, f"{kind}_forward")(x, a0, parameters)
    names = ("a", "y", "c") if kind == "lstm" else ("a", "y_pred")
    want = {**named(names, outputs), **getattr(reference, f"{kind}_backward")(da, caches)}
    got = {
        **named(names, getattr(module, f"{kind}_forward")(x, a0, parameters)),
        **getattr(module, f"{kind}_backward")(da, x, a0, parameters),
    }
    assert list(got) == list(want)
    assert_close_in_order(want, got, what=f"{name} {kind}")


@pytest.mark.parametrize("name", list(FRAMEWORKS))
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_framework_cells_equal_the_reference(name, kind):
    module = framework(name)
    x, a_prev, parameters, da = problem(kind, seed=5)
    xt, da_next, dc_next, c_prev = x[:, :, 0], da[:, :, 0], da[:, :, 1], da[:, :, 2]
    if kind == "lstm":
        *outputs, cache = reference.lstm_cell_forward(xt, a_prev, c_prev, parameters)
        want = reference.lstm_cell_backward(da_next, dc_next, cache)
        got_outputs = module.lstm_cell_forward(xt, a_prev, c_prev, parameters)
        got = module.lstm_cell_backward(da_next, dc_next, xt, a_prev, c_prev, parameters)
    else:
        *outputs, cache = getattr(reference, f"{kind}_cell_forward")(xt, a_prev, parameters)
        want = getattr(reference, f"{kind}_cell_backward")(da_next, cache)
        got_outputs = getattr(module, f"{kind}_cell_forward")(xt, a_prev, parameters)
        got = getattr(module, f"{kind}_cell_backward")(da_next, xt, a_prev, parameters)
    names = [f"output {i}" for i in range(len(outputs))]
    assert list(got) == list(want)
    assert_close_in_order({**named(names, outputs), **want}, {**named(names, got_outputs), **got},
                          what=f"{name} {kind} cell")  # fmt: skip


@pytest.mark.parametrize("name", list(FRAMEWORKS))
def test_framework_lstm_backward_prints_the_courses_table(name):
    """The course's da covers the first 4 of x's 7 steps: the framework differentiates the
    forward over those 4."""
    module = framework(name)
    x, a0, parameters, da = course_lstm_backward_problem()
    g = module.lstm_backward(da, x[:, :, :4], a0, parameters)
    check(np.asarray(g["dx"])[1][2], [0.00218254, 0.28205375, -0.48292508, -0.43281115])
    for key, (index, printed) in LSTM_GRADIENTS.items():
        check(np.asarray(g[key])[index], printed, PRINTED_8 if key.startswith("db") else PRINTED_12)
