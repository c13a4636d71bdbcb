"""AdamW, added through the optimizer registry: the same trajectory in every framework, optax's
adamw exact, Keras' stock AdamW the epsilon-hat variant by the size the migration table records.
"""

import dataclasses
import importlib

import numpy as np
import pytest

from dlparity.core import registry
from dlparity.course import data, experiments, migration
from dlparity.runtime import frameworks
from dlparity.tools.runs import initial_parameters
from parity_tests.conftest import TRAJECTORY_TOLERANCE, assert_close_in_order
from pure_numpy.train import train as reference_train

FORMULA_MODULES = {"numpy": "pure_numpy.optimizers", "tf": "tf_impl.optimizers"}


def _opt_adamw(epochs=40):
    e = experiments.get("opt-adamw")
    config = dataclasses.replace(e.config, num_epochs=epochs, record_every=5)
    X, Y, _, _ = data.load(e.dataset)
    return e.spec, config, (X, Y), initial_parameters(e)


def test_every_package_has_a_formula_for_every_registered_optimizer():
    for name, module in FORMULA_MODULES.items():
        if name != "numpy":
            pytest.importorskip("tensorflow")
        assert list(importlib.import_module(module).FORMULAS) == list(registry.OPTIMIZERS)


@pytest.mark.parametrize("framework", ["jax", "tf", "keras"])
def test_adamw_trajectory_equals_the_reference(framework):
    if not frameworks.available(framework):
        pytest.skip(f"{framework} is not installed")
    spec, config, arrays, params0 = _opt_adamw()
    want = reference_train(spec, config, arrays, params0)
    got = frameworks.load(framework).train(spec, config, arrays, params0)
    worst = max(abs(got.costs[s] - want.costs[s]) for s in want.costs)
    assert worst < TRAJECTORY_TOLERANCE, f"costs differ by {worst:.3e}"
    assert_close_in_order(want.params, got.params, what=f"{framework} adamw params")


def test_the_decay_is_decoupled_and_does_something():
    """weight_decay 0 is Adam (to the rounding of lr (v / d) against (lr v) / d); a nonzero one
    shrinks the weights."""
    spec, config, arrays, params0 = _opt_adamw(epochs=20)
    adam = reference_train(spec, dataclasses.replace(config, optimizer="adam"), arrays, params0)
    plain = reference_train(spec, dataclasses.replace(config, weight_decay=0.0), arrays, params0)
    decayed = reference_train(spec, dataclasses.replace(config, weight_decay=0.5), arrays, params0)
    assert_close_in_order(adam.params, plain.params, what="adamw with weight_decay 0")
    norm = lambda p: sum(float(np.sum(v**2)) for k, v in p.items() if k.startswith("W"))  # noqa: E731
    assert norm(decayed.params) < norm(plain.params)


def test_stock_keras_adamw_is_the_eps_hat_variant_by_the_recorded_amount():
    pytest.importorskip("keras")
    from parity_tests import test_keras_stock as stock

    config = stock.config_for("adamw", 0.0007, weight_decay=0.01)
    got = stock.stock_run(config)
    rates = [0.0007] * stock.STEPS
    # Keras decays before its step, the reference inside it: rounding of O(1) weights, per step
    variant = stock.reference_run(config, rates, eps_hat=True)
    assert_close_in_order(variant, got.params, what="stock AdamW vs eps_hat reference")
    course = stock.reference_run(config, rates)
    stock.assert_recorded("adamw", stock.relative_deviation(got.params, course, stock.params0()))
    assert migration.TABLE["adamw"].jax.endswith("exact")
