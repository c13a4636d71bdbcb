"""tf_impl in float32 agrees with the float64 reference within the float32 tolerance (conftest).

Why rtol 1e-4 / atol 1e-6 is the right bar: float32's unit roundoff is 6e-8. A forward and
backward pass of these small nets is a few dozen rounded operations per value (sums over at most
a few hundred terms), so a correct float32 computation stays within ~1e-5 relative of the exact
value; 100 training iterations of a contracting gradient descent add a few ulps per step and
stay well below 1e-4. A formula difference (eps placement, a missing 1/m, a float32-rounded
hyperparameter in the update) moves results by 1e-3 or more: caught. atol covers values near 0.
The tests also check that the computation really ran in float32.
"""

import dataclasses

import numpy as np
import pytest

from dlparity.core.init import initialize_parameters, parameter_keys
from dlparity.course import data, experiments
from parity_tests.cases import CASES, problem
from parity_tests.conftest import assert_close_in_order
from pure_numpy import models as ref
from pure_numpy import train as ref_train
from tf_impl import models as tfm
from tf_impl import precision
from tf_impl import train as tf_train


@pytest.fixture(autouse=True)
def _float64_afterwards():
    """train() switches Keras' floatx to its dtype: give the rest of the session float64 back."""
    yield
    precision.configure("float64")


# every float64 architecture and option of the case table, unedited (the edited cases, ties
# and saturation, test float64 rounding, which float32 does not resolve)
NAMES = [case.name for case in CASES if case.edit is None and case.spec.dtype == "float64"]


@pytest.mark.parametrize("name", NAMES)
def test_float32_gradients_near_float64_reference(name):
    case64 = problem(name)
    case32 = problem(name, dtype="float32")
    kwargs = dict(masks=case64.masks, bn_state=case64.bn_state)
    cost_ref, grads_ref, _ = ref.gradients(case64.params, case64.X, case64.Y, case64.spec, **kwargs)
    kwargs32 = dict(masks=case32.masks, bn_state=case32.bn_state)
    cost, grads, _ = tfm.gradients(case32.params, case32.X, case32.Y, case32.spec, **kwargs32)
    assert cost.dtype.name == "float32" and all(g.dtype.name == "float32" for g in grads.values())
    assert_close_in_order({"cost": cost_ref}, {"cost": cost}, dtype="float32")
    keys = parameter_keys(case64.spec)
    assert_close_in_order({k: grads_ref[k] for k in keys}, {k: grads[k] for k in keys}, "float32")


@pytest.mark.parametrize("name, steps", [("planar", 100), ("opt-adam", 5)])
def test_float32_training_near_float64_reference(name, steps):
    experiment = experiments.get(name)
    X, Y, _, _ = data.load(experiment.dataset)
    length = "num_iterations" if experiment.config.num_iterations else "num_epochs"
    config = dataclasses.replace(experiment.config, record_every=1, **{length: steps})
    params0 = initialize_parameters(experiment.spec, experiment.init_scheme,
                                    seed=experiment.init_seed, scale=experiment.init_scale)  # fmt: skip
    expected = ref_train.train(experiment.spec, config, (X, Y), params0)
    spec32 = experiment.spec.with_dtype("float32")
    actual = tf_train.train(spec32, config, (X, Y), params0)
    assert all(v.dtype == np.float32 for v in actual.params.values())
    assert_close_in_order(
        {str(s): c for s, c in expected.costs.items()},
        {str(s): c for s, c in actual.costs.items()},
        "float32",
        what="costs",
    )
    assert_close_in_order(expected.params, actual.params, "float32", what="params")
