"""The course's training loop, compiled whole: lax.scan over the steps and over each step's mini-batches.

randomness="parity": the batch orders and dropout masks of dlparity.plan, fed in as arrays, so
the run follows the reference step for step. randomness="native": a jax.random key, split
explicitly per step into the epoch's permutation and each mini-batch's dropout masks.
"""

import time
from collections import OrderedDict
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from dlparity import DlparityError
from dlparity.checks import check_data, check_params
from dlparity.init import initial_bn_state
from dlparity.plan import make_plan
from dlparity.results import TrainResult
from dlparity.spec import ModelSpec, TrainConfig
from jax_impl.models import gradients
from jax_impl.optimizers import make_optimizer

RANDOMNESS = ("parity", "native")
OPTIONS = ("randomness", "seed")
import os
UNROLL = int(os.environ.get("UNROLL", "1"))
_CACHE_SIZE = 8
_compiled_runs: OrderedDict = OrderedDict()  # structure of a run -> its compiled executable


class Layout(NamedTuple):
    """One outer step: n_full mini-batches of size examples, then one of rest (0: none)."""

    m: int
    size: int
    n_full: int
    rest: int
    shuffled: bool

    @property
    def num_batches(self) -> int:
        return self.n_full + (self.rest > 0)


def _layout(plan, config: TrainConfig) -> Layout:
    size = config.mini_batch_size or plan.m
    layout = Layout(plan.m, size, plan.m // size, plan.m % size, plan.orders is not None)
    assert layout.num_batches == len(plan.bounds), (layout, plan.bounds)
    return layout


def _draw_masks(key, spec: ModelSpec, m: int):
    """Native dropout: D_l = bernoulli(keep_prob), a fresh key per hidden layer."""
    keys = jax.random.split(key, spec.num_layers - 1)
    dims = spec.layer_dims
    return {
        f"D{l}": jax.random.bernoulli(keys[l - 1], spec.keep_prob, (dims[l], m)).astype(spec.dtype)
        for l in range(1, spec.num_layers)
    }


def _make_run(spec: ModelSpec, config: TrainConfig, layout: Layout, native: bool):
    """run(params, bn_state, X, Y, lrs, orders, masks_full, masks_rest, seed), traceable whole."""
    optimizer = make_optimizer(config)
    dropout = spec.keep_prob < 1
    n_x, n_y = spec.layer_dims[0], spec.layer_dims[-1]

    def batch_step(carry, X_b, Y_b, masks, lr):
        params, opt_state, bn_state, total = carry
        cost, grads, bn_state = gradients(params, X_b, Y_b, spec, masks=masks, bn_state=bn_state)
        params, opt_state = optimizer.update(grads, opt_state, params, lr)
        # the course's epoch cost: sum over mini-batches of cost_b * m_b, in batch order
        return (params, opt_state, bn_state, total + cost * X_b.shape[1]), cost

    def masks_of(key, fixed, m):
        if not dropout:
            return None
        return _draw_masks(key, spec, m) if native else fixed

    def full_batches(carry, X, Y, keys, masks_full, lr):
        """The n_full batches of size examples; a scan when there are several."""
        size, n_full = layout.size, layout.n_full
        if n_full == 1:
            return batch_step(carry, X[:, :size], Y[:, :size], masks_of(keys[0], masks_full, size), lr)
        # (n, k*size) -> (k, n, size): batch j is columns [j*size, (j+1)*size), as in plan.bounds
        X_full = X[:, : n_full * size].reshape(n_x, n_full, size).transpose(1, 0, 2)
        Y_full = Y[:, : n_full * size].reshape(n_y, n_full, size).transpose(1, 0, 2)

        def body(c, batch):
            X_b, Y_b, key = batch
            return batch_step(c, X_b, Y_b, masks_of(key, masks_full, size), lr)

        carry, costs = lax.scan(body, carry, (X_full, Y_full, keys[:n_full]))
        return carry, costs[-1]

    def run(params, bn_state, X, Y, lrs, orders, masks_full, masks_rest, seed):
        steps = lrs.shape[0]
        keys = jax.random.split(jax.random.key(seed), steps) if native else jnp.zeros(steps)

        def step(carry, inputs):
            lr, order, key = inputs
            batch_keys = jnp.zeros(layout.num_batches)
            if native:
                key, order_key = jax.random.split(key)
                batch_keys = jax.random.split(key, layout.num_batches)
                if layout.shuffled:
                    order = jax.random.permutation(order_key, layout.m)
            X_e, Y_e = (X, Y) if order is None else (X[:, order], Y[:, order])
            carry = (*carry, jnp.zeros((), spec.dtype))
            if layout.n_full:
                carry, cost = full_batches(carry, X_e, Y_e, batch_keys, masks_full, lr)
            if layout.rest:
                start = layout.n_full * layout.size
                masks = masks_of(batch_keys[-1], masks_rest, layout.rest)
                carry, cost = batch_step(carry, X_e[:, start:], Y_e[:, start:], masks, lr)
            *carry, total = carry
            return tuple(carry), cost if layout.num_batches == 1 else total / layout.m

        init = (params, optimizer.init(params), bn_state)
        (params, _, bn_state), costs = lax.scan(step, init, (lrs, orders, keys), unroll=UNROLL)
        return params, bn_state, costs

    return run


def _check_options(options: dict):
    unknown = [name for name in options if name not in OPTIONS]
    if unknown:
        raise DlparityError(f"train: unknown option {unknown[0]!r}; jax takes {', '.join(OPTIONS)}")
    randomness, seed = options.get("randomness", "parity"), options.get("seed", 0)
    if randomness not in RANDOMNESS:
        raise DlparityError(
            f"randomness: unknown option {randomness!r}; choose one of {', '.join(RANDOMNESS)}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**31:
        raise DlparityError(f"seed: must be an integer in [0, 2**31), got {seed!r}")
    return randomness, int(seed)


def _check_call(spec, config, data, progress):
    if not isinstance(spec, ModelSpec):
        raise DlparityError(f"spec: expected a ModelSpec, got {type(spec).__name__}")
    if not isinstance(config, TrainConfig):
        raise DlparityError(f"config: expected a TrainConfig, got {type(config).__name__}")
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise DlparityError("data: expected a pair (X, Y)")
    if progress is not None and not callable(progress):
        raise DlparityError(f"progress: expected a function progress(step, cost), got {progress!r}")


def _compiled(key, make_run, args):
    """The run's executable, compiled once per structure; returns it and the seconds compiling took."""
    if key in _compiled_runs:
        _compiled_runs.move_to_end(key)
        return _compiled_runs[key], 0.0
    start = time.perf_counter()
    executable = jax.jit(make_run()).lower(*args).compile()
    seconds = time.perf_counter() - start
    _compiled_runs[key] = executable
    if len(_compiled_runs) > _CACHE_SIZE:
        _compiled_runs.popitem(last=False)
    return executable, seconds


def train(spec: ModelSpec, config: TrainConfig, data, params0, *, progress=None, **options):
    """Train from params0 on data = (X, Y), the whole run one compiled call.

    Options: randomness="parity" (dlparity.plan's orders and masks) or "native" (jax.random),
    seed=0 for native. progress(step, cost) is called at each recorded step, after the run.
    """
    _check_call(spec, config, data, progress)
    randomness, seed = _check_options(options)
    X, Y = data
    check_data(spec, X, Y)
    check_params(params0, spec)
    dtype = spec.dtype
    plan = make_plan(spec, config, np.shape(X)[1])
    layout = _layout(plan, config)
    native = randomness == "native"
    masks = [None if native else plan.masks_for(n) for n in (layout.size, layout.rest)]
    orders = None if native or plan.orders is None else plan.orders.astype(np.int32)
    args = jax.device_put(
        (
            {k: jnp.asarray(v, dtype) for k, v in params0.items()},
            {k: jnp.asarray(v, dtype) for k, v in initial_bn_state(spec).items()},
            jnp.asarray(X, dtype),
            jnp.asarray(Y, dtype),
            jnp.asarray(plan.learning_rates, dtype),
            orders,
            *masks,
            np.uint32(seed),
        )
    )
    optimizer_key = (config.optimizer, config.beta, config.beta1, config.beta2, config.epsilon)
    key = (spec, optimizer_key, layout, native, plan.steps)
    executable, compile_seconds = _compiled(
        key, lambda: _make_run(spec, config, layout, native), args
    )
    start = time.perf_counter()
    params, bn_state, step_costs = jax.block_until_ready(executable(*args))
    seconds = time.perf_counter() - start
    step_costs = np.asarray(step_costs)
    costs = {step: float(step_costs[step]) for step in plan.recorded}
    if progress is not None:
        for step, cost in costs.items():
            progress(step, cost)
    return TrainResult(
        params={k: np.asarray(params[k]) for k in params0},
        bn_state={k: np.asarray(v) for k, v in bn_state.items()},
        costs=costs,
        learning_rates=plan.learning_rates,
        seconds=seconds,
        compile_seconds=compile_seconds,
        extra={"randomness": randomness, "seed": seed, "platform": jax.default_backend()},
    )
