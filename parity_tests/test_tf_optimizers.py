"""tf_impl's optimizers equal the reference's course formulas: parameters and state, 1 and K steps.

The same gradient sequence (random, with exactly-zero entries like a dead ReLU unit's) drives
both; learning rates come from dlparity.core.schedules, so decay is included. One step checks each
formula; K = 30 steps check that state (moments, Adam's t) is carried the same way.
"""

import numpy as np
import pytest

from dlparity.core.schedules import learning_rates
from dlparity.core.spec import TrainConfig
from parity_tests.cases import problem
from parity_tests.conftest import assert_close_in_order
from pure_numpy import optimizers as ref
from tf_impl import optimizers as tfo

K = 30
VARIANTS = {
    "gd": ("gd", {}),
    "momentum": ("momentum", {}),
    "rmsprop": ("rmsprop", {}),
    "rmsprop-eps-in-sqrt": ("rmsprop", {"eps_in_sqrt": True}),
    "adam": ("adam", {}),
    "adam-eps-hat": ("adam", {"eps_hat": True}),
}
DECAYS = {"none": {}, "inverse-time": {"decay": "inverse-time", "decay_rate": 0.3}}


def _grad_sequence(params, steps, seed=7):
    rng = np.random.RandomState(seed)
    sequence = []
    for _ in range(steps):
        grads = {k: rng.randn(*v.shape) * 0.1 for k, v in params.items()}
        grads["W1"][0, :] = 0.0  # a dead unit: 0 / (0 + eps) must stay 0
        sequence.append(grads)
    return sequence


def _flat(state) -> dict:
    """Nested optimizer state as one dict, keys like v/W1, in a fixed order."""
    if not isinstance(state, dict):
        return {"": np.asarray(state, dtype=np.float64)}
    flat = {}
    for key in sorted(state):
        for sub, value in _flat(state[key]).items():
            flat[f"{key}/{sub}" if sub else key] = value
    return flat


def _run(module, config, options, params, grads_sequence, rates):
    optimizer = module.make_optimizer(config, **options)
    state = optimizer.init(params)
    for grads, lr in zip(grads_sequence, rates, strict=True):
        params, state = optimizer.update(grads, state, params, lr)
    return params, state


@pytest.mark.parametrize("steps", [1, K])
@pytest.mark.parametrize("decay", list(DECAYS))
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_optimizer_matches_reference(variant, decay, steps):
    name, options = VARIANTS[variant]
    config = TrainConfig(learning_rate=0.05, optimizer=name, num_epochs=steps, **DECAYS[decay])
    case = problem("batchnorm")
    rates = learning_rates(config)
    grads_sequence = _grad_sequence(case.params, steps)
    p_ref, s_ref = _run(ref, config, options, case.params, grads_sequence, rates)
    p_tf, s_tf = _run(tfo, config, options, case.params, grads_sequence, rates)
    assert_close_in_order(p_ref, p_tf, what=f"{variant} params")
    assert_close_in_order(_flat(s_ref), _flat(s_tf), what=f"{variant} state")
    if decay != "none" and steps > 2:
        assert rates[2] < rates[1] == rates[0]  # the decay acts, with the course's one-epoch lag


def test_variants_differ_from_the_course():
    """The Keras-variant flags change the result: the comparisons above are not vacuous."""
    case = problem("plain")
    grads_sequence = _grad_sequence(case.params, K)
    rates = [0.05] * K
    for name, flag in (("rmsprop", "eps_in_sqrt"), ("adam", "eps_hat")):
        config = TrainConfig(learning_rate=0.05, optimizer=name, num_epochs=K, epsilon=1e-4)
        course, _ = _run(tfo, config, {}, case.params, grads_sequence, rates)
        variant, _ = _run(tfo, config, {flag: True}, case.params, grads_sequence, rates)
        assert not np.allclose(course["W2"], variant["W2"], rtol=1e-8, atol=0)


def test_hyperparameters_keep_float64():
    """beta = 0.9 must not pass through float32 (0.8999999761...): one momentum step shows it."""
    config = TrainConfig(learning_rate=1.0, optimizer="momentum", num_epochs=1)
    params, grads = {"W1": np.zeros((1, 1))}, {"W1": np.ones((1, 1))}
    optimizer = tfo.make_optimizer(config)
    _, state = optimizer.update(grads, optimizer.init(params), params, 1.0)
    assert float(state["v"]["W1"][0, 0]) == 1 - 0.9
