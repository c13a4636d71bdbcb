"""The course's training loop: per step (iteration or epoch), per mini-batch, forward, backward, update."""

import time

import numpy as np

from dlparity import contract
from dlparity.checks import check_params, check_train_call
from dlparity.init import initial_bn_state
from dlparity.plan import make_plan
from dlparity.results import TrainResult
from dlparity.spec import ModelSpec, TrainConfig
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


def train(spec: ModelSpec, config: TrainConfig, data, params0, *, progress=None) -> TrainResult:
    """Train from params0 on data = (X, Y). progress(step, cost) is called at each recorded step."""
    check_train_call(spec, config, data, progress)
    X, Y = contract.training_data(spec, *data)
    check_params(params0, spec)
    plan = make_plan(spec, config, X.shape[1])
    optimizer = make_optimizer(config)
    params = {k: np.array(v, dtype=spec.dtype) for k, v in params0.items()}
    opt_state, bn_state = optimizer.init(params), initial_bn_state(spec)
    recorded, costs = set(plan.recorded), {}
    start = time.perf_counter()
    for step in range(plan.steps):
        lr = float(plan.learning_rates[step])
        params, opt_state, bn_state, cost = _run_step(
            params, opt_state, bn_state, X, Y, step, lr, plan, spec, optimizer
        )
        if step in recorded:
            costs[step] = float(cost)
            if progress is not None:
                progress(step, costs[step])
    seconds = time.perf_counter() - start
    return TrainResult(params, bn_state, costs, plan.learning_rates, seconds)
