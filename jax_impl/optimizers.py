"""Optimizers through optax, each mapped (dlparity.course.migration) so it equals the course's formula.

init(params) -> state;  update(grads, state, params, lr) -> (params, state), as in pure_numpy.
Each optimizer is the optax call a JAX user writes, in the course's names (OPTAX). The rate is an
injected hyperparameter (optax.inject_hyperparams), so it can change every epoch; course_schedule
gives the same rates as a plain optax schedule of the update count.
"""

from collections.abc import Callable

import jax.numpy as jnp
import optax

from dlparity.core import mapping, registry
from dlparity.core.optimizers import Optimizer
from dlparity.core.schedules import learning_rates
from dlparity.core.spec import TrainConfig


def gd(learning_rate):
    return optax.sgd(learning_rate)


def momentum(learning_rate, beta):
    """learning_rate is the course's α (1 - β) (optax_rate): optax sums g + β trace."""
    return optax.sgd(learning_rate, momentum=beta)


def rmsprop(learning_rate, beta2, epsilon, eps_in_sqrt=False):
    """eps_in_sqrt=False is the course's dW / (sqrt(s) + ε); optax's default is True."""
    return optax.rmsprop(learning_rate, decay=beta2, eps=epsilon, eps_in_sqrt=eps_in_sqrt)


def adam(learning_rate, beta1, beta2, epsilon):
    return optax.adam(learning_rate, b1=beta1, b2=beta2, eps=epsilon)


def adamw(learning_rate, beta1, beta2, epsilon, weight_decay):
    return optax.adamw(learning_rate, b1=beta1, b2=beta2, eps=epsilon, weight_decay=weight_decay)


OPTAX = {"gd": gd, "momentum": momentum, "rmsprop": rmsprop, "adam": adam, "adamw": adamw}


def optax_rate(config: TrainConfig, lr):
    """optax's learning rate for the course's lr: a (1 - b) for momentum, lr itself otherwise."""
    if registry.OPTIMIZERS[config.optimizer].rate_times_one_minus_beta:
        return mapping.momentum_learning_rate(lr, config.beta)
    return lr


def course_schedule(config: TrainConfig, batches_per_epoch: int) -> Callable:
    """count (updates done, from 0) -> the course's rate, with its one-epoch lag (jnp ops).

    The rate of epoch count // batches_per_epoch in dlparity.core.schedules.learning_rates (the
    last epoch's past the run's end): rate_for_update(config, count, batches_per_epoch).
    """
    rates = jnp.asarray(learning_rates(config))

    def schedule(count):
        epoch = jnp.asarray(count) // batches_per_epoch
        return rates[jnp.minimum(epoch, len(rates) - 1)]

    return schedule


def optax_optimizer(config: TrainConfig, batches_per_epoch: int) -> optax.GradientTransformation:
    """Plain optax, equal to the course's optimizer and decay: the rate is course_schedule's."""
    schedule = course_schedule(config, batches_per_epoch)
    factory = OPTAX[config.optimizer]
    return factory(
        lambda count: optax_rate(config, schedule(count)), **config.optimizer_hyperparameters()
    )


def apply_update(tx: optax.GradientTransformation, grads, state, params):
    """One optax step: the updates tx makes of grads, added to params."""
    updates, state = tx.update(grads, state, params)
    return optax.apply_updates(params, updates), state


def make_optimizer(config: TrainConfig, *, eps_in_sqrt=False) -> Optimizer:
    """The optimizer a TrainConfig names, with its hyperparameters bound and its rate per call.

    eps_in_sqrt=True is the variant dW / sqrt(s + epsilon) (Keras', and optax's default).
    There is no eps_hat flag (Keras 3's Adam variant): optax has no such Adam.
    """
    kwargs = config.optimizer_hyperparameters()
    if eps_in_sqrt and config.optimizer == "rmsprop":
        kwargs["eps_in_sqrt"] = True
    injected = optax.inject_hyperparams(OPTAX[config.optimizer], static_args=tuple(kwargs))
    tx = injected(learning_rate=optax_rate(config, config.learning_rate), **kwargs)

    def update(grads, state, params, lr):
        """One optax step with the course's rate lr."""
        rate = state.hyperparams["learning_rate"]
        rate = jnp.asarray(optax_rate(config, lr), dtype=rate.dtype)
        state = state._replace(hyperparams={**state.hyperparams, "learning_rate": rate})
        return apply_update(tx, grads, state, params)

    return Optimizer(tx.init, update)


def _inner(state, kind):
    return next(s for s in state.inner_state if isinstance(s, kind))


def _replace_inner(state, kind, **fields):
    inner = tuple(s._replace(**fields) if isinstance(s, kind) else s for s in state.inner_state)
    return state._replace(inner_state=inner)


def course_state(state, config: TrainConfig) -> dict:
    """optax's state in the course's terms: v (momentum, Adam), s (RMSprop, Adam), t (Adam)."""
    if config.optimizer == "momentum":
        # optax accumulates t = g + b t, the course v = b v + (1 - b) g: v = (1 - b) t
        trace = _inner(state, optax.TraceState).trace
        return {"v": {k: (1 - config.beta) * t for k, t in trace.items()}}
    if config.optimizer == "rmsprop":
        return {"s": dict(_inner(state, optax.ScaleByRmsState).nu)}
    if config.optimizer in ("adam", "adamw"):
        adam = _inner(state, optax.ScaleByAdamState)
        return {"v": dict(adam.mu), "s": dict(adam.nu), "t": int(adam.count)}
    return {}


def optax_state(course: dict, config: TrainConfig, state):
    """course_state's inverse: state (from init(params)) holding the course's v, s and t."""

    def like(values, reference):
        return {k: jnp.asarray(v, reference[k].dtype) for k, v in values.items()}

    if config.optimizer == "momentum":
        trace = _inner(state, optax.TraceState).trace
        v = like(course["v"], trace)
        return _replace_inner(
            state, optax.TraceState, trace={k: v[k] / (1 - config.beta) for k in v}
        )
    if config.optimizer == "rmsprop":
        nu = _inner(state, optax.ScaleByRmsState).nu
        return _replace_inner(state, optax.ScaleByRmsState, nu=like(course["s"], nu))
    if config.optimizer in ("adam", "adamw"):
        adam = _inner(state, optax.ScaleByAdamState)
        return _replace_inner(
            state,
            optax.ScaleByAdamState,
            count=jnp.asarray(course["t"], adam.count.dtype),
            mu=like(course["v"], adam.mu),
            nu=like(course["s"], adam.nu),
        )
    return state
