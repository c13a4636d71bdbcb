"""Idiomatic Keras: the course's networks as a keras.Model, compiled, and trained with model.fit.

    Input(n_x) -> Dense(n_l, relu|tanh) [-> dropout] x (L-1) -> Dense(n_L, sigmoid|softmax)
    softmax_bn: Dense(n_l, use_bias=False) -> BatchNormalization -> Activation(relu) per layer

Weights travel in the course layout and are ported through dlparity.layout. Two modes:
course-exact (default) swaps in tf_impl.keras_course's subclasses wherever the stock Keras
component differs from the course; stock=True uses Keras' own components with the closest
mapping of dlparity.migration. In parity mode model.fit is fed the plan's mini-batches
(dlparity.plan) with shuffle=False.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf

from dlparity import DlparityError, layout, migration
from dlparity.checks import (
    check_data,
    check_inputs,
    check_params,
    check_train_call,
    expected_shapes,
)
from dlparity.gradcheck import gradient_difference
from dlparity.init import parameter_keys
from dlparity.plan import TrainPlan, make_plan
from dlparity.results import TrainResult
from dlparity.rng import dropout_masks
from dlparity.schedules import decayed_rate
from dlparity.spec import ModelSpec, TrainConfig
from tf_impl import keras_course, precision
from tf_impl.precision import hyper

INITIALIZERS = (None, "glorot_normal")
LOSS_REDUCTIONS = ("mean", "sum")


def _float(value, dtype: str) -> np.float64:
    """value rounded to dtype, held as a float subclass (Keras checks isinstance(x, float))."""
    return np.float64(hyper(value, dtype))


# ---------------------------------------------------------------- the model


def _masks_by_size(masks, spec: ModelSpec) -> dict[int, list[np.ndarray]]:
    """{batch size: [mask of hidden layer 1, ...]} in Keras layout, from one or several sizes."""
    if masks is None:
        return {}
    if isinstance(masks, dict) and masks and all(isinstance(k, int) for k in masks):
        by_size = {size: layout.to_keras_masks(m, spec) for size, m in masks.items()}
    else:
        keras_masks = layout.to_keras_masks(masks, spec)
        by_size = {keras_masks[0].shape[0]: keras_masks}
    for size, keras_masks in by_size.items():
        if keras_masks[0].shape[0] != size:
            raise DlparityError(
                f"masks: given for batch size {size}, but D1 has {keras_masks[0].shape[0]} columns"
            )
    return by_size


def _dropout_layer(spec: ModelSpec, l: int, stock: bool, by_size: dict):
    if stock:
        return keras.layers.Dropout(
            _float(migration.dropout_rate(spec.keep_prob), spec.dtype), seed=l, name=f"dropout{l}"
        )

    def course_mask(size):  # the reference's masks when none are given: seed 1, for this size
        return dropout_masks(spec.layer_dims, size, spec.keep_prob, dtype=spec.dtype)[f"D{l}"].T

    masks = {size: keras_masks[l - 1] for size, keras_masks in by_size.items()}
    return keras_course.FixedDropout(
        _float(spec.keep_prob, spec.dtype), masks, course_mask, name=f"dropout{l}"
    )


def _regularizer(spec: ModelSpec, stock: bool, batch_size):
    if spec.lambd == 0:
        return None
    if batch_size is None:
        raise DlparityError("batch_size: L2's factor lambd / 2m needs the batch size m")
    if stock:
        return keras.regularizers.L2(migration.keras_l2(spec.lambd, batch_size))
    return keras_course.CourseL2(spec.lambd, batch_size, spec.dtype)


def build_model(
    spec: ModelSpec, *, stock: bool = False, masks=None, batch_size: int | None = None
) -> keras.Model:
    """The network as a functional keras.Model, uncompiled, with Keras' initial weights.

    masks: the course's dropout masks, {"D1": (n_1, m), ...} for one batch size or
    {m: {"D1": ...}, ...} per batch size (None: the course's seed-1 masks for the batch size).
    batch_size: the m of L2's lambd / 2m (needed when spec.lambd > 0).
    """
    precision.configure(spec.dtype)
    by_size = _masks_by_size(masks, spec) if spec.keep_prob < 1 else {}
    regularizer = _regularizer(spec, stock, batch_size)
    inputs = keras.Input(shape=(spec.layer_dims[0],), dtype=spec.dtype, name="X")
    A = inputs
    for l in range(1, spec.num_layers):
        n_l = spec.layer_dims[l]
        if spec.batchnorm:
            Z = keras.layers.Dense(
                n_l, use_bias=False, kernel_regularizer=regularizer, name=f"linear{l}"
            )(A)
            bn = migration.keras_batchnorm_kwargs(spec)
            Z = keras.layers.BatchNormalization(
                momentum=_float(bn["momentum"], spec.dtype),
                epsilon=_float(bn["epsilon"], spec.dtype),
                name=f"batchnorm{l}",
            )(Z)
            A = keras.layers.Activation("relu", name=f"relu{l}")(Z)
        else:
            A = keras.layers.Dense(
                n_l,
                activation=spec.hidden_activation,
                kernel_regularizer=regularizer,
                name=f"layer{l}",
            )(A)
        if spec.keep_prob < 1:
            A = _dropout_layer(spec, l, stock, by_size)(A)
    AL = keras.layers.Dense(
        spec.layer_dims[-1], activation=spec.output, kernel_regularizer=regularizer, name="output"
    )(A)
    return keras.Model(inputs, AL, name=f"{spec.architecture}_{'stock' if stock else 'course'}")


def course_regularizer(model: keras.Model):
    """The CourseL2 shared by the model's Dense layers, or None."""
    for layer in model.layers:
        if isinstance(getattr(layer, "kernel_regularizer", None), keras_course.CourseL2):
            return layer.kernel_regularizer
    return None


def make_loss(
    spec: ModelSpec, *, stock: bool = False, reduction: str = "mean"
) -> keras.losses.Loss:
    """The course's cost as a Keras loss (stock: Keras' own crossentropy)."""
    keras_reduction = {"mean": "sum_over_batch_size", "sum": "sum", "none": "none"}[reduction]
    if spec.output == "sigmoid":
        loss = keras.losses.BinaryCrossentropy if stock else keras_course.CourseBinaryCrossentropy
    else:
        loss = (
            keras.losses.CategoricalCrossentropy
            if stock
            else keras_course.CourseCategoricalCrossentropy
        )
    return loss(reduction=keras_reduction)


def _stock_rate(config: TrainConfig, batches_per_epoch: int, dtype: str):
    lr0 = _float(migration.keras_learning_rate(config), dtype)
    if config.decay == "none":
        return lr0
    kwargs = migration.keras_inverse_time_decay_kwargs(config, batches_per_epoch)
    kwargs["decay_rate"] = _float(kwargs["decay_rate"], dtype)
    return keras.optimizers.schedules.InverseTimeDecay(lr0, **kwargs)


STOCK_OPTIMIZERS = {"gd": "SGD", "momentum": "SGD", "rmsprop": "RMSprop", "adam": "Adam"}
COURSE_OPTIMIZERS = {
    "gd": keras.optimizers.SGD,  # W -= lr dW: stock SGD is the course's formula
    "momentum": keras_course.CourseSGD,
    "rmsprop": keras_course.CourseRMSprop,
    "adam": keras_course.CourseAdam,
}


def make_optimizer(
    config: TrainConfig, *, stock: bool = False, batches_per_epoch: int = 1, dtype="float64"
) -> keras.optimizers.Optimizer:
    """Course-exact Keras optimizer for config, or (stock) Keras' own with the closest mapping."""
    precision.configure(dtype)
    kwargs = {k: _float(v, dtype) for k, v in migration.keras_optimizer_kwargs(config).items()}
    if stock:
        optimizer = getattr(keras.optimizers, STOCK_OPTIMIZERS[config.optimizer])
        return optimizer(learning_rate=_stock_rate(config, batches_per_epoch, dtype), **kwargs)
    rate = _float(config.learning_rate, dtype)
    if config.decay != "none":
        rate = keras_course.CourseDecay.from_config_of(config, batches_per_epoch)
    return COURSE_OPTIMIZERS[config.optimizer](learning_rate=rate, **kwargs)


def compile_model(
    model: keras.Model,
    spec: ModelSpec,
    config: TrainConfig | None = None,
    *,
    stock: bool = False,
    batches_per_epoch: int = 1,
    steps_per_execution: int = 1,
    loss_reduction: str = "mean",
) -> keras.Model:
    """model.compile with the course's loss and config's optimizer (no config: plain SGD)."""
    if config is None:
        optimizer = keras.optimizers.SGD()
    else:
        optimizer = make_optimizer(
            config, stock=stock, batches_per_epoch=batches_per_epoch, dtype=spec.dtype
        )
    metrics = None
    if loss_reduction == "sum":  # Keras' logged loss would weight summed losses by batch size
        per_example = make_loss(spec, stock=stock, reduction="none")
        metrics = [keras.metrics.MeanMetricWrapper(per_example, name="course_cost")]
    model.compile(
        optimizer=optimizer,
        loss=make_loss(spec, stock=stock, reduction=loss_reduction),
        metrics=metrics,
        steps_per_execution=steps_per_execution,
        jit_compile=False,  # XLA fuses and reorders float operations
    )
    return model


# ---------------------------------------------------------------- the contract


def _loaded_model(params, X, spec: ModelSpec, *, training, masks, bn_state):
    """A compiled course-exact model holding params (and running statistics), for the batch X."""
    check_inputs(params, X, spec)
    m = X.shape[1]
    if training and spec.keep_prob < 1 and masks is None:
        masks = dropout_masks(spec.layer_dims, m, spec.keep_prob, dtype=spec.dtype)
    model = build_model(spec, masks=masks, batch_size=m)
    model.set_weights(layout.to_keras_weights(params, spec, bn_state))
    return compile_model(model, spec)


def _bn_state_of(model: keras.Model, spec: ModelSpec, bn_state) -> dict:
    if not spec.batchnorm:
        return bn_state if bn_state is not None else {}
    return layout.from_keras_weights(model.get_weights(), spec)[1]


def _inputs(X, spec: ModelSpec):
    return tf.constant(layout.to_keras_inputs(np.asarray(X, dtype=spec.dtype), spec))


def forward(params, X, spec: ModelSpec, *, training, masks=None, bn_state=None):
    """Forward pass through the Keras model. Returns (AL (n_y, m), new bn_state)."""
    if spec.batchnorm and not training and bn_state is None:
        raise DlparityError("bn_state: inference with batch norm needs the running statistics")
    model = _loaded_model(params, X, spec, training=training, masks=masks, bn_state=bn_state)
    AL = model(_inputs(X, spec), training=training)
    return layout.from_keras_outputs(AL.numpy(), spec), _bn_state_of(model, spec, bn_state)


def _cost_and_tape(params, X, Y, spec, masks, bn_state):
    model = _loaded_model(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    XT = _inputs(X, spec)
    YT = tf.constant(layout.to_keras_labels(np.asarray(Y, dtype=spec.dtype), spec))
    with tf.GradientTape() as tape:
        AL = model(XT, training=True)
        cost = model.compute_loss(x=XT, y=YT, y_pred=AL)  # loss + L2, as model.fit computes it
    return model, cost, tape


def compute_cost(params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None) -> float:
    """Training-mode cost J (mean over the m examples, plus L2 when spec.lambd > 0)."""
    check_inputs(params, X, spec, Y)
    _, cost, _ = _cost_and_tape(params, X, Y, spec, masks, bn_state)
    return float(cost)


def gradients(params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None):
    """One training-mode pass with tf.GradientTape. Returns (cost, grads, new bn_state)."""
    check_inputs(params, X, spec, Y)
    if spec.batchnorm and bn_state is None:
        raise DlparityError(
            "bn_state: batch norm needs running statistics (dlparity.init.initial_bn_state)"
        )
    model, cost, tape = _cost_and_tape(params, X, Y, spec, masks, bn_state)
    keras_grads = tape.gradient(cost, model.trainable_weights)
    grads = layout.from_keras_gradients([g.numpy() for g in keras_grads], spec)
    return float(cost), grads, _bn_state_of(model, spec, bn_state)


def predict(params, X, spec: ModelSpec, *, bn_state=None) -> np.ndarray:
    """Labels (1, m): 1 where the sigmoid output exceeds 0.5, or the argmax class for softmax."""
    AL, _ = forward(params, X, spec, training=False, bn_state=bn_state)
    if spec.output == "sigmoid":
        return (AL > 0.5).astype(np.float64)
    return np.argmax(AL, axis=0).reshape(1, -1).astype(np.float64)


def gradient_check(
    params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None, epsilon=1e-7
) -> float:
    """Difference between the tape's gradients and centered differences of the Keras cost."""
    _, grads, _ = gradients(params, X, Y, spec, masks=masks, bn_state=bn_state)
    model = _loaded_model(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    XT = _inputs(X, spec)
    YT = tf.constant(layout.to_keras_labels(np.asarray(Y, dtype=spec.dtype), spec))

    def cost(p):
        model.set_weights(layout.to_keras_weights(p, spec, bn_state))
        return float(model.compute_loss(x=XT, y=YT, y_pred=model(XT, training=True)))

    return gradient_difference(cost, params, grads, parameter_keys(spec), epsilon)


# ---------------------------------------------------------------- training with model.fit


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
) -> TrainResult:
    """Train with model.fit on the plan's mini-batches; one Keras epoch is one course step.

    stock: Keras' own optimizer, L2 (m = the first batch's size), Dropout and decay schedule
    with dlparity.migration's mapping: random dropout masks, no decay lag.
    initializer="glorot_normal" and loss_reduction="sum" are C2W3's ways: its GlorotNormal(seed=1)
    weights and biases instead of params0 (which may then be None), and the gradient of each
    batch's summed loss. compile_seconds covers the first step, which traces the train
    function; seconds the remaining steps.
    """
    check_train_call(spec, config, data, progress)
    X, Y = data
    check_data(spec, X, Y)
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
    rates = plan.learning_rates
    if stock:  # InverseTimeDecay has no one-epoch lag
        rates = np.array([decayed_rate(config, e) for e in range(plan.steps)], dtype=np.float64)
    extra = {"framework": "keras", "stock": stock, "steps_per_execution": spe,
             "compile_seconds_include_first_step": True}  # fmt: skip
    return TrainResult(params, bn_state, callbacks[0].costs, rates, seconds, compile_seconds, extra)
