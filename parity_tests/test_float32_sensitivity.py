"""A full float32 run is held to its own measured sensitivity, not to a fixed number.

opt-adam in float32 (5000 epochs) has a point where a ReLU unit's fate turns on rounding: moving
every initial weight of the reference by one float32 ulp (seeded random directions) changes its
recorded costs by about 5.3e-5 from there on (measured: 5.297e-5 for three different seeds),
while one weight alone moves them by 3e-8. Another framework injects rounding of that size at
every step (another summation order), so it may land on either side of that point: any of the
frameworks may differ from the reference by the sensitivity, on any CPU (measured here: JAX
3.5e-8, TF 5.3e-5; on another CPU the two swapped). A formula difference moves the costs by
1e-3 or more from the first epochs on (test_jax_float32, test_tf_float32).
"""

import dataclasses

import numpy as np
import pytest

from dlparity.course import data, experiments
from dlparity.runtime import frameworks
from dlparity.tools.runs import initial_parameters
from pure_numpy.train import train as reference_train


def _all_weights_nudged(params: dict, seed: int) -> dict:
    rng = np.random.RandomState(seed)
    nudged = {}
    for key, value in params.items():
        value = value.astype(np.float32)
        if key.startswith("W"):
            direction = np.where(rng.rand(*value.shape) < 0.5, np.inf, -np.inf)
            value = np.nextafter(value, direction.astype(np.float32))
        nudged[key] = value
    return nudged


def _max_difference(a: dict, b: dict) -> float:
    return max(abs(a[s] - b[s]) for s in a)


@pytest.fixture(scope="module")
def opt_adam_float32():
    experiment = experiments.get("opt-adam")
    spec = experiment.spec.with_dtype("float32")
    X, Y, _, _ = data.load(experiment.dataset)
    params0 = initial_parameters(experiment)
    reference = reference_train(spec, experiment.config, (X, Y), params0).costs
    sensitivity = max(
        _max_difference(
            reference,
            reference_train(spec, experiment.config, (X, Y), _all_weights_nudged(params0, s)).costs,
        )
        for s in (0, 1)
    )
    return spec, experiment.config, (X, Y), params0, reference, sensitivity


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["jax", "tf"])
def test_opt_adam_float32_within_the_runs_sensitivity(opt_adam_float32, framework):
    spec, config, arrays, params0, reference, sensitivity = opt_adam_float32
    costs = frameworks.load(framework).train(spec, config, arrays, params0).costs
    assert sensitivity > 1e-6  # the run has the bifurcation point the bound relies on
    # the rounding of every step against the reference's one-time nudge: a factor 2
    assert _max_difference(reference, costs) <= 2 * sensitivity
    # the same frameworks a formula difference would move much further: an eps inside the root
    skewed = dataclasses.replace(config, epsilon=config.epsilon * 1e4)
    off = reference_train(spec, skewed, arrays, params0).costs
    assert _max_difference(reference, off) > 10 * sensitivity
