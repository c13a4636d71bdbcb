"""The reference's training loop, and the course's published numbers (full runs: -m slow)."""

from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from dlparity.core.errors import DlparityError
from dlparity.core.spec import ModelSpec, TrainConfig
from dlparity.course import data
from dlparity.course.experiments import EXPERIMENTS, get
from dlparity.tools.runs import OVERFLOW_NOTE, initial_parameters, published_check, run_experiment
from pure_numpy.models import gradients
from pure_numpy.train import train
from tests.conftest import course_file_dir


def test_epoch_cost_is_summed_batch_cost_over_m():
    spec = ModelSpec("deep", (2, 3, 1))
    rs = np.random.RandomState(0)
    X, Y = rs.randn(2, 10), (rs.rand(1, 10) > 0.5).astype(float)
    params0 = initial_parameters(replace(get("opt-gd"), spec=spec))
    config = TrainConfig(0.1, num_epochs=1, mini_batch_size=4)
    result = train(spec, config, (X, Y), params0)
    order, params, total = np.random.RandomState(11).permutation(10), params0, 0.0
    for start, stop in [(0, 4), (4, 8), (8, 10)]:
        idx = order[start:stop]
        cost, grads, _ = gradients(params, X[:, idx], Y[:, idx], spec)
        total += cost * (stop - start)
        params = {k: params[k] - 0.1 * grads[k] for k in params}
    assert result.costs[0] == pytest.approx(total / 10, rel=1e-15)
    for key in params:
        np.testing.assert_array_equal(result.params[key], params[key])


def test_progress_is_called_at_recorded_steps():
    experiment = get("init-he")
    config = replace(experiment.config, num_iterations=250)
    seen = []
    X, Y, _, _ = data.load("circles")
    train(experiment.spec, config, (X, Y), initial_parameters(experiment),
          progress=lambda step, cost: seen.append(step))  # fmt: skip
    assert seen == [0, 100, 200, 249]


@pytest.mark.parametrize(
    "X, Y, message",
    [
        (np.ones((3, 5)), np.ones((1, 5)), "X: shape"),
        (np.ones((2, 5)), np.ones((1, 4)), "Y: shape"),
        (np.full((2, 5), np.nan), np.ones((1, 5)), "NaN"),
        (np.ones((2, 5), dtype=int), np.ones((1, 5)), "dtype"),
        (np.ones((2, 5)), 2 * np.ones((1, 5)), "labels"),
    ],
)
def test_train_rejects_bad_data(X, Y, message):
    experiment = get("init-he")
    with pytest.raises(DlparityError, match=message):
        train(experiment.spec, experiment.config, (X, Y), initial_parameters(experiment))


def _prefix(name, steps):
    experiment = get(name)
    config = experiment.config
    if config.num_iterations is not None:
        config = replace(config, num_iterations=steps)
    else:
        config = replace(config, num_epochs=steps)
    return replace(experiment, config=config)


def _assert_published(experiment, run):
    rows = published_check(get(experiment.name), run)
    assert rows, "nothing to compare"
    assert not [row for row in rows if row[3] == "DIFFERS"], rows


def test_the_courses_inf_is_reported_as_its_formulas_overflow_not_hidden():
    """init-random's weights x10 saturate sigmoids: the course printed inf at iteration 0."""
    run = run_experiment(_prefix("init-random", 1), "numpy")
    (row,) = [r for r in published_check(get("init-random"), run) if r[0].startswith("cost")]
    assert row[1] == float("inf") and np.isfinite(row[2]) and row[2] > 1
    assert row[3].startswith(OVERFLOW_NOTE)


@pytest.mark.coursedata
def test_dnn_cats_deep_first_costs():
    course_file_dir("train_catvnoncat.h5", "test_catvnoncat.h5")
    experiment = _prefix("dnn-cats-deep", 101)
    run = run_experiment(experiment, "numpy")
    assert run.result.costs[0] == pytest.approx(0.771749, abs=1e-6)
    assert run.result.costs[100] == pytest.approx(0.672053, abs=1e-6)


@pytest.mark.coursedata
@pytest.mark.parametrize("name, steps", [("logreg-cats", 101), ("dnn-cats-2layer", 101),
                                         ("reg-l2", 1), ("reg-dropout", 1), ("reg-none", 1)])  # fmt: skip
def test_course_file_experiments_first_costs(name, steps):
    course_file_dir("train_catvnoncat.h5", "data.mat")
    experiment = _prefix(name, steps)
    run = run_experiment(experiment, "numpy")
    for step, value in get(name).published["costs"].items():
        if step in run.result.costs:
            assert run.result.costs[step] == pytest.approx(value, abs=1e-6)


@cache
def full_run(name):
    return run_experiment(get(name), "numpy")


# Full-length runs of the generated-data experiments take a few seconds each: one of each
# course week and optimizer family runs in CI, the others with -m slow (the suite's 8 minutes).
FULL_IN_CI = ("planar", "init-he", "opt-adam", "opt-momentum-decay")


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=() if name in FULL_IN_CI else pytest.mark.slow)
    for name in ("planar", "init-zeros", "init-random", "init-he", "opt-gd", "opt-momentum",
                 "opt-adam", "opt-gd-decay", "opt-momentum-decay", "opt-adam-decay")
])  # fmt: skip
def test_generated_data_experiments_reproduce_the_course(name):
    _assert_published(get(name), full_run(name))


def test_opt_adam_numbers():
    run = full_run("opt-adam")
    assert f"{run.result.costs[0]:f}" == "0.702166"
    assert run.train_accuracy == pytest.approx(283 / 300)


def test_planar_accuracy_is_90_75_percent():
    run = full_run("planar")
    assert run.train_accuracy == 0.9075


@pytest.mark.slow
@pytest.mark.coursedata
@pytest.mark.parametrize("name", ["logreg-cats", "dnn-cats-2layer", "dnn-cats-deep", "reg-none",
                                  "reg-l2", "reg-dropout"])  # fmt: skip
def test_course_file_experiments_reproduce_the_course(name):
    course_file_dir("train_catvnoncat.h5", "data.mat")
    _assert_published(get(name), run_experiment(get(name), "numpy"))


def test_digits_bn_learns():
    run = run_experiment(get("digits-bn"), "numpy")
    assert run.train_accuracy > 0.98 and run.test_accuracy > 0.95
    costs = list(run.result.costs.values())
    assert costs[-1] < costs[0] / 5


def test_every_experiment_is_consistent():
    for experiment in EXPERIMENTS.values():
        assert experiment.dataset in data.DATASETS
        initial_parameters(experiment)
