"""The course's training loop, compiled whole: lax.scan over the steps and over each step's mini-batches.

train() is dlparity.core.driver's (checks, resume, plan, recording, result); this is JAX's loop.
randomness="parity": the batch orders and dropout masks of dlparity.core.plan, fed in as arrays, so
the run follows the reference step for step. randomness="native": the driver's rule with jax.random:
step e's key is fold_in(key(seed), e), split into the epoch's permutation and the epoch's dropout
masks (one column per example, cut into mini-batches like X, so every batch of every epoch gets
fresh masks).
"""

import contextlib
import gc
import time
from collections import OrderedDict
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from dlparity.core import driver
from dlparity.core import layers as specs
from dlparity.core.spec import ModelSpec, TrainConfig
from dlparity.core.state import map_optimizer
from jax_impl.boundary import check_dtype
from jax_impl.framework import FRAMEWORK
from jax_impl.models import cost_and_gradients
from jax_impl.optimizers import course_state, make_optimizer, optax_state
from jax_impl.parallel import Placement

_CACHE_SIZE = 8
_compiled_runs: OrderedDict = OrderedDict()  # structure of a run -> its compiled executable


class Batching(NamedTuple):
    """One outer step: n_full mini-batches of size examples, then one of rest (0: none)."""

    m: int
    size: int
    n_full: int
    rest: int
    shuffled: bool

    @property
    def num_batches(self) -> int:
        return self.n_full + (self.rest > 0)


def _batching(plan, config: TrainConfig) -> Batching:
    size = config.mini_batch_size or plan.m
    batching = Batching(plan.m, size, plan.m // size, plan.m % size, plan.orders is not None)
    assert batching.num_batches == len(plan.bounds), (batching, plan.bounds)
    return batching


def _draw_masks(key, spec: ModelSpec, m: int):
    """Native dropout: D_l = bernoulli(keep_prob), a fresh key per dropout layer."""
    dropouts = [layer for layer in spec.layers if isinstance(layer, specs.Dropout)]
    keys = jax.random.split(key, len(dropouts))
    return {
        f"D{layer.l}": jax.random.bernoulli(layer_key, layer.keep_prob, layer.mask_shape(m)).astype(
            spec.dtype
        )
        for layer_key, layer in zip(keys, dropouts, strict=True)
    }


def _take(inputs, start, stop=None):
    """Rows [start, stop) of every per-step input (or row start alone when stop is None)."""
    if stop is None:
        return jax.tree.map(lambda a: a[start], inputs)
    return jax.tree.map(lambda a: a[start:stop], inputs)


def _chunked_scan(step, carry, inputs, k: int):
    """lax.scan of step over the steps, keeping the costs of steps 0, k, 2k, ... only.

    The steps in between run in an inner scan whose costs nobody reads, so XLA drops the cost's
    forward-only work (the logs of the cross-entropy) from them: value_and_grad keeps only what
    is used. Returns (carry, costs) with one cost per chunk of k steps.
    """
    steps = jax.tree.leaves(inputs)[0].shape[0]
    n_chunks, tail = divmod(steps, k)
    costs = []

    def chunk(carry, chunk_inputs):
        """A recorded step, then the unrecorded rest of the chunk."""
        carry, cost = step(carry, _take(chunk_inputs, 0))
        length = jax.tree.leaves(chunk_inputs)[0].shape[0]
        if length > 1:
            carry, _ = lax.scan(step, carry, _take(chunk_inputs, 1, length))
        return carry, cost

    if n_chunks:
        chunked = jax.tree.map(
            lambda a: a[: n_chunks * k].reshape(n_chunks, k, *a.shape[1:]), inputs
        )
        carry, chunk_costs = lax.scan(chunk, carry, chunked)
        costs.append(chunk_costs)
    if tail:
        carry, cost = chunk(carry, _take(inputs, n_chunks * k, steps))
        costs.append(cost[None])
    return carry, costs


def _recording_scan(step, carry, inputs, k: int, first: int = 0, record_last: bool = True):
    """lax.scan of step over steps first, first + 1, ... of a run, keeping the costs of the
    recorded ones (TrainConfig.recorded_steps): the multiples of k, and the segment's last step
    when it is the run's last (record_last)."""
    if k == 1:
        return lax.scan(step, carry, inputs)
    step = jax.jit(step)  # traced once for its scans and its direct calls alike
    steps = jax.tree.leaves(inputs)[0].shape[0]
    body = steps - 1 if record_last else steps  # the steps recorded only at multiples of k
    skip = min(-first % k, body)  # the steps before the first multiple of k
    if skip:
        carry, _ = lax.scan(step, carry, _take(inputs, 0, skip))
    costs = []
    if body > skip:
        carry, costs = _chunked_scan(step, carry, _take(inputs, skip, body), k)
    if record_last:
        carry, cost = step(carry, _take(inputs, steps - 1))
        costs.append(cost[None])
    return carry, jnp.concatenate(costs) if costs else jnp.zeros((0,))


class _Run(NamedTuple):
    """What a compiled run closes over: the network, its optimizer, how its steps are batched,
    where its draws come from and where its arrays live."""

    spec: ModelSpec
    optimizer: object
    batching: Batching
    native: bool
    placement: Placement


def _batch_step(run: _Run, carry, X_b, Y_b, masks, lr):
    """One mini-batch: forward, backward, update; the batch's cost added to the step's total."""
    params, opt_state, bn_state, total = carry
    X_b = run.placement.batch(X_b, run.spec.examples_axis)
    Y_b, masks = run.placement.batch((Y_b, masks))
    cost, grads, bn_state = cost_and_gradients(params, X_b, Y_b, run.spec, masks, bn_state)
    params, opt_state = run.optimizer.update(grads, opt_state, params, lr)
    if run.batching.num_batches > 1:
        # the course's epoch cost: sum over mini-batches of cost_b * m_b, in batch order
        total = total + cost * Y_b.shape[1]
    return (params, opt_state, bn_state, total), cost


def _full_part(batching: Batching, A, axis: int = 1):
    """A with examples on axis, (n, m) or (m, n_H, n_W, n_C), -> the n_full batches stacked
    first, (n_full, n, size) or (n_full, size, n_H, n_W, n_C): batch j is examples
    [j*size, (j+1)*size), as in plan.bounds."""
    size, n_full = batching.size, batching.n_full
    A = lax.slice_in_dim(A, 0, n_full * size, axis=axis)
    return jnp.moveaxis(A.reshape(*A.shape[:axis], n_full, size, *A.shape[axis + 1 :]), axis, 0)


def _examples(A, start, stop, axis: int = 1):
    """Examples [start, stop) of A, examples on axis."""
    return lax.slice_in_dim(A, start, stop, axis=axis)


def _full_batches(run: _Run, carry, X, Y, masks, lr):
    """The n_full batches of size examples; a scan when there are several."""
    batching, axis = run.batching, run.spec.examples_axis
    if batching.n_full == 1:
        size = batching.size
        X_b, Y_b = _examples(X, 0, size, axis), _examples(Y, 0, size)
        return _batch_step(run, carry, X_b, Y_b, masks, lr)
    per_batch = run.native and run.spec.keep_prob < 1  # parity: one mask per batch size
    cut = partial(_full_part, batching)
    batches = (cut(X, axis), cut(Y), jax.tree.map(cut, masks) if per_batch else None)

    def body(c, batch):
        X_b, Y_b, batch_masks = batch
        return _batch_step(run, c, X_b, Y_b, batch_masks if per_batch else masks, lr)

    carry, costs = lax.scan(body, carry, batches)
    return carry, costs[-1]


def _native_draws(run: _Run, key, order, masks_full, masks_rest):
    """The epoch's order and masks from its key (native randomness), else as given."""
    batching, spec = run.batching, run.spec
    order_key, mask_key = jax.random.split(key)
    if batching.shuffled:
        order = jax.random.permutation(order_key, batching.m)
    if spec.keep_prob < 1:
        masks = _draw_masks(mask_key, spec, batching.m)
        cut = batching.n_full * batching.size
        masks_full = jax.tree.map(lambda D: D[:, :cut], masks)
        masks_rest = jax.tree.map(lambda D: D[:, cut:], masks)
    return order, masks_full, masks_rest


def _outer_step(run: _Run, carry, inputs, X, Y, masks_full, masks_rest):
    """One outer step (iteration or epoch) over its mini-batches; returns its cost."""
    lr, order, key = inputs
    batching = run.batching
    if run.native:
        order, masks_full, masks_rest = _native_draws(run, key, order, masks_full, masks_rest)
    if order is not None:
        X, Y = jnp.take(X, order, axis=run.spec.examples_axis), Y[:, order]
    carry = (*carry, jnp.zeros((), run.spec.dtype))
    if batching.n_full:
        carry, cost = _full_batches(run, carry, X, Y, masks_full, lr)
    if batching.rest:
        start, m, axis = batching.n_full * batching.size, batching.m, run.spec.examples_axis
        X_b, Y_b = _examples(X, start, m, axis), _examples(Y, start, m)
        carry, cost = _batch_step(run, carry, X_b, Y_b, masks_rest, lr)
    *carry, total = carry
    return tuple(carry), cost if batching.num_batches == 1 else total / batching.m


def _make_run(
    spec: ModelSpec, config: TrainConfig, batching: Batching, native: bool, plan, placement
):
    """run(params, opt_state, bn_state, X, Y, lrs, orders, masks_full, masks_rest, seed),
    traceable whole: steps plan.first to plan.end - 1 of the run, lrs and orders theirs.

    Every array with examples as columns (X, Y and, in native mode, the epoch's dropout masks,
    drawn once per epoch for all m columns) is cut into mini-batches the same way.
    """
    this = _Run(spec, make_optimizer(config), batching, native, placement)

    def run(params, opt_state, bn_state, X, Y, lrs, orders, masks_full, masks_rest, seed):
        keys = None
        if native:  # step e's key from (seed, e) alone: a resumed run draws as the whole run
            base = jax.random.key(seed)
            steps = jnp.arange(plan.first, plan.end, dtype=jnp.uint32)
            keys = jax.vmap(lambda e: jax.random.fold_in(base, e))(steps)

        def one_step(carry, inputs):
            return _outer_step(this, carry, inputs, X, Y, masks_full, masks_rest)

        init = (params, opt_state, bn_state)
        return _recording_scan(
            one_step, init, (lrs, orders, keys), config.record_every, plan.first, plan.finishes
        )

    return run


@contextlib.contextmanager
def _collector_paused():
    """Python's cycle collector off for the block: tracing makes many small objects, and the
    collector's passes over the heap took a third of a compile served from the persistent cache
    (measured: planar 0.34 s -> 0.23 s). Objects freed by reference counting are freed as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _compiled(key, make_run, args):
    """The run's executable, compiled once per structure; returns it and the seconds compiling took."""
    if key in _compiled_runs:
        _compiled_runs.move_to_end(key)
        return _compiled_runs[key], 0.0
    start = time.perf_counter()
    with _collector_paused():
        executable = jax.jit(make_run()).lower(*args).compile()
    seconds = time.perf_counter() - start
    _compiled_runs[key] = executable
    if len(_compiled_runs) > _CACHE_SIZE:
        _compiled_runs.popitem(last=False)
    return executable, seconds


def _inputs(run: driver.Run, batching: Batching, placement) -> tuple:
    """The compiled run's arguments after the carry, on the device: the data and the segment's
    rates, orders and masks (parity), and the seed (native)."""
    plan, dtype, native = run.plan, run.spec.dtype, run.options.native
    masks = [None if native else plan.masks_for(n) for n in (batching.size, batching.rest)]
    orders = None
    if not native and plan.orders is not None:
        orders = plan.orders[plan.first : plan.end].astype(np.int32)
    return placement.put(
        (
            jnp.asarray(run.X, dtype),
            jnp.asarray(run.Y, dtype),
            jnp.asarray(plan.learning_rates[plan.first : plan.end], dtype),
            orders,
            *masks,
            np.uint32(run.options.seed),
        )
    )


def _structure(spec, config, batching, native, plan, placement) -> tuple:
    """What a compiled run depends on, beyond its arguments' shapes: its cache key.

    Every hyperparameter the registry names is baked into the executable."""
    optimizer = (config.optimizer, *config.optimizer_hyperparameters().items())
    segment = (plan.steps, plan.first, plan.end)
    return (spec, optimizer, batching, native, segment, config.record_every, placement.devices)


class _Segment(driver.Segment):
    """The whole segment as one compiled call: the recording scan's costs come back at its end."""

    def __init__(self, executable, compile_seconds: float, inputs: tuple):
        self.executable, self.compile_seconds, self.inputs = executable, compile_seconds, inputs

    def run(self, carry, record) -> driver.Ran:
        began = time.perf_counter()
        carry, costs = jax.block_until_ready(self.executable(*carry, *self.inputs))
        seconds = time.perf_counter() - began
        return driver.Ran(carry, seconds, costs=np.asarray(costs).tolist())


class Loop(driver.Loop):
    """JAX: the whole segment one compiled program (cached by its structure), progress called
    after it. randomness="native" (jax.random, seed=), devices=N (a mesh, jax_impl.parallel)."""

    descriptor = FRAMEWORK

    def __init__(self, spec, config, options):
        super().__init__(spec, config, options)
        self.placement = Placement(options.devices)
        check_dtype(spec)

    def load(self, state, run):
        dtype, config = run.spec.dtype, run.config
        params = {k: jnp.asarray(v, dtype) for k, v in state.params.items()}
        opt_state = optax_state(state.optimizer, config, make_optimizer(config).init(params))
        bn_state = {k: jnp.asarray(v, dtype) for k, v in state.bn_state.items()}
        return self.placement.put((params, opt_state, bn_state))

    def segment(self, run, carry):
        batching = _batching(run.plan, run.config)
        inputs = _inputs(run, batching, self.placement)
        structure = (run.spec, run.config, batching, run.options.native, run.plan, self.placement)
        executable, seconds = _compiled(
            _structure(*structure), lambda: _make_run(*structure), (*carry, *inputs)
        )
        return _Segment(executable, seconds, inputs)

    def save(self, carry, run):
        params, opt_state, bn_state = carry
        optimizer = map_optimizer(course_state(opt_state, run.config), np.asarray)
        params = {k: np.asarray(v) for k, v in params.items()}
        return params, {k: np.asarray(v) for k, v in bn_state.items()}, optimizer

    def extra(self, run, carry):
        return self.placement.summary()


train = driver.trainer(Loop)
