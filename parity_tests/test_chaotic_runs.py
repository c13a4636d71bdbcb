"""init-random (C2W1, weights x10) is chaotic: the tests say so and check what is stable.

Its cost starts at 1773 with saturated sigmoids and large gradients. Nudging one initial weight
of the NumPy reference by one ulp moves the recorded costs by more than 1e-10 from about
iteration 80 on (1e-5 by iteration 200): no two implementations can agree beyond that, whatever
their formulas. Before it, every framework agrees with the reference within 1e-10.
"""

import dataclasses

import numpy as np
import pytest

from dlparity.course import data, experiments
from dlparity.runtime import frameworks
from dlparity.tools.runs import initial_parameters
from parity_tests.conftest import TRAJECTORY_TOLERANCE
from pure_numpy.train import train as reference_train

STABLE_STEPS = 71  # iterations 0..70, recorded every 10


def _setup(steps):
    experiment = experiments.get("init-random")
    config = dataclasses.replace(experiment.config, num_iterations=steps, record_every=10)
    X, Y, _, _ = data.load("circles")
    return experiment, config, (X, Y), initial_parameters(experiment)


def _nudged(params):
    W1 = params["W1"].copy()
    W1[0, 0] = np.nextafter(W1[0, 0], np.inf)
    return {**params, "W1": W1}


def test_the_run_is_chaotic():
    experiment, config, arrays, params0 = _setup(200)
    a = reference_train(experiment.spec, config, arrays, params0).costs
    b = reference_train(experiment.spec, config, arrays, _nudged(params0)).costs
    assert max(abs(a[s] - b[s]) for s in a if s <= 70) < TRAJECTORY_TOLERANCE
    assert abs(a[199] - b[199]) > 1e-7


@pytest.mark.parametrize("framework", ["jax", "tf", "keras"])
def test_frameworks_agree_over_the_stable_part(framework):
    experiment, config, arrays, params0 = _setup(STABLE_STEPS)
    expected = reference_train(experiment.spec, config, arrays, params0).costs
    actual = frameworks.load(framework).train(experiment.spec, config, arrays, params0).costs
    assert list(actual) == list(expected)
    worst = max(abs(actual[s] - expected[s]) for s in expected)
    assert worst < TRAJECTORY_TOLERANCE, f"costs differ by {worst:.3e}"


def _reference_pair(name, nudge):
    experiment = experiments.get(name)
    X, Y, _, _ = data.load(experiment.dataset)
    params0 = initial_parameters(experiment)
    plain = reference_train(experiment.spec, experiment.config, (X, Y), params0)
    nudged = reference_train(experiment.spec, experiment.config, (X, Y), nudge(params0))
    return experiment, (X, Y), plain, nudged


@pytest.mark.parametrize(
    "name", [name for name, e in experiments.EXPERIMENTS.items() if e.chaotic_from is not None]
)
def test_chaotic_from_is_where_one_ulp_parts_the_reference_from_itself(name):
    """Experiment.chaotic_from, which turns a published-number mismatch after it into a note."""
    experiment, _, plain, nudged = _reference_pair(name, _nudged)
    parted = [
        s for s in plain.costs if abs(plain.costs[s] - nudged.costs[s]) > TRAJECTORY_TOLERANCE
    ]
    assert parted and parted[0] == experiment.chaotic_from


def test_planar_final_accuracy_moves_by_one_example_under_one_ulp():
    """The course's 0.9075 and 0.905 are both the reference's, one ulp apart (README)."""
    from pure_numpy.models import predict

    accuracies = set()
    for key, index, direction in (("W1", (0, 0), np.inf), ("W1", (0, 0), -np.inf)):

        def nudge(params, key=key, index=index, direction=direction):
            W = params[key].copy()
            W[index] = np.nextafter(W[index], direction)
            return {**params, key: W}

        experiment, (X, Y), _, nudged = _reference_pair("planar", nudge)
        accuracies.add(float(np.mean(predict(nudged.params, X, experiment.spec) == Y)))
    assert accuracies == {0.9075, 0.905}
