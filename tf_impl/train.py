"""The course's training loop, compiled: one tf.function runs every step and mini-batch.

Parameters, optimizer state and batch-norm statistics are tf.Variables assigned in place;
the loop over steps and over full mini-batches is a `for ... in tf.range` (a tf.while_loop),
the short last mini-batch is traced apart with its own static shape.
randomness="parity" consumes dlparity.plan's orders and masks; "native" draws them from
tf.random.Generator.from_seed(seed) (fresh dropout masks every mini-batch).
"""

import time

import numpy as np
import tensorflow as tf

from dlparity import DlparityError, contract
from dlparity.checks import check_params, check_train_call
from dlparity.init import initial_bn_state
from dlparity.plan import make_plan
from dlparity.results import TrainResult
from dlparity.spec import ModelSpec, TrainConfig
from tf_impl import precision
from tf_impl.models import cost_and_gradients
from tf_impl.optimizers import make_optimizer
from tf_impl.parallel import Placement

RANDOMNESS = ("parity", "native")


def _check_options(randomness, seed, options) -> None:
    if options:
        raise DlparityError(
            f"train: unknown option(s) {', '.join(options)}; tf takes randomness, seed and devices"
        )
    if randomness not in RANDOMNESS:
        raise DlparityError(
            f"randomness: unknown option {randomness!r}; choose one of {', '.join(RANDOMNESS)}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise DlparityError(f"seed: must be a non-negative integer, got {seed!r}")


class _ParityDraws:
    """The plan's example orders and dropout masks (fixed per batch size, as the course's)."""

    def __init__(self, plan, dtype):
        self.shuffled = plan.orders is not None
        self.masks = {
            size: {k: precision.tensor(D, dtype) for k, D in masks.items()}
            for size, masks in plan.masks.items()
        }

    def order(self, step, orders):
        return orders[step] if self.shuffled else None

    def masks_for(self, size):
        return self.masks.get(size)


class _NativeDraws:
    """TF's own generator: a permutation per epoch and fresh masks per mini-batch."""

    def __init__(self, spec, config, seed, m):
        self.generator = tf.random.Generator.from_seed(int(seed))
        self.shuffled = config.num_epochs is not None and config.shuffle
        self.spec, self.m = spec, m

    def order(self, step, orders):
        if not self.shuffled:
            return None
        return tf.argsort(self.generator.uniform((self.m,), dtype=tf.float64))

    def masks_for(self, size):
        spec = self.spec
        if spec.keep_prob >= 1:
            return None
        keep = precision.hyper(spec.keep_prob, spec.dtype)
        return {
            f"D{l}": tf.cast(self.generator.uniform((n, size), dtype=spec.dtype) < keep, spec.dtype)
            for l, n in enumerate(spec.layer_dims[1:-1], start=1)
        }


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


def _make_run(plan, draws, batch_step):
    """run(X, Y, learning_rates, orders, steps) -> (steps,) costs, for tf.function."""
    size = plan.bounds[0][1] - plan.bounds[0][0]
    n_full = sum(1 for start, stop in plan.bounds if stop - start == size)
    last = plan.m - n_full * size  # the short remainder batch, 0 when there is none

    def one_batch(X, Y, order, start, batch_size, lr):
        if order is None and plan.full_batch:
            X_batch, Y_batch = X, Y
        else:
            # tf.slice with a Python size keeps the batch's shape static
            idx = tf.slice(tf.range(plan.m) if order is None else order, [start], [batch_size])
            X_batch, Y_batch = tf.gather(X, idx, axis=1), tf.gather(Y, idx, axis=1)
        return batch_step(X_batch, Y_batch, draws.masks_for(batch_size), lr)

    def run(X, Y, learning_rates, orders, steps):
        costs = tf.TensorArray(X.dtype, size=steps, element_shape=())
        for step in tf.range(steps):
            lr, order = learning_rates[step], draws.order(step, orders)
            if len(plan.bounds) == 1:
                cost = one_batch(X, Y, order, 0, plan.m, lr)
            else:
                total = tf.zeros((), X.dtype)
                for b in tf.range(n_full):
                    total += one_batch(X, Y, order, b * size, size, lr) * size
                if last:
                    total += one_batch(X, Y, order, n_full * size, last, lr) * last
                cost = total / plan.m
            costs = costs.write(step, cost)
        return costs.stack()

    return run


def train(
    spec: ModelSpec,
    config: TrainConfig,
    data,
    params0,
    *,
    progress=None,
    randomness="parity",
    seed=0,
    devices=None,
    **options,
) -> TrainResult:
    """Train from params0 on data = (X, Y). progress(step, cost) is called for each recorded step.

    randomness="parity" follows dlparity.plan exactly; "native" draws from TF's generator (seed).
    devices=N splits every mini-batch over N replicas of a MirroredStrategy (tf_impl.parallel).
    compile_seconds is tracing plus TF's graph optimization (a zero-step call); seconds the run.
    progress is called after the compiled run, with the recorded costs.
    """
    check_train_call(spec, config, data, progress)
    _check_options(randomness, seed, options)
    placement = Placement(devices)  # before TF initializes: it may configure logical devices
    X, Y = contract.training_data(spec, *data)
    check_params(params0, spec)
    precision.configure(spec.dtype)
    dtype = spec.dtype
    plan = make_plan(spec, config, np.shape(X)[1])
    optimizer = make_optimizer(config)
    with placement.scope():
        params = {k: tf.Variable(precision.tensor(v, dtype), name=k) for k, v in params0.items()}
        opt_state = tf.nest.map_structure(tf.Variable, optimizer.init(params))
        bn_state = {k: tf.Variable(v) for k, v in initial_bn_state(spec).items()}
    if randomness == "parity":
        draws = _ParityDraws(plan, dtype)
    else:
        draws = _NativeDraws(spec, config, seed, plan.m)
    batch_step = _make_batch_step(
        spec, optimizer, params, opt_state, bn_state, placement.cost_and_gradients
    )
    run = tf.function(_make_run(plan, draws, batch_step))
    orders = None
    if randomness == "parity" and plan.orders is not None:
        orders = tf.constant(plan.orders, tf.int64)
    inputs = (
        precision.tensor(X, dtype),
        precision.tensor(Y, dtype),
        precision.tensor(plan.learning_rates, dtype),
        orders,
    )
    start = time.perf_counter()
    run.get_concrete_function(*inputs, tf.constant(0))
    run(*inputs, tf.constant(0))  # zero steps: TF optimizes the graph on the first call
    compile_seconds = time.perf_counter() - start
    start = time.perf_counter()
    step_costs = run(*inputs, tf.constant(plan.steps)).numpy()
    seconds = time.perf_counter() - start
    costs = {step: float(step_costs[step]) for step in plan.recorded}
    if progress is not None:
        for step, cost in costs.items():
            progress(step, cost)
    return TrainResult(
        params={k: v.numpy() for k, v in params.items()},
        bn_state={k: v.numpy() for k, v in bn_state.items()},
        costs=costs,
        learning_rates=plan.learning_rates,
        seconds=seconds,
        compile_seconds=compile_seconds,
        extra={"randomness": randomness, "seed": seed, "devices": placement.devices or 1},
    )
