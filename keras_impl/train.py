"""Training the Keras models with model.fit: the whole course run as the batches of one epoch.

In parity mode model.fit is fed the plan's mini-batches (dlparity.core.plan), every step's in
order, with shuffle=False. Keras' loop calls its compiled train function once per
steps_per_execution batches; CourseModel records each batch's loss (taken before the update,
L2 included) in a metric inside that compiled step, so no Python runs per batch, and the
course's step cost is computed from those losses exactly as Keras' loss tracker weighs them.
The same code runs on Keras' TensorFlow and JAX backends (keras_impl.backend).
train() is dlparity.core.driver's (checks, plan, recording, result); this is Keras' part.
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np

from dlparity.core import driver, layout
from dlparity.core.plan import TrainPlan
from dlparity.core.schedules import decayed_rate
from dlparity.core.spec import ModelSpec, TrainConfig
from dlparity.runtime.glorot import glorot_parameters
from keras_impl import backend
from keras_impl.course import CourseModel
from keras_impl.framework import FRAMEWORK
from keras_impl.models import build_model, compile_model, predict

__all__ = ["train", "predict", "CourseModel", "CourseHistory"]


def step_costs(batch_losses: np.ndarray, weights: np.ndarray, m: int) -> np.ndarray:
    """Each step's cost, sum_b(loss_b w_b) / m in batch order, in the losses' dtype: the sums
    Keras' loss tracker forms (w_b = m_b; 1 for summed losses). batch_losses: (steps * B,)."""
    per_step = batch_losses.reshape(-1, len(weights))
    total = np.zeros(per_step.shape[0], dtype=per_step.dtype)
    for b, w in enumerate(weights.astype(per_step.dtype)):
        total = total + per_step[:, b] * w
    return total / per_step.dtype.type(m)


class CourseHistory(keras.callbacks.Callback):
    """The course's recorded costs, read from CourseModel's losses after each execution.

    Keras calls on_train_batch_end once per steps_per_execution batches, its logs holding
    the batch losses so far; the costs of the recorded steps completed by then are computed
    and passed to record(step, cost).
    """

    def __init__(self, plan: TrainPlan, weights, record):
        super().__init__()
        self.plan, self.weights, self.record = plan, np.asarray(weights), record
        self.times = {}
        self._pending = list(plan.recorded)

    def _report(self, batches_done: int, losses) -> None:
        B = len(self.weights)
        steps_done = batches_done // B
        if not self._pending or self._pending[0] >= steps_done:
            return
        losses = np.asarray(losses)
        while self._pending and self._pending[0] < steps_done:
            step = self._pending.pop(0)
            cost = step_costs(losses[step * B : (step + 1) * B], self.weights, self.plan.m)[0]
            self.record(step, cost)

    def on_train_batch_end(self, batch, logs=None):
        if "first_call_done" not in self.times:
            self.times["first_call_done"] = time.perf_counter()
        self._report(batch + 1, logs["batch_losses"])

    def on_train_end(self, logs=None):
        self.times["done"] = time.perf_counter()
        losses = self.model.batch_losses.losses.numpy()
        self._report(self.plan.steps * len(self.weights), losses)


EXECUTION_BATCHES = 1000  # batches per call of the train function, at most (README, Speed)
CALLS = 20  # calls per run, at least: the first call, timed as compilation, is 1/20 of the run


def _steps_per_execution(requested, plan: TrainPlan) -> int:
    """Batches run per call of Keras' compiled train function (at most the whole run)."""
    batches = plan.steps * len(plan.bounds)
    if requested is None:
        return min(EXECUTION_BATCHES, math.ceil(batches / CALLS))
    return min(batches, requested)


def _history(plan: TrainPlan, record, loss_reduction: str) -> CourseHistory:
    sizes = [stop - start for start, stop in plan.bounds]
    weights = np.ones(len(sizes)) if loss_reduction == "sum" else np.array(sizes)
    return CourseHistory(plan, weights, record)


def _fit(model, data, plan: TrainPlan, history: CourseHistory) -> tuple[float, float]:
    """model.fit over the whole plan as one epoch; returns (compile_seconds, seconds)."""
    start = time.perf_counter()
    model.fit(data, epochs=1, steps_per_epoch=plan.steps * len(plan.bounds), shuffle=False,
              verbose=0, callbacks=[history])  # fmt: skip
    times = history.times
    return times["first_call_done"] - start, times["done"] - times["first_call_done"]


def _fit_data(X, Y, plan: TrainPlan, spec: ModelSpec, strategy):
    x = layout.to_keras_inputs(np.asarray(X, dtype=spec.dtype), spec)
    y = layout.to_keras_labels(np.asarray(Y, dtype=spec.dtype), spec)
    if strategy is not None:
        return backend.distributed_batches(strategy, x, y, plan)
    return backend.batches(x, y, plan)


def _model(spec: ModelSpec, plan: TrainPlan, params0, stock: bool) -> CourseModel:
    """The course network as a CourseModel holding params0, ready to record the run's losses."""
    sizes = [stop - start for start, stop in plan.bounds]
    model = build_model(spec, stock=stock, masks=plan.masks or None, batch_size=sizes[0])
    model.set_weights(layout.to_keras_weights(params0, spec))
    model.record_losses(plan.steps * len(sizes), spec.dtype)
    return model


def _compiled_model(run: driver.Run, params0, strategy, steps_per_execution) -> CourseModel:
    """_model, compiled, both under the strategy (if any) so its variables are mirrored."""
    spec, plan, options = run.spec, run.plan, run.options
    replicas = 1 if strategy is None else strategy.num_replicas_in_sync
    with backend.scope(strategy):
        model = _model(spec, plan, params0, options.stock)
        return compile_model(model, spec, run.config, batches_per_epoch=len(plan.bounds),
                             replicas=replicas, stock=options.stock,
                             steps_per_execution=steps_per_execution,
                             loss_reduction=options.loss_reduction)  # fmt: skip


def _learning_rates(plan: TrainPlan, config: TrainConfig, stock: bool) -> np.ndarray:
    """The rate in effect at each step; stock Keras' InverseTimeDecay has no one-epoch lag."""
    if not stock:
        return plan.learning_rates
    return np.array([decayed_rate(config, e) for e in range(plan.steps)], dtype=np.float64)


class _Fit(driver.Segment):
    """model.fit over the whole plan; its compile time is its first call's (Ran.compile_seconds)."""

    def __init__(self, run: driver.Run, strategy):
        self.plan, self.loss_reduction = run.plan, run.options.loss_reduction
        self.data = _fit_data(run.X, run.Y, run.plan, run.spec, strategy)

    def run(self, model, record) -> driver.Ran:
        history = _history(self.plan, record, self.loss_reduction)
        compile_seconds, seconds = _fit(model, self.data, self.plan, history)
        return driver.Ran(model, seconds, compile_seconds)


class Loop(driver.Loop):
    """Keras: model.fit on the plan's mini-batches, the run's steps as one Keras epoch, each
    recorded cost reported as fit completes it.

    stock=True: Keras' own optimizer, L2 (m = the first batch's size), Dropout and decay schedule
    with dlparity.course.migration's mapping: random dropout masks, no decay lag.
    initializer="glorot_normal" and loss_reduction="sum" are C2W3's ways: its GlorotNormal(seed=1)
    weights and biases instead of params0 (which may then be None), and the gradient of each
    batch's summed loss. steps_per_execution: batches per call of the compiled train function
    (default: a CALLS-th of the run, at most EXECUTION_BATCHES). compile_seconds covers the
    first call, which traces the train function and runs its first batches; seconds the rest.
    start and stop are refused: result.end is None.
    devices=N splits every mini-batch over N replicas of a MirroredStrategy (TensorFlow
    backend): the course's loss over the whole batch, synchronized batch norm, and each
    replica's rows of the dropout masks.
    """

    descriptor = next(f for f in (FRAMEWORK, *FRAMEWORK.variants) if f.name == backend.FRAMEWORK)
    own_options = ("initializer", "loss_reduction", "steps_per_execution")

    def __init__(self, spec, config, options):
        super().__init__(spec, config, options)
        self.strategy = backend.distribution(options.devices)  # first: TF fixes its devices
        backend.configure(spec.dtype)
        self.steps_per_execution = None

    def initial_params(self, params0):
        if self.options.initializer == "glorot_normal":
            return glorot_parameters(self.spec)
        return params0

    def load(self, state, run):
        """The compiled CourseModel holding the start's weights (a run's start: step 0)."""
        spe = _steps_per_execution(run.options.steps_per_execution, run.plan)
        self.steps_per_execution = spe
        return _compiled_model(run, state.params, self.strategy, spe)

    def segment(self, run, model):
        return _Fit(run, self.strategy)

    def save(self, model, run):
        params, bn_state = layout.from_keras_weights(model.get_weights(), run.spec)
        return params, bn_state, None  # Keras' optimizer state has no course terms: no end

    def learning_rates(self, run):
        return _learning_rates(run.plan, run.config, run.options.stock)

    def extra(self, run, model):
        return {"framework": backend.FRAMEWORK, "stock": run.options.stock,
                "steps_per_execution": self.steps_per_execution,
                "devices": backend.replicas_of(model),
                "compile_seconds_include_first_call": True}  # fmt: skip


train = driver.trainer(Loop)
