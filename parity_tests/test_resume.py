"""Resuming in another framework continues the same trajectory (float64, parity randomness).

A run stopped halfway in one framework, saved to a checkpoint file and resumed from it in
another, records the costs of the uninterrupted NumPy run at the same steps within
TRAJECTORY_TOLERANCE, and ends with its parameters: the optimizer's state crosses in the
course's terms (optax's momentum trace and Adam count, TF's Variables) and the resumed run uses
the whole run's batch orders, masks and learning rates from the saved step on.
"""

import dataclasses
import functools

import numpy as np
import pytest

from dlparity.core.errors import DlparityError
from dlparity.course import data, experiments
from dlparity.runtime import frameworks
from dlparity.tools import checkpoint
from dlparity.tools.runs import initial_parameters
from parity_tests.conftest import TRAJECTORY_TOLERANCE, first_difference

# name -> (experiment, changes to its config, the step the first half stops before)
CASES = {
    "opt-adam-40": ("opt-adam", {"num_epochs": 40, "record_every": 1}, 20),
    # decay every 10 epochs with its one-epoch lag: the rate changes right after the resume
    "opt-momentum-decay-40": (
        "opt-momentum-decay",
        {"num_epochs": 40, "time_interval": 10, "record_every": 1},
        15,
    ),
    # no course experiment uses RMSprop: opt-adam's network and data with it
    "opt-rmsprop-40": (
        "opt-adam",
        {"optimizer": "rmsprop", "num_epochs": 40, "record_every": 1},
        20,
    ),
    "digits-bn-4": ("digits-bn", {"num_epochs": 4, "record_every": 1}, 2),
    # full batch, recorded every 25th iteration: the resume falls between recorded steps
    "planar-300": ("planar", {"num_iterations": 300, "record_every": 25}, 137),
    "reg-dropout-30": ("reg-dropout", {"num_iterations": 30, "record_every": 1}, 13),
    "opt-adam": ("opt-adam", {}, 2500),  # the full course run (slow)
}


def _impl(name):
    if not frameworks.available(name):
        pytest.skip(f"{name} is not installed")
    return frameworks.load(name)


@functools.cache
def _case(name):
    base, changes, half = CASES[name]
    e = experiments.get(base)
    experiment = dataclasses.replace(e, config=dataclasses.replace(e.config, **changes))
    try:
        X, Y, _, _ = data.load(experiment.dataset)
    except DlparityError as error:  # a course file that is not here
        pytest.skip(str(error))
    return experiment, (X, Y), half


@functools.cache
def _uninterrupted(name):
    experiment, arrays, _ = _case(name)
    return _impl("numpy").train(
        experiment.spec, experiment.config, arrays, initial_parameters(experiment)
    )


def _resumed(name, writer, reader, folder):
    """(costs, result): the first half in writer, saved; the rest in reader, from the file."""
    experiment, arrays, half = _case(name)
    spec, config = experiment.spec, experiment.config
    first = _impl(writer).train(spec, config, arrays, initial_parameters(experiment), stop=half)
    path = checkpoint.save(
        folder / "half.npz", experiment, first.end, framework=writer, costs=first.costs
    )
    start = checkpoint.load(path, experiment, framework=reader)
    rest = _impl(reader).train(spec, config, arrays, None, start=start.state)
    return {**start.costs, **rest.costs}, rest


def _assert_same_trajectory(name, writer, reader, folder):
    reference = _uninterrupted(name)
    costs, rest = _resumed(name, writer, reader, folder)
    assert list(costs) == list(reference.costs)  # recorded at the same steps
    label = {s: f"cost at step {s}" for s in costs}
    problem = first_difference(
        {label[s]: c for s, c in reference.costs.items()},
        {label[s]: c for s, c in costs.items()},
        rtol=0.0,
        atol=TRAJECTORY_TOLERANCE,
    )
    tolerance = {"rtol": TRAJECTORY_TOLERANCE, "atol": TRAJECTORY_TOLERANCE}
    problem = problem or first_difference(reference.params, rest.params, **tolerance)
    problem = problem or first_difference(reference.bn_state, rest.bn_state, **tolerance)
    assert problem is None, f"{writer} -> {reader}: {problem}"
    return reference, costs, rest


PAIRS = [
    ("opt-adam-40", "numpy", "jax"),
    ("opt-adam-40", "numpy", "tf"),
    ("opt-adam-40", "jax", "numpy"),
    ("opt-adam-40", "tf", "numpy"),
    ("opt-momentum-decay-40", "numpy", "jax"),
    ("opt-momentum-decay-40", "numpy", "tf"),
    ("opt-rmsprop-40", "numpy", "jax"),
    ("opt-rmsprop-40", "numpy", "tf"),
    ("digits-bn-4", "numpy", "jax"),
    ("digits-bn-4", "numpy", "tf"),
    ("planar-300", "numpy", "jax"),
    ("planar-300", "numpy", "tf"),
]


@pytest.mark.parametrize("name, writer, reader", PAIRS)
def test_resumed_run_continues_the_trajectory(name, writer, reader, tmp_path):
    _assert_same_trajectory(name, writer, reader, tmp_path)


@pytest.mark.parametrize("name", ["opt-adam-40", "digits-bn-4", "planar-300"])
def test_numpy_resumed_in_numpy_is_the_same_run_to_the_last_bit(name, tmp_path):
    reference, costs, rest = _assert_same_trajectory(name, "numpy", "numpy", tmp_path)
    assert costs == reference.costs
    for key in reference.params:
        np.testing.assert_array_equal(rest.params[key], reference.params[key])


@pytest.mark.parametrize("framework", ["jax", "tf"])
@pytest.mark.parametrize("name, half", [("opt-adam-40", 20), ("reg-dropout-30", 13)])
def test_native_draws_continue_after_a_resume(framework, name, half, tmp_path):
    """Native draws come from (seed, step) alone: a resumed native run draws the batch orders
    (opt-adam) and dropout masks (reg-dropout) the uninterrupted one draws."""
    experiment, arrays, _ = _case(name)
    spec, config, params0 = experiment.spec, experiment.config, initial_parameters(experiment)
    impl = _impl(framework)
    whole = impl.train(spec, config, arrays, params0, randomness="native", seed=5)
    first = impl.train(spec, config, arrays, params0, randomness="native", seed=5, stop=half)
    path = checkpoint.save(tmp_path / "half.npz", experiment, first.end, framework=framework,
                           costs=first.costs, randomness="native", seed=5)  # fmt: skip
    start = checkpoint.load(path, experiment, framework=framework, randomness="native", seed=5)
    rest = impl.train(spec, config, arrays, None, start=start.state, randomness="native", seed=5)
    costs = {**start.costs, **rest.costs}
    assert list(costs) == list(whole.costs)
    label = {s: f"cost at step {s}" for s in costs}
    problem = first_difference(
        {label[s]: c for s, c in whole.costs.items()},
        {label[s]: c for s, c in costs.items()},
        rtol=0.0,
        atol=TRAJECTORY_TOLERANCE,
    )
    assert problem is None, problem
    other = impl.train(spec, config, arrays, params0, randomness="native", seed=6, stop=half)
    assert other.costs != first.costs  # another seed, other draws


@pytest.mark.slow
@pytest.mark.parametrize("reader", ["numpy", "jax", "tf"])
def test_full_opt_adam_half_in_numpy_resumed(reader, tmp_path):
    """The course's opt-adam, 5000 epochs: the first 2500 in NumPy, the rest in reader."""
    _assert_same_trajectory("opt-adam", "numpy", reader, tmp_path)
