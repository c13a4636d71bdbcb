"""Training the Keras models with model.fit, one Keras epoch per course step.

In parity mode model.fit is fed the plan's mini-batches (dlparity.plan) with shuffle=False; a
callback records the course's cost at the plan's recorded steps.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf

from dlparity import DlparityError, contract, layout
from dlparity.checks import check_params, check_train_call, expected_shapes
from dlparity.init import parameter_keys
from dlparity.plan import TrainPlan, make_plan
from dlparity.results import TrainResult
from dlparity.schedules import decayed_rate
from dlparity.spec import ModelSpec, TrainConfig
from tf_impl import keras_course, precision
from tf_impl.keras_models import build_model, compile_model, course_regularizer, predict

INITIALIZERS = (None, "glorot_normal")
LOSS_REDUCTIONS = ("mean", "sum")
__all__ = ["train", "predict", "plan_dataset", "glorot_parameters", "CourseHistory"]


def plan_dataset(X, Y, plan: TrainPlan, spec: ModelSpec) -> tf.data.Dataset:
    """Every mini-batch of the run, in the plan's order: steps x len(plan.bounds) (x, y) batches."""
    XT = tf.constant(layout.to_keras_inputs(np.asarray(X, dtype=spec.dtype), spec))
    YT = tf.constant(layout.to_keras_labels(np.asarray(Y, dtype=spec.dtype), spec))
    if plan.full_batch:
        return tf.data.Dataset.from_tensors((XT, YT)).repeat(plan.steps)
    size = plan.bounds[0][1] - plan.bounds[0][0]  # full batches, then the short remainder
    if plan.orders is None:
        return tf.data.Dataset.from_tensor_slices((XT, YT)).batch(size).repeat(plan.steps)
    orders = tf.data.Dataset.from_tensor_slices(plan.orders)
    batches = orders.flat_map(lambda order: tf.data.Dataset.from_tensor_slices(order).batch(size))
    return batches.map(lambda idx: (tf.gather(XT, idx), tf.gather(YT, idx)))


class CourseHistory(keras.callbacks.Callback):
    """Records the course's cost at the plan's recorded steps (one Keras epoch = one course step).

    Keras' epoch loss is its loss tracker: the batch losses (taken before each update) weighted
    by batch size, sum(cost_b * m_b) / m, which is the course's step cost.
    """

    def __init__(self, recorded, progress=None, key="loss"):
        super().__init__()
        self.recorded, self.progress, self.key = set(recorded), progress, key
        self.costs, self.times = {}, {}

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            self.times["first_step_done"] = time.perf_counter()
        if epoch in self.recorded:
            self.costs[epoch] = float(logs[self.key])
            if self.progress is not None:
                self.progress(epoch, self.costs[epoch])

    def on_train_end(self, logs=None):
        self.times["done"] = time.perf_counter()


def glorot_parameters(spec: ModelSpec, seed: int = 1) -> dict:
    """C2W3's initialization: one GlorotNormal(seed) initializer for every W_l and b_l."""
    if spec.batchnorm:
        raise DlparityError("initializer: glorot_normal (C2W3) is for networks without batch norm")
    precision.configure(spec.dtype)
    initializer = keras.initializers.GlorotNormal(seed=seed)
    shapes = {k: expected_shapes(spec)[k] for k in parameter_keys(spec)}
    return {k: np.asarray(initializer(shape=s, dtype=spec.dtype)) for k, s in shapes.items()}


def _check_options(spec: ModelSpec, initializer, loss_reduction, steps_per_execution) -> None:
    if initializer not in INITIALIZERS:
        raise DlparityError(
            f"initializer: unknown option {initializer!r}; choose None or glorot_normal"
        )
    if loss_reduction not in LOSS_REDUCTIONS:
        raise DlparityError(
            f"loss_reduction: unknown option {loss_reduction!r}; choose mean or sum"
        )
    if loss_reduction == "sum" and spec.lambd > 0:
        raise DlparityError("loss_reduction: the summed loss (C2W3) has no L2 term; use mean")
    if steps_per_execution is not None and (
        isinstance(steps_per_execution, bool)
        or not isinstance(steps_per_execution, int)
        or steps_per_execution < 1
    ):
        raise DlparityError(
            f"steps_per_execution: must be a positive integer, got {steps_per_execution!r}"
        )


def _steps_per_execution(requested, sizes: list[int], per_batch_callback: bool) -> int:
    """Batches run per call of the train function: at most one epoch, and a divisor of it."""
    if per_batch_callback:
        return 1
    batches = len(sizes)
    if requested is None:
        return batches
    if batches % requested:
        raise DlparityError(
            f"steps_per_execution: {requested} does not divide the {batches} batches of an epoch"
        )
    return requested


def _callbacks(model, plan: TrainPlan, sizes: list[int], progress, loss_reduction: str) -> list:
    """CourseHistory first; L2BatchSize when the course's m for L2 changes within an epoch."""
    key = "course_cost" if loss_reduction == "sum" else "loss"
    callbacks = [CourseHistory(plan.recorded, progress, key)]
    regularizer = course_regularizer(model)
    if regularizer is not None and len(set(sizes)) > 1:
        callbacks.append(keras_course.L2BatchSize(regularizer, sizes))
    return callbacks


def _fit(model, dataset, plan: TrainPlan, callbacks) -> tuple[float, float]:
    """model.fit over the whole plan; returns (compile_seconds, seconds)."""
    start = time.perf_counter()
    model.fit(dataset, epochs=plan.steps, steps_per_epoch=len(plan.bounds), shuffle=False,
              verbose=0, callbacks=callbacks)  # fmt: skip
    times = callbacks[0].times
    return times["first_step_done"] - start, times["done"] - times["first_step_done"]


def _refuse_partial_runs(start, stop) -> None:
    if start is not None or stop is not None:
        raise DlparityError(
            "start, stop: model.fit trains the whole run here; resume with numpy, jax or tf"
        )


def _learning_rates(plan: TrainPlan, config: TrainConfig, stock: bool) -> np.ndarray:
    """The rate in effect at each step; stock Keras' InverseTimeDecay has no one-epoch lag."""
    if not stock:
        return plan.learning_rates
    return np.array([decayed_rate(config, e) for e in range(plan.steps)], dtype=np.float64)


def train(
    spec: ModelSpec,
    config: TrainConfig,
    data,
    params0,
    *,
    progress=None,
    stock: bool = False,
    initializer: str | None = None,
    loss_reduction: str = "mean",
    steps_per_execution: int | None = None,
    start=None,
    stop=None,
) -> TrainResult:
    """Train with model.fit on the plan's mini-batches; one Keras epoch is one course step.

    stock: Keras' own optimizer, L2 (m = the first batch's size), Dropout and decay schedule
    with dlparity.migration's mapping: random dropout masks, no decay lag.
    initializer="glorot_normal" and loss_reduction="sum" are C2W3's ways: its GlorotNormal(seed=1)
    weights and biases instead of params0 (which may then be None), and the gradient of each
    batch's summed loss. compile_seconds covers the first step, which traces the train
    function; seconds the remaining steps. start and stop are refused: result.end is None.
    """
    check_train_call(spec, config, data, progress)
    _refuse_partial_runs(start, stop)
    X, Y = contract.training_data(spec, *data)
    _check_options(spec, initializer, loss_reduction, steps_per_execution)
    if initializer is None:
        check_params(params0, spec)
    precision.configure(spec.dtype)
    plan = make_plan(spec, config, np.shape(X)[1])
    sizes = [stop - start for start, stop in plan.bounds]
    if initializer == "glorot_normal":
        params0 = glorot_parameters(spec)
    model = build_model(spec, stock=stock, masks=plan.masks or None, batch_size=sizes[0])
    model.set_weights(layout.to_keras_weights(params0, spec))
    callbacks = _callbacks(model, plan, sizes, progress, loss_reduction)
    spe = _steps_per_execution(steps_per_execution, sizes, len(callbacks) > 1)
    compile_model(model, spec, config, stock=stock, batches_per_epoch=len(sizes),
                  steps_per_execution=spe, loss_reduction=loss_reduction)  # fmt: skip
    compile_seconds, seconds = _fit(model, plan_dataset(X, Y, plan, spec), plan, callbacks)
    params, bn_state = layout.from_keras_weights(model.get_weights(), spec)
    rates = _learning_rates(plan, config, stock)
    extra = {"framework": "keras", "stock": stock, "steps_per_execution": spe,
             "compile_seconds_include_first_step": True}  # fmt: skip
    return TrainResult(params, bn_state, callbacks[0].costs, rates, seconds, compile_seconds, extra)
