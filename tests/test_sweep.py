"""dlparity sweep: C1W3's hidden-layer sizes, in every framework, against the course."""

import re

import numpy as np
import pytest

from dlparity import data
from dlparity.cli import main
from dlparity.metrics import accuracy
from dlparity.runs import initial_parameters
from dlparity.sweep import SWEEPS, run_sweep, sized


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
        (["sweep", "--frameworks", "jax,jax"], "duplicate framework 'jax'"),
    ],
)
def test_bad_sweep_arguments_are_one_line_errors(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


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
