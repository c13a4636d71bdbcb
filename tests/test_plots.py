"""The plots: every curve visible, differences on a log axis, one boundary per framework."""

import numpy as np
import pytest

from dlparity.core.results import TrainResult
from dlparity.course.experiments import get
from dlparity.tools.plots import (
    MARGIN,
    _style,
    make_figure,
    save_plot,
    use_log_cost_axis,
    use_log_step_axis,
)
from dlparity.tools.runs import Run

X = np.array([[-2.0, 0.5, 3.0, 1.0], [10.0, 12.0, 11.0, 14.0]])  # ranges 5 and 4
Y = np.array([[0.0, 1.0, 1.0, 0.0]])


def fake_run(framework, costs, train_accuracy=0.75, test_accuracy=None):
    result = TrainResult({}, {}, dict(costs), np.zeros(1), 1.0)
    return Run("planar", framework, "float64", result, train_accuracy, test_accuracy)


def threshold(grid):
    return (grid[0:1] > 0.5).astype(np.float64)


@pytest.mark.parametrize("costs, expected", [([0.7, 0.3, 0.06], True), ([0.7, 0.3, 0.2], False),
                                             ([0.7, 0.0], False)])  # fmt: skip
def test_log_cost_axis_when_the_cost_spans_a_decade(costs, expected):
    assert use_log_cost_axis(costs) is expected


def test_log_step_axis_when_the_curve_flattens_early():
    steps = list(range(0, 30000, 100))
    flat_early = [0.7] + [0.3 - 1e-6 * i for i in range(1, len(steps))]  # reg-l2's shape
    assert use_log_step_axis(steps, flat_early)
    steady = [0.7 - 0.4 * i / len(steps) for i in range(len(steps))]
    assert not use_log_step_axis(steps, steady)
    decades = [1.5 * 0.5**i for i in range(50)]  # steady on a log cost axis
    assert use_log_step_axis(list(range(50)), decades)
    assert not use_log_step_axis(list(range(50)), decades, log_cost=True)


def test_every_curve_has_its_own_line_style_and_marker():
    styles = [_style(i, 5) for i in range(5)]
    assert len({str(s["linestyle"]) for s in styles}) == 5
    assert len({s["marker"] for s in styles}) == 5
    offsets = {s["markevery"][0] for s in styles}
    assert len(offsets) == 5, "markers are staggered, so coinciding curves all show theirs"


def test_compare_figure_has_costs_differences_and_a_boundary_per_run():
    costs = {0: 0.7, 100: 0.3, 200: 0.05}
    runs = [fake_run("numpy", costs), fake_run("jax", {0: 0.7, 100: 0.3 + 1e-13, 200: 0.05}),
            fake_run("tf", costs, 0.5, 0.25)]  # fmt: skip
    fig = make_figure(get("planar"), runs, X, Y, [threshold] * 3)
    cost_ax, diff_ax, *boundaries = fig.axes
    assert len(cost_ax.get_lines()) == 3 and cost_ax.get_yscale() == "log"
    assert diff_ax.get_yscale() == "log"
    assert diff_ax.get_xlim() == cost_ax.get_xlim(), "both panels show the same steps"
    labels = [line.get_label() for line in diff_ax.get_lines()]
    assert labels[0].startswith("jax: max 1.0e-13") and "equal at 2 of 3" in labels[0]
    assert labels[1].startswith("tf: max 0.0e+00") and "equal at 3 of 3" in labels[1]
    assert [ax.get_title().split("\n")[0] for ax in boundaries] == ["numpy", "jax", "tf"]
    assert "train accuracy 0.5000, test 0.2500" in boundaries[2].get_title()
    for ax in boundaries:
        assert ax.get_xlabel() == "x1" and ax.get_ylabel() == "x2"
        assert ax.get_xlim() == pytest.approx((-2 - MARGIN * 5, 3 + MARGIN * 5))
        assert ax.get_ylim() == pytest.approx((10 - MARGIN * 4, 14 + MARGIN * 4))


def test_single_run_has_no_difference_panel_and_a_linear_axis_when_flat():
    fig = make_figure(get("planar"), [fake_run("numpy", {0: 0.7, 100: 0.4})], X, Y, [threshold])
    cost_ax, boundary = fig.axes
    assert cost_ax.get_yscale() == "linear" and boundary.get_xlabel() == "x1"


def test_no_boundary_without_2d_data():
    runs = [fake_run("numpy", {0: 0.7, 1: 0.4}), fake_run("jax", {0: 0.7, 1: 0.4})]
    fig = make_figure(get("digits-bn"), runs, np.zeros((64, 4)), np.eye(10)[:, :4], None)
    assert len(fig.axes) == 2


def test_save_plot_writes_a_png(tmp_path):
    path = tmp_path / "p.png"
    save_plot(path, get("planar"), [fake_run("numpy", {0: 0.7, 100: 0.4})], X, Y, [threshold])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_figure_is_outside_pyplot():
    """A notebook shows the returned figure once: pyplot neither holds it nor shows it again."""
    import matplotlib
    import matplotlib.pyplot as plt

    before, backend = plt.get_fignums(), matplotlib.get_backend()
    fig = make_figure(get("planar"), [fake_run("numpy", {0: 0.7, 100: 0.4})], X, Y, [threshold])
    assert plt.get_fignums() == before and matplotlib.get_backend() == backend
    assert fig.axes, "the figure is drawn all the same"


def test_a_framework_equal_at_every_step_still_draws(tmp_path):
    """Its difference curve is all gaps (nothing positive on a log axis); rendering must not fail."""
    costs = {0: 0.7, 100: 0.4, 200: 0.3}
    runs = [fake_run("numpy", costs), fake_run("tf", costs), fake_run("jax", {**costs, 200: 0.31})]
    path = tmp_path / "equal.png"
    save_plot(path, get("planar"), runs, X, Y, [threshold] * 3)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_resumed_run_marks_where_it_resumed():
    costs = {0: 0.7, 100: 0.3, 200: 0.2, 299: 0.15}
    fig = make_figure(get("planar"), [fake_run("jax", costs)], X, Y, resumed=(200, "numpy"))
    cost_ax, label = fig.axes[0], "resumed at iteration 200 (checkpoint of numpy)"
    marks = [line for line in cost_ax.get_lines() if line.get_label() == label]
    assert len(marks) == 1 and list(marks[0].get_xdata()) == [200, 200]
    assert label in [text.get_text() for text in cost_ax.get_legend().get_texts()]


def test_a_whole_run_has_no_resume_mark():
    fig = make_figure(get("planar"), [fake_run("jax", {0: 0.7, 100: 0.3})], X, Y)
    assert not [line for line in fig.axes[0].get_lines() if "resumed" in line.get_label()]


def test_filters_and_feature_maps_show_the_reference_s_first_block():
    from dlparity.core.layers import Pass
    from dlparity.tools.plots import filters_and_feature_maps, first_block_maps
    from dlparity.tools.runs import initial_parameters
    from pure_numpy.layers import FORWARD

    experiment = get("digits-convnet")
    params = initial_parameters(experiment)
    X_one = np.random.RandomState(0).rand(8, 8, 1)
    maps = first_block_maps(params, X_one, experiment.spec)
    assert [(k, v.shape) for k, v in maps.items()] == [
        ("filters", (3, 3, 1, 8)), ("conv", (8, 8, 8)), ("relu", (8, 8, 8)), ("pool", (4, 4, 8))
    ]  # fmt: skip
    A = X_one[np.newaxis]
    for layer in experiment.spec.layers[:3]:
        A, _ = FORWARD[type(layer)](layer, params, A, Pass(False, None, None, {}))
    np.testing.assert_array_equal(maps["pool"], A[0])
    fig = filters_and_feature_maps(params, X_one, experiment.spec)
    shown = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(shown) == 1 + 4 * 8, "the example, then a row of 8 per filter, conv, relu, pool"
    np.testing.assert_array_equal(shown[1], params["W1"][:, :, 0, 0])
    np.testing.assert_array_equal(shown[-1], A[0, :, :, 7])
    with pytest.raises(ValueError, match="CONV2D -> activation -> POOL"):
        first_block_maps({}, X_one, get("digits-bn").spec)
    with pytest.raises(ValueError, match=r"one example is \(8, 8, 1\)"):
        first_block_maps(params, X_one[..., 0], experiment.spec)
