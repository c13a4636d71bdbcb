"""The course's training loop: per step (iteration or epoch), per mini-batch, forward, backward, update."""

import time

import numpy as np

from dlparity.core import contract
from dlparity.core.checks import check_train_call
from dlparity.core.plan import make_plan
from dlparity.core.results import TrainResult
from dlparity.core.spec import ModelSpec, TrainConfig
from dlparity.core.state import TrainState, map_optimizer, resolve_start
from pure_numpy.models import cost_and_gradients
from pure_numpy.optimizers import make_optimizer


def _run_step(params, opt_state, bn_state, X, Y, step, lr, plan, spec, optimizer):
    """One outer step; returns the new state and the step's cost (summed batch costs / m)."""
    total = 0.0
    for start, stop in plan.bounds:
        if plan.full_batch:
            X_batch, Y_batch = X, Y
        else:
            idx = plan.batch_indices(step, start, stop)
            X_batch, Y_batch = X[:, idx], Y[:, idx]
        masks = plan.masks_for(stop - start)
        cost, grads, bn_state = cost_and_gradients(params, X_batch, Y_batch, spec, masks, bn_state)
        total += cost * (stop - start)
        params, opt_state = optimizer.update(grads, opt_state, params, lr)
    step_cost = cost if len(plan.bounds) == 1 else total / plan.m
    return params, opt_state, bn_state, step_cost


def _start_arrays(state: TrainState, dtype: str):
    """The start's params, optimizer state and statistics as fresh arrays of dtype."""
    params = {k: np.array(v, dtype=dtype) for k, v in state.params.items()}
    opt_state = map_optimizer(state.optimizer, lambda v: np.array(v, dtype=dtype))
    bn_state = {k: np.array(v, dtype=dtype) for k, v in state.bn_state.items()}
    return params, opt_state, bn_state


def train(
    spec: ModelSpec, config: TrainConfig, data, params0, *, progress=None, start=None, stop=None
) -> TrainResult:
    """Train from params0 on data = (X, Y). progress(step, cost) is called at each recorded step.

    start: a dlparity.core.state.TrainState to continue from (params0 then None); stop: the
    outer step to stop before (default: the run's end). result.end is the state reached.
    """
    check_train_call(spec, config, data, progress)
    X, Y = contract.training_data(spec, *data)
    state, stop = resolve_start(spec, config, params0, start, stop)
    plan = make_plan(spec, config, X.shape[1], first=state.step, stop=stop)
    optimizer = make_optimizer(config)
    params, opt_state, bn_state = _start_arrays(state, spec.dtype)
    recorded, costs = set(plan.recorded), {}
    began = time.perf_counter()
    for step in range(plan.first, plan.end):
        lr = float(plan.learning_rates[step])
        params, opt_state, bn_state, cost = _run_step(
            params, opt_state, bn_state, X, Y, step, lr, plan, spec, optimizer
        )
        if step in recorded:
            costs[step] = float(cost)
            if progress is not None:
                progress(step, costs[step])
    seconds = time.perf_counter() - began
    end = TrainState(params, bn_state, opt_state, plan.end)
    return TrainResult(params, bn_state, costs, plan.learning_rates, seconds, end=end)
