"""dlparity sweep: C1W3's hidden-layer sizes, in every framework, against the course."""

import json
import re

import numpy as np
import pytest

from dlparity.cli import main
from dlparity.course import data
from dlparity.tools.metrics import accuracy
from dlparity.tools.runs import initial_parameters
from dlparity.tools.sweep import SWEEPS, run_sweep, sized


def test_numpy_reproduces_the_course_for_1_to_5_hidden_units(capsys):
    assert main(["sweep", "planar-hidden", "--frameworks", "numpy", "--sizes", "1,2,3,4,5"]) == 0
    out = capsys.readouterr().out
    course = SWEEPS["planar-hidden"].published["flower"]
    for n_h in range(1, 6):
        assert re.search(rf"^ +{n_h} +{course[n_h]:.2f} % +{course[n_h]:.2f} % ok$", out, re.M)
    assert "DIFFERS" not in out


def test_frameworks_side_by_side_per_dataset():
    lines = []
    rows = run_sweep("planar-hidden", ["numpy", "jax"], ["flower", "blobs"], [3], lines.append)
    assert [(r["dataset"], r["framework"]) for r in rows] == [
        ("flower", "numpy"), ("flower", "jax"), ("blobs", "numpy"), ("blobs", "jax")]  # fmt: skip
    headers = [line for line in lines if line.strip().startswith("hidden units")]
    assert len(headers) == 2 and all(h.split()[-2:] == ["numpy", "jax"] for h in headers)
    assert rows[0]["train_accuracy"] == rows[1]["train_accuracy"] == 90.75
    assert rows[2]["course"] is None


def test_sized_experiment_changes_only_the_hidden_layer_and_length():
    experiment = sized(SWEEPS["planar-hidden"], 20, "noisy_moons")
    assert experiment.spec.layer_dims == (2, 20, 1) and experiment.dataset == "noisy_moons"
    assert experiment.config.num_iterations == 5000 and experiment.config.learning_rate == 1.2
    assert experiment.spec.hidden_activation == "tanh" and experiment.published == {}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["sweep", "nope"], "unknown sweep 'nope'"),
        (["sweep", "--datasets", "moons"], "'moons' is not one of planar-hidden's"),
        (["sweep", "--sizes", "0,4"], "--sizes: give positive hidden-layer sizes"),
        (["sweep", "--sizes", "four"], "expected ints"),
        (["sweep", "--sizes", ""], "give at least one int"),
        (["sweep", "--datasets", ""], "give at least one str"),
        (["sweep", "--sizes", "1,1"], "1 given twice"),
        (["sweep", "--datasets", "flower,blobs,flower"], "'flower' given twice"),
        (["sweep", "--sizes", "99999999999"], "--sizes: at most 10000 hidden units"),
        (["sweep", "--frameworks", "jax,jax"], "duplicate framework 'jax'"),
        (["sweep", "--json", "no-such-folder/s.json"], "--json: folder no-such-folder does not"),
        (["sweep", "--plot", "s.nope"], "--plot: cannot draw a .nope file"),
    ],
)
def test_bad_sweep_arguments_are_one_line_errors(capsys, argv, message):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.count("\n") == 1
    assert "hidden units" not in captured.out  # nothing trained


def test_sweep_json_and_boundary_grid(tmp_path, capsys):
    out_json, out_png = tmp_path / "sweep.json", tmp_path / "sweep.png"
    argv = ["sweep", "--frameworks", "numpy", "--datasets", "flower,blobs", "--sizes", "1,3"]
    assert main([*argv, "--json", str(out_json), "--plot", str(out_png)]) == 0
    result = json.loads(out_json.read_text())
    assert (result["experiment"], result["sweep"], result["iterations"]) == (
        "planar", "planar-hidden", 5000)  # fmt: skip
    runs = result["runs"]
    assert [(r["dataset"], r["hidden"], r["framework"]) for r in runs] == [
        ("flower", 1, "numpy"), ("flower", 3, "numpy"), ("blobs", 1, "numpy"),
        ("blobs", 3, "numpy")]  # fmt: skip
    assert runs[1]["train_accuracy"] == runs[1]["course_train_accuracy"] == 0.9075
    assert runs[2]["course_train_accuracy"] is None
    assert sorted(map(int, runs[0]["costs"])) == [*range(0, 5000, 100), 4999]
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "wrote" in capsys.readouterr().out


def test_boundary_grid_has_a_row_per_dataset_and_framework_titled_by_size():
    from dlparity.tools.plots import _pyplot, sweep_figure
    from dlparity.tools.sweep import boundary_panels

    rows = run_sweep("planar-hidden", ["numpy", "jax"], ["blobs"], [2, 4], lambda line: None)
    panels = boundary_panels("planar-hidden", rows)
    fig = sweep_figure("t", panels, {"blobs": data.load("blobs")[:2]})
    try:
        axes = fig.get_axes()
        titles = [ax.get_title() for ax in axes]
        assert len(axes) == 4 and titles[0].startswith("n_h = 2: ") and titles[0].endswith(" %")
        assert (
            titles[1] == f"n_h = 4: {rows[2]['train_accuracy']:.2f} %"
        )  # rows: size, then framework
        assert axes[2].get_ylabel() == "blobs, jax\nx2" and axes[3].get_xlabel() == "x1"
        X = data.load("blobs")[0]
        assert axes[0].get_xlim()[0] < X[0].min() and axes[0].get_xlim()[1] > X[0].max()
    finally:
        _pyplot().close(fig)


@pytest.mark.slow
@pytest.mark.parametrize("n_h", [20, 50])
def test_the_course_value_is_one_ulp_away_where_the_sweep_is_chaotic(n_h):
    """The published accuracies at 20 and 50 units are among those one-ulp nudges reach."""
    from pure_numpy.models import predict
    from pure_numpy.train import train

    sweep = SWEEPS["planar-hidden"]
    experiment = sized(sweep, n_h, "flower")
    X, Y, _, _ = data.load("flower")
    reached = set()
    for k in range(12):
        params = initial_parameters(experiment)
        key = "W1" if k % 2 == 0 else "W2"
        index = np.unravel_index(k // 2, params[key].shape)
        params[key][index] = np.nextafter(params[key][index], np.inf)
        result = train(experiment.spec, experiment.config, (X, Y), params)
        reached.add(100 * accuracy(predict(result.params, X, experiment.spec), Y))
    assert sweep.published["flower"][n_h] in reached and len(reached) > 1
    for value in reached:
        assert f"{value:.2f}" in sweep.chaotic["flower"][n_h]
