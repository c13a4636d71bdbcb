"""The course's training loop, compiled: one tf.function runs every step and mini-batch.

train() is dlparity.core.driver's (checks, resume, plan, recording, result); this is TF's loop.
Parameters, optimizer state and batch-norm statistics are tf.Variables assigned in place;
the loop over steps and over full mini-batches is a `for ... in tf.range` (a tf.while_loop),
the short last mini-batch is traced apart with its own static shape.
randomness="parity" consumes dlparity.core.plan's orders and masks; "native" follows the driver's
rule with TF's stateless generators: step e draws from the seed (seed, e), split into the epoch's
permutation and the epoch's dropout masks, so a resumed native run draws what the whole run draws.
"""

import time

import tensorflow as tf

from dlparity.core import driver
from dlparity.core import layers as specs
from tf_impl import precision
from tf_impl.framework import FRAMEWORK
from tf_impl.models import cost_and_gradients
from tf_impl.optimizers import course_state, from_course_state, make_optimizer
from tf_impl.parallel import Placement


class _ParityDraws:
    """The plan's example orders and dropout masks (fixed per batch size, as the course's)."""

    def __init__(self, plan, dtype):
        self.shuffled = plan.orders is not None
        self.masks = {
            size: {k: precision.tensor(D, dtype) for k, D in masks.items()}
            for size, masks in plan.masks.items()
        }

    def step(self, step, orders):
        """(the step's example order or None, what masks_for cuts the step's masks from)."""
        return (orders[step] if self.shuffled else None), None

    def masks_for(self, drawn, start, size):
        return self.masks.get(size)


class _NativeDraws:
    """TF's own generator, stateless: step e's draws come from the seed (seed, e) alone."""

    def __init__(self, spec, plan, seed):
        self.spec, self.m, self.seed = spec, plan.m, seed
        self.shuffled = plan.orders is not None

    def step(self, step, orders):
        """The step's permutation (when shuffled) and its masks D_l (n_l, m) (with dropout)."""
        seed = tf.stack([tf.constant(self.seed, tf.int64), tf.cast(step, tf.int64)])
        order_seed, mask_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        order = None
        if self.shuffled:
            uniform = tf.random.stateless_uniform((self.m,), order_seed, dtype=tf.float64)
            order = tf.argsort(uniform)
        return order, self._masks(mask_seed)

    def _masks(self, seed):
        """Native dropout: D_l = (uniform < keep_prob), a seed of its own per dropout layer."""
        spec = self.spec
        dropouts = [layer for layer in spec.layers if isinstance(layer, specs.Dropout)]
        if not dropouts:
            return None
        seeds = tf.unstack(tf.random.experimental.stateless_split(seed, len(dropouts)))
        return {
            f"D{layer.l}": tf.cast(
                tf.random.stateless_uniform(layer.mask_shape(self.m), layer_seed, dtype=spec.dtype)
                < precision.hyper(layer.keep_prob, spec.dtype),
                spec.dtype,
            )
            for layer_seed, layer in zip(seeds, dropouts, strict=True)
        }

    def masks_for(self, drawn, start, size):
        """The columns of the step's masks at the batch's positions in the step's order."""
        if drawn is None:
            return None
        return {k: tf.slice(D, [0, start], [D.shape[0], size]) for k, D in drawn.items()}


def _make_batch_step(spec, optimizer, params, opt_state, bn_state, gradients=cost_and_gradients):
    """Forward and backward on one mini-batch, then the update; returns the batch's cost."""

    def batch_step(X_batch, Y_batch, masks, lr):
        cost, grads, new_bn = gradients(params, X_batch, Y_batch, spec, masks, bn_state)
        new_params, new_opt_state = optimizer.update(grads, opt_state, params, lr)
        for variables, values in ((params, new_params), (opt_state, new_opt_state)):
            tf.nest.map_structure(lambda var, value: var.assign(value), variables, values)
        for key, value in new_bn.items():
            bn_state[key].assign(value)
        return cost

    # no tensor-dependent Python control flow inside: converting it would only slow tracing (3x)
    return tf.autograph.experimental.do_not_convert(batch_step)


def _make_run(plan, draws, batch_step, axis: int):
    """run(X, Y, learning_rates, orders, first, stop) -> the costs of steps first..stop-1
    (learning_rates and orders: the whole run's), for tf.function; X's examples on axis."""
    size = plan.bounds[0][1] - plan.bounds[0][0]
    n_full = sum(1 for start, stop in plan.bounds if stop - start == size)
    last = plan.m - n_full * size  # the short remainder batch, 0 when there is none

    def one_batch(X, Y, order, drawn, start, batch_size, lr):
        if order is None and plan.full_batch:
            X_batch, Y_batch = X, Y
        else:
            # tf.slice with a Python size keeps the batch's shape static
            idx = tf.slice(tf.range(plan.m) if order is None else order, [start], [batch_size])
            X_batch = tf.gather(X, idx, axis=axis)
            Y_batch = tf.gather(Y, idx, axis=1)
        return batch_step(X_batch, Y_batch, draws.masks_for(drawn, start, batch_size), lr)

    def run(X, Y, learning_rates, orders, first, stop):
        costs = tf.TensorArray(X.dtype, size=stop - first, element_shape=())
        for step in tf.range(first, stop):
            lr, (order, drawn) = learning_rates[step], draws.step(step, orders)
            if len(plan.bounds) == 1:
                cost = one_batch(X, Y, order, drawn, 0, plan.m, lr)
            else:
                total = tf.zeros((), X.dtype)
                for b in tf.range(n_full):
                    total += one_batch(X, Y, order, drawn, b * size, size, lr) * size
                if last:
                    total += one_batch(X, Y, order, drawn, n_full * size, last, lr) * last
                cost = total / plan.m
            costs = costs.write(step - first, cost)
        return costs.stack()

    return run


def _variables(state, dtype):
    """tf.Variables holding the start's params, optimizer state and batch-norm statistics."""
    params = {k: tf.Variable(precision.tensor(v, dtype), name=k) for k, v in state.params.items()}
    opt_state = tf.nest.map_structure(tf.Variable, from_course_state(state.optimizer, dtype))
    bn_state = {k: tf.Variable(precision.tensor(v, dtype)) for k, v in state.bn_state.items()}
    return params, opt_state, bn_state


def _draws_and_inputs(run: driver.Run):
    """The run's source of orders and masks, and its inputs (X, Y, learning_rates, orders)."""
    spec, plan, options = run.spec, run.plan, run.options
    dtype = spec.dtype
    if options.native:
        draws, orders = _NativeDraws(spec, plan, options.seed), None
    else:
        draws = _ParityDraws(plan, dtype)
        orders = None if plan.orders is None else tf.constant(plan.orders, tf.int64)
    inputs = (
        precision.tensor(run.X, dtype),
        precision.tensor(run.Y, dtype),
        precision.tensor(plan.learning_rates, dtype),
        orders,
    )
    return draws, inputs


class _Segment(driver.Segment):
    """The tf.function over the plan's steps; building it traces it and makes a zero-step call
    (TF optimizes the graph on the first call): that is its compile_seconds."""

    def __init__(self, function, inputs, plan):
        self.function, self.inputs, self.plan = function, inputs, plan
        began = time.perf_counter()
        first = tf.constant(plan.first)
        function.get_concrete_function(*inputs, first, first)
        function(*inputs, first, first)
        self.compile_seconds = time.perf_counter() - began

    def run(self, carry, record) -> driver.Ran:
        plan = self.plan
        began = time.perf_counter()
        step_costs = self.function(*self.inputs, tf.constant(plan.first), tf.constant(plan.end))
        step_costs = step_costs.numpy()  # every step's, from plan.first on
        seconds = time.perf_counter() - began
        costs = [step_costs[step - plan.first] for step in plan.recorded]
        return driver.Ran(carry, seconds, costs=costs)


class Loop(driver.Loop):
    """TensorFlow: tf.Variables and one tf.function over the plan's steps, progress called
    after it. randomness="native" (TF's stateless generators, seed=), devices=N (every
    mini-batch split over N replicas of a MirroredStrategy, tf_impl.parallel)."""

    descriptor = FRAMEWORK

    def __init__(self, spec, config, options):
        super().__init__(spec, config, options)
        self.placement = Placement(options.devices)  # before TF initializes: it may make devices
        precision.configure(spec.dtype)

    def load(self, state, run):
        with self.placement.scope():
            return _variables(state, run.spec.dtype)

    def segment(self, run, carry):
        draws, inputs = _draws_and_inputs(run)
        optimizer = make_optimizer(run.config)
        batch_step = _make_batch_step(
            run.spec, optimizer, *carry, self.placement.cost_and_gradients
        )
        return _Segment(
            tf.function(_make_run(run.plan, draws, batch_step, run.spec.examples_axis)),
            inputs,
            run.plan,
        )

    def save(self, carry, run):
        params, opt_state, bn_state = carry
        params = {k: v.numpy() for k, v in params.items()}
        return params, {k: v.numpy() for k, v in bn_state.items()}, course_state(opt_state)

    def extra(self, run, carry):
        return {"devices": self.placement.devices or 1}


train = driver.trainer(Loop)
