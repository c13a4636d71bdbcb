"""The course's training loop, compiled: one tf.function runs every step and mini-batch.

Parameters, optimizer state and batch-norm statistics are tf.Variables assigned in place;
the loop over steps and over full mini-batches is a `for ... in tf.range` (a tf.while_loop),
the short last mini-batch is traced apart with its own static shape.
randomness="parity" consumes dlparity.core.plan's orders and masks; "native" draws them from
tf.random.Generator.from_seed(seed) (fresh dropout masks every mini-batch).
"""

import time

import numpy as np
import tensorflow as tf

from dlparity.core import contract
from dlparity.core.checks import check_randomness, check_train_call
from dlparity.core.errors import DlparityError
from dlparity.core.plan import make_plan
from dlparity.core.results import TrainResult
from dlparity.core.spec import ModelSpec, TrainConfig
from dlparity.core.state import TrainState, resolve_start
from tf_impl import precision
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
    """run(X, Y, learning_rates, orders, first, stop) -> the costs of steps first..stop-1
    (learning_rates and orders: the whole run's), for tf.function."""
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

    def run(X, Y, learning_rates, orders, first, stop):
        costs = tf.TensorArray(X.dtype, size=stop - first, element_shape=())
        for step in tf.range(first, stop):
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
            costs = costs.write(step - first, cost)
        return costs.stack()

    return run


def _variables(state, dtype):
    """tf.Variables holding the start's params, optimizer state and batch-norm statistics."""
    params = {k: tf.Variable(precision.tensor(v, dtype), name=k) for k, v in state.params.items()}
    opt_state = tf.nest.map_structure(tf.Variable, from_course_state(state.optimizer, dtype))
    bn_state = {k: tf.Variable(precision.tensor(v, dtype)) for k, v in state.bn_state.items()}
    return params, opt_state, bn_state


def _draws_and_inputs(spec, config, plan, data, randomness, seed):
    """The run's source of orders and masks, and its inputs (X, Y, learning_rates, orders)."""
    X, Y = data
    dtype = spec.dtype
    if randomness == "native" and plan.first > 0:
        raise DlparityError("start: tf resumes parity runs only (its generator is not saved)")
    if randomness == "parity":
        draws = _ParityDraws(plan, dtype)
    else:
        draws = _NativeDraws(spec, config, seed, plan.m)
    orders = None
    if randomness == "parity" and plan.orders is not None:
        orders = tf.constant(plan.orders, tf.int64)
    inputs = (
        precision.tensor(X, dtype),
        precision.tensor(Y, dtype),
        precision.tensor(plan.learning_rates, dtype),
        orders,
    )
    return draws, inputs


def _recorded_costs(plan, step_costs, progress) -> dict:
    """step -> cost for the plan's recorded steps (step_costs: every step of the call);
    progress(step, cost) called for each."""
    costs = {step: float(step_costs[step - plan.first]) for step in plan.recorded}
    if progress is not None:
        for step, cost in costs.items():
            progress(step, cost)
    return costs


def _compile_and_run(run, inputs, plan):
    """(step costs, compile seconds, seconds): a zero-step call first, as TF optimizes the graph
    on the first call."""
    began = time.perf_counter()
    first, stop = tf.constant(plan.first), tf.constant(plan.end)
    run.get_concrete_function(*inputs, first, first)
    run(*inputs, first, first)
    compile_seconds = time.perf_counter() - began
    began = time.perf_counter()
    step_costs = run(*inputs, first, stop).numpy()
    return step_costs, compile_seconds, time.perf_counter() - began


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
    start=None,
    stop=None,
    **options,
) -> TrainResult:
    """Train from params0 on data = (X, Y). progress(step, cost) is called for each recorded step.

    randomness="parity" follows dlparity.core.plan exactly; "native" draws from TF's generator (seed).
    devices=N splits every mini-batch over N replicas of a MirroredStrategy (tf_impl.parallel).
    start: a dlparity.core.state.TrainState to continue from (params0 then None; parity only:
    the generator's state is not kept); stop: the outer step to stop before (default: the end).
    compile_seconds is tracing plus TF's graph optimization (a zero-step call); seconds the run.
    progress is called after the compiled run, with the recorded costs. result.end is the state
    reached.
    """
    check_train_call(spec, config, data, progress)
    randomness, seed = check_randomness(
        "tf", {"randomness": randomness, "seed": seed, **options}, also=("devices",)
    )
    placement = Placement(devices)  # before TF initializes: it may configure logical devices
    X, Y = contract.training_data(spec, *data)
    state, stop = resolve_start(spec, config, params0, start, stop)
    precision.configure(spec.dtype)
    dtype = spec.dtype
    plan = make_plan(spec, config, np.shape(X)[1], first=state.step, stop=stop)
    optimizer = make_optimizer(config)
    with placement.scope():
        variables = _variables(state, dtype)
    draws, inputs = _draws_and_inputs(spec, config, plan, (X, Y), randomness, seed)
    batch_step = _make_batch_step(spec, optimizer, *variables, placement.cost_and_gradients)
    run = tf.function(_make_run(plan, draws, batch_step))
    step_costs, compile_seconds, seconds = _compile_and_run(run, inputs, plan)
    costs = _recorded_costs(plan, step_costs, progress)
    extra = {"randomness": randomness, "seed": seed, "devices": placement.devices or 1}
    return _result(variables, plan, costs, (seconds, compile_seconds), extra)


def _result(variables, plan, costs, times, extra) -> TrainResult:
    """The run's end as NumPy: final params and statistics, the optimizer's state in course
    terms; times = (seconds, compile_seconds)."""
    params, opt_state, bn_state = variables
    params = {k: v.numpy() for k, v in params.items()}
    bn_state = {k: v.numpy() for k, v in bn_state.items()}
    end = TrainState(params, bn_state, course_state(opt_state), plan.end)
    return TrainResult(params, bn_state, costs, plan.learning_rates, *times, extra, end)
