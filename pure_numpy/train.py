"""The course's training loop: per step (iteration or epoch), per mini-batch, forward, backward, update.

train() is dlparity.core.driver's (checks, resume, plan, recording, result); this is the loop.
"""

import time

import numpy as np

from dlparity.core import driver
from dlparity.core.state import map_optimizer
from pure_numpy.framework import FRAMEWORK
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
            X_batch, Y_batch = X.take(idx, axis=spec.examples_axis), Y[:, idx]
        masks = plan.masks_for(stop - start)
        cost, grads, bn_state = cost_and_gradients(params, X_batch, Y_batch, spec, masks, bn_state)
        total += cost * (stop - start)
        params, opt_state = optimizer.update(grads, opt_state, params, lr)
    step_cost = cost if len(plan.bounds) == 1 else total / plan.m
    return params, opt_state, bn_state, step_cost


class _Segment(driver.Segment):
    """The plan's steps, one Python iteration each; each recorded cost reported as it comes."""

    def __init__(self, run: driver.Run):
        self.plan, self.spec, self.X, self.Y = run.plan, run.spec, run.X, run.Y
        self.optimizer = make_optimizer(run.config)

    def run(self, carry, record) -> driver.Ran:
        plan, spec, X, Y = self.plan, self.spec, self.X, self.Y
        params, opt_state, bn_state = carry
        recorded = set(plan.recorded)
        began = time.perf_counter()
        for step in range(plan.first, plan.end):
            lr = float(plan.learning_rates[step])
            params, opt_state, bn_state, cost = _run_step(
                params, opt_state, bn_state, X, Y, step, lr, plan, spec, self.optimizer
            )
            if step in recorded:
                record(step, cost)
        seconds = time.perf_counter() - began
        return driver.Ran((params, opt_state, bn_state), seconds)


class Loop(driver.Loop):
    """The reference: the course's shared randomness only, no devices; nothing compiled."""

    descriptor = FRAMEWORK

    def load(self, state, run):
        """The start's params, optimizer state and statistics as fresh arrays of the dtype."""
        dtype = run.spec.dtype
        params = {k: np.array(v, dtype=dtype) for k, v in state.params.items()}
        opt_state = map_optimizer(state.optimizer, lambda v: np.array(v, dtype=dtype))
        bn_state = {k: np.array(v, dtype=dtype) for k, v in state.bn_state.items()}
        return params, opt_state, bn_state

    def segment(self, run, carry):
        return _Segment(run)

    def save(self, carry, run):
        params, opt_state, bn_state = carry  # the optimizer's state is the course's already
        return params, bn_state, opt_state


train = driver.trainer(Loop)
