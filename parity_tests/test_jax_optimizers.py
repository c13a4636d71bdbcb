"""optax, mapped through dlparity.course.migration, against the course's optimizers and decay (float64).

Each optimizer takes the same gradients from the same parameters, one step and K steps with a
decaying rate; parameters and the optimizer state (in the course's v and s) must agree.
"""

import dataclasses

import jax
import numpy as np
import optax
import pytest

import jax_impl.optimizers as jo
import pure_numpy.optimizers as no
from dlparity.core import mapping, registry
from dlparity.core.schedules import learning_rates, rate_for_update
from dlparity.core.spec import TrainConfig
from parity_tests.conftest import assert_close_in_order

K = 30
OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
SHAPES = {"W1": (4, 3), "b1": (4, 1), "W2": (1, 4), "b2": (1, 1)}


def _config(optimizer, **changes):
    base = TrainConfig(
        learning_rate=0.05, optimizer=optimizer, beta=0.8, beta2=0.99, num_epochs=K,
        decay="inverse-time", decay_rate=0.3,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def _params(seed=0):
    rng = np.random.RandomState(seed)
    return {k: rng.randn(*shape) for k, shape in SHAPES.items()}


def _grads(step):
    """Gradients for step `step`, with a zero entry: a dead unit's exactly-zero gradient."""
    grads = _params(100 + step)
    grads["W1"][0, 0] = 0.0
    return grads


def _run(optimizer, steps, rates):
    """Both implementations stepped with the same gradients and rates; returns both states."""
    params, j_params = _params(), _params()
    state, j_state = optimizer[0].init(params), optimizer[1].init(j_params)
    update = jax.jit(optimizer[1].update)
    for step in range(steps):
        params, state = optimizer[0].update(_grads(step), state, params, rates[step])
        j_params, j_state = update(_grads(step), j_state, j_params, rates[step])
    return (params, state), (j_params, j_state)


def _course_state_in_order(state):
    return {
        f"{name}.{k}": v for name in ("v", "s") if name in state for k, v in state[name].items()
    }


@pytest.mark.parametrize("steps", [1, K], ids=["one-step", f"{K}-steps-decay"])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_matches_course(name, steps):
    config = _config(name)
    rates = learning_rates(config)
    assert rates[-1] < rates[0] / 5  # the decay really acts
    pair = (no.make_optimizer(config), jo.make_optimizer(config))
    (params, state), (j_params, j_state) = _run(pair, steps, rates)
    assert_close_in_order(params, j_params, what=f"{name} params")
    course = jo.course_state(j_state, config)
    assert_close_in_order(_course_state_in_order(state), _course_state_in_order(course), what=name)
    if name == "adam":
        assert course["t"] == state["t"] == steps  # t counts updates


def test_rmsprop_eps_in_sqrt_variant_matches_the_reference_flag():
    """optax's default eps_in_sqrt=True is Keras' form; both packages have the flag."""
    config = _config("rmsprop", epsilon=1e-4)
    pair = (
        no.make_optimizer(config, eps_in_sqrt=True),
        jo.make_optimizer(config, eps_in_sqrt=True),
    )
    (params, _), (j_params, _) = _run(pair, K, learning_rates(config))
    assert_close_in_order(params, j_params, what="rmsprop, eps in the root")


def test_momentum_trace_is_v_over_one_minus_beta():
    """optax's trace t = g + b t accumulates the course's v = b v + (1 - b) g divided by 1 - b."""
    config = _config("momentum")
    pair = (no.make_optimizer(config), jo.make_optimizer(config))
    (_, state), (_, j_state) = _run(pair, K, learning_rates(config))
    trace = next(s for s in j_state.inner_state if isinstance(s, optax.TraceState)).trace
    expected = {k: v / (1 - config.beta) for k, v in state["v"].items()}
    assert_close_in_order(expected, trace, what="trace")


@pytest.mark.parametrize(
    "changes",
    [{"decay": "none"}, {"decay": "inverse-time"}, {"decay": "scheduled", "time_interval": 4}],
    ids=["none", "inverse-time", "scheduled"],
)
def test_course_schedule_has_the_one_epoch_lag(changes):
    """count -> rate with count // batches_per_epoch = epoch, as dlparity.core.schedules computes
    it: bit for bit, the rates are dlparity's own."""
    config = _config("gd", **changes)
    schedule = jax.jit(jo.course_schedule(config, batches_per_epoch=3))
    got = [float(schedule(count)) for count in range(3 * K)]
    assert got == [rate_for_update(config, count, 3) for count in range(3 * K)], changes
    assert got[3] == got[0] == config.learning_rate  # epochs 0 and 1 both train with lr0


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_plain_optax_with_the_schedule_matches_course(name):
    """optax_optimizer (a schedule of the update count, 3 updates an epoch) = the course's loop."""
    config = _config(name, decay="scheduled", time_interval=2, decay_rate=1.0)
    rates = [rate_for_update(config, step, 3) for step in range(12)]
    reference = no.make_optimizer(config)
    tx = jo.optax_optimizer(config, batches_per_epoch=3)
    params, j_params = _params(), _params()
    state, j_state = reference.init(params), tx.init(j_params)
    step_fn = jax.jit(lambda g, s, p: tx.update(g, s, p))
    for step in range(12):
        params, state = reference.update(_grads(step), state, params, rates[step])
        updates, j_state = step_fn(_grads(step), j_state, j_params)
        j_params = optax.apply_updates(j_params, updates)
    assert_close_in_order(params, j_params, what=f"plain optax {name}")


def _one_stock_step(tx, steps=K):
    params = _params()
    state = tx.init(params)
    for step in range(steps):
        updates, state = tx.update(_grads(step), state, params)
        params = optax.apply_updates(params, updates)
    return params


@pytest.mark.parametrize(
    "name, stock",
    [
        ("momentum", lambda c: optax.sgd(c.learning_rate, momentum=c.beta)),
        ("rmsprop", lambda c: optax.rmsprop(c.learning_rate, decay=c.beta2, eps=c.epsilon)),
    ],
    ids=["sgd-momentum-unscaled", "rmsprop-eps-in-sqrt"],
)
def test_stock_optax_defaults_are_not_the_course(name, stock):
    """The mapping matters: the naive call differs measurably (why migration.py exists)."""
    config = _config(name, decay="none", epsilon=1e-4)
    exact = jo.make_optimizer(config)
    params = _params()
    state = exact.init(params)
    for step in range(K):
        params, state = exact.update(_grads(step), state, params, config.learning_rate)
    naive = _one_stock_step(stock(config))
    worst = max(np.max(np.abs(naive[k] - params[k]) / (np.abs(params[k]) + 1e-3)) for k in params)
    assert worst > 1e-6


def test_mapping_comes_from_the_migration_table():
    config = _config("rmsprop")
    assert mapping.optax_kwargs(config) == {"decay": 0.99, "eps": 1e-8, "eps_in_sqrt": False}
    momentum = _config("momentum")
    assert jo.optax_rate(momentum, 0.05) == mapping.momentum_learning_rate(0.05, 0.8)


@pytest.mark.parametrize("name", (*OPTIMIZERS, "adamw"))
def test_the_optax_call_shown_is_the_registry_mapping(name):
    """jax_impl.optimizers.OPTAX, what `dlparity show` prints, is optax's factory called with
    the migration table's keywords: the same updates, bit for bit."""
    config = _config(name)
    written = jo.OPTAX[name](0.05, **config.optimizer_hyperparameters())
    factory = getattr(optax, registry.OPTIMIZERS[name].optax)
    mapped = factory(0.05, **mapping.optax_kwargs(config))
    ours, theirs = _params(), _params()
    ours_state, theirs_state = written.init(ours), mapped.init(theirs)
    for step in range(3):
        ours, ours_state = jo.apply_update(written, _grads(step), ours_state, ours)
        theirs, theirs_state = jo.apply_update(mapped, _grads(step), theirs_state, theirs)
    for key in ours:
        np.testing.assert_array_equal(ours[key], theirs[key], err_msg=f"{name} {key}")
