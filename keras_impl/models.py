"""Idiomatic Keras: the course's networks as a keras.Model, compiled, and trained with model.fit.

    Input(n_x) -> Dense(n_l, relu|tanh) [-> dropout] x (L-1) -> Dense(n_L): the logits Z[L]
    softmax_bn: Dense(n_l, use_bias=False) -> BatchNormalization -> Activation(relu) per layer

built from the spec's layers (dlparity.core.layers), one Keras layer per layer spec.

The model ends in the logits and the losses take them (from_logits, as the course's C2W3 does):
a sigmoid or softmax output would hand the loss probabilities, and only TensorFlow lets Keras
recover the logits behind them. forward and predict apply the output activation.

Weights travel in the course layout and are ported through dlparity.core.layout. Two modes:
course-exact (default) swaps in keras_impl.course's subclasses wherever the stock Keras
component differs from the course; stock=True uses Keras' own components with the closest
mapping of dlparity.course.migration. Training with model.fit: keras_impl.train.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from dlparity.core import contract, layout, mapping, registry
from dlparity.core import layers as specs
from dlparity.core.errors import DlparityError
from dlparity.core.gradcheck import gradient_difference
from dlparity.core.init import parameter_keys
from dlparity.core.rng import dropout_masks
from dlparity.core.spec import ModelSpec, TrainConfig
from keras_impl import backend
from keras_impl import course as keras_course
from keras_impl.backend import hyper


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


def _dropout_layer(spec: ModelSpec, layer: specs.Dropout, stock: bool, by_size: dict):
    l = layer.l
    if stock:
        return keras.layers.Dropout(
            _float(mapping.dropout_rate(layer.keep_prob), spec.dtype), seed=l, name=f"dropout{l}"
        )

    def course_mask(size):  # the reference's masks when none are given: seed 1, for this size
        return dropout_masks(spec.layers, size, dtype=spec.dtype)[f"D{l}"].T

    masks = {size: keras_masks[l - 1] for size, keras_masks in by_size.items()}
    return keras_course.FixedDropout(
        _float(layer.keep_prob, spec.dtype), masks, course_mask, name=f"dropout{l}"
    )


def _activation(layer: specs.Activation, stock: bool):
    """Keras' own activation, except tanh on JAX, which Keras computes in float32 (backend.tanh)."""
    if layer.name == "tanh" and not stock:
        return backend.tanh
    return layer.name


def _batchnorm_layer(spec: ModelSpec, layer: specs.BatchNorm, stock: bool):
    bn = mapping.keras_batchnorm_kwargs(spec)
    batchnorm = keras.layers.BatchNormalization if stock else keras_course.CourseBatchNormalization
    return batchnorm(
        momentum=_float(bn["momentum"], spec.dtype),
        epsilon=_float(bn["epsilon"], spec.dtype),
        name=f"batchnorm{layer.l}",
    )


def _image_layers(layer, regularizer) -> list:
    """A Conv2D, Pool2D or Flatten spec as Keras writes it: its zeros as ZeroPadding2D before a
    "valid" Conv2D (the course's pad on every side, or pad_widths: padding="same" is
    layers.same_pad), pools unpadded, Flatten on channels-last images (the course's order)."""
    l = layer.l
    if isinstance(layer, specs.Flatten):
        return [keras.layers.Flatten(name=f"flatten{l}")]
    if isinstance(layer, specs.Pool2D):
        pool = keras.layers.MaxPooling2D if layer.mode == "max" else keras.layers.AveragePooling2D
        return [pool(layer.f, layer.stride, padding="valid", name=f"pool{l}")]
    widths = specs.pad_widths(layer.pad)
    padding = [keras.layers.ZeroPadding2D(widths, name=f"pad{l}")] if any(map(any, widths)) else []
    conv = keras.layers.Conv2D(
        layer.n_C, layer.f, strides=layer.stride, padding="valid", use_bias=layer.use_bias,
        kernel_regularizer=regularizer, name=f"conv{l}",
    )  # fmt: skip
    return [*padding, conv]


def _skip_connection(layer: specs.Residual, inner: list):
    """A residual block in the functional API: the inner layers, then Add with the input."""
    add = keras.layers.Add(name=f"add{layer.l}")

    def block(A):
        Z = A
        for keras_layer in inner:
            Z = keras_layer(Z)
        return add([Z, A])

    return block


def _keras_layers(spec: ModelSpec, stock: bool, by_size: dict, regularizer, network=None) -> list:
    """The spec's layers (or network's) as Keras layers, in order, written as Keras is written:
    a Dense followed by its activation is one Dense(units, activation); the output head is left
    to the loss, which takes the logits."""
    network = spec.layers if network is None else network
    keras_layers, fused = [], False
    for layer, following in zip(network, (*network[1:], None), strict=True):
        if isinstance(layer, specs.Dense):
            fused = isinstance(following, specs.Activation)
            if isinstance(following, specs.Output):
                name, activation = "output", None
            else:
                name = f"layer{layer.l}" if fused else f"linear{layer.l}"
                activation = _activation(following, stock) if fused else None
            keras_layers.append(keras.layers.Dense(
                layer.units, activation=activation, use_bias=layer.use_bias,
                kernel_regularizer=regularizer, name=name,
            ))  # fmt: skip
        elif isinstance(layer, specs.Activation) and not fused:
            activation = _activation(layer, stock)
            keras_layers.append(keras.layers.Activation(activation, name=f"{layer.name}{layer.l}"))
        elif isinstance(layer, specs.Conv2D | specs.Pool2D | specs.Flatten):
            keras_layers += _image_layers(layer, regularizer)
        elif isinstance(layer, specs.BatchNorm):
            keras_layers.append(_batchnorm_layer(spec, layer, stock))
        elif isinstance(layer, specs.Residual):
            inner = _keras_layers(spec, stock, by_size, regularizer, layer.layers)
            keras_layers.append(_skip_connection(layer, inner))
        elif isinstance(layer, specs.Dropout):
            keras_layers.append(_dropout_layer(spec, layer, stock, by_size))
        elif not isinstance(layer, specs.Activation | specs.Output):
            raise DlparityError(f"keras_impl builds no {type(layer).__name__} layer yet")
    return keras_layers


def _regularizer(spec: ModelSpec, stock: bool, batch_size):
    if spec.lambd == 0:
        return None
    if batch_size is None:
        raise DlparityError("batch_size: L2's factor lambd / 2m needs the batch size m")
    if stock:
        return keras.regularizers.L2(mapping.keras_l2(spec.lambd, batch_size))
    return keras_course.CourseL2(spec.lambd, batch_size)


def build_model(
    spec: ModelSpec, *, stock: bool = False, masks=None, batch_size: int | None = None
) -> keras.Model:
    """The network as a CourseModel (a functional keras.Model), uncompiled, with Keras' initial
    weights; its output is the logits Z[L] (m, n_L).

    masks: the course's dropout masks, {"D1": (n_1, m), ...} for one batch size or
    {m: {"D1": ...}, ...} per batch size (None: the course's seed-1 masks for the batch size).
    batch_size: the m of stock L2's lambd / 2m (needed when spec.lambd > 0; the course's L2
    takes m from each batch).
    """
    backend.configure(spec.dtype)
    by_size = _masks_by_size(masks, spec) if spec.keep_prob < 1 else {}
    regularizer = _regularizer(spec, stock, batch_size)
    inputs = keras.Input(shape=spec.example_shape, dtype=spec.dtype, name="X")
    A = inputs
    for keras_layer in _keras_layers(spec, stock, by_size, regularizer):
        A = keras_layer(A)
    name = f"{spec.architecture}_{'stock' if stock else 'course'}"
    return keras_course.CourseModel(inputs, A, name=name)


def build_sequential(spec: ModelSpec) -> keras.Sequential:
    """The network as keras.Sequential, one layer after another, as C4W1's happyModel is written
    (build_model is the functional form of its convolutional_model); the same layers and weights,
    uncompiled, ending in the logits. A residual block's skip needs the functional API."""
    if any(isinstance(layer, specs.Residual) for layer in spec.layers):
        raise DlparityError(
            "build_sequential: a residual block needs the functional API (build_model)"
        )
    if spec.keep_prob < 1 or spec.lambd > 0:
        raise DlparityError("build_sequential: dropout and L2 are build_model's")
    backend.configure(spec.dtype)
    keras_layers = _keras_layers(spec, False, {}, None)
    inputs = keras.Input(shape=spec.example_shape, dtype=spec.dtype, name="X")
    return keras.Sequential([inputs, *keras_layers], name=f"{spec.architecture}_sequential")


def probabilities(ZL, spec: ModelSpec):
    """AL from the model's logits: the output activation (sigmoid or softmax over the classes)."""
    return keras.activations.get(spec.output)(ZL)


def course_regularizer(model: keras_course.CourseModel):
    """The CourseL2 shared by the model's Dense layers, or None."""
    return next(iter(model.course_l2()), None)


def make_loss(
    spec: ModelSpec, *, stock: bool = False, reduction: str = "mean", replicas: int = 1
) -> keras.losses.Loss:
    """The course's cost as a Keras loss (stock: Keras' own crossentropy). On several replicas
    the course's mean is each example's loss over the whole batch's m, summed."""
    keras_reduction = {"mean": "sum_over_batch_size", "sum": "sum", "none": "none"}[reduction]
    if not stock:
        per_global_batch = replicas > 1 and reduction == "mean"
        kwargs = {"reduction": "sum" if per_global_batch else keras_reduction,
                  "per_global_batch": per_global_batch}  # fmt: skip
        if spec.output == "sigmoid":
            return keras_course.CourseBinaryCrossentropy(**kwargs)
        return keras_course.CourseCategoricalCrossentropy(**kwargs)
    loss = (
        keras.losses.BinaryCrossentropy
        if spec.output == "sigmoid"
        else keras.losses.CategoricalCrossentropy
    )
    return loss(from_logits=True, reduction=keras_reduction)


def _stock_rate(config: TrainConfig, batches_per_epoch: int, dtype: str):
    lr0 = _float(mapping.keras_learning_rate(config), dtype)
    if config.decay == "none":
        return lr0
    kwargs = mapping.keras_inverse_time_decay_kwargs(config, batches_per_epoch)
    kwargs["decay_rate"] = _float(kwargs["decay_rate"], dtype)
    return keras.optimizers.schedules.InverseTimeDecay(lr0, **kwargs)


COURSE_OPTIMIZERS = {
    "gd": keras.optimizers.SGD,  # W -= lr dW: stock SGD is the course's formula
    "momentum": keras_course.CourseSGD,
    "rmsprop": keras_course.CourseRMSprop,
    "adam": keras_course.CourseAdam,
    "adamw": keras_course.CourseAdamW,
}


def make_optimizer(
    config: TrainConfig, *, stock: bool = False, batches_per_epoch: int = 1, dtype="float64"
) -> keras.optimizers.Optimizer:
    """Course-exact Keras optimizer for config, or (stock) Keras' own with the closest mapping."""
    backend.configure(dtype)
    kwargs = {k: _float(v, dtype) for k, v in mapping.keras_optimizer_kwargs(config).items()}
    if stock:
        optimizer = getattr(keras.optimizers, registry.OPTIMIZERS[config.optimizer].keras)
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
    replicas: int = 1,
) -> keras.Model:
    """model.compile with the course's loss and config's optimizer (no config: plain SGD);
    replicas: how many devices model.fit will split each batch over."""
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
        loss=make_loss(spec, stock=stock, reduction=loss_reduction, replicas=replicas),
        metrics=metrics,
        steps_per_execution=steps_per_execution,
        jit_compile=backend.JIT_COMPILE,
    )
    return model


# ---------------------------------------------------------------- the contract


_MODELS: dict = {}  # spec -> its compiled course-exact model, reused by every contract call


def _loaded_model(params, X, spec: ModelSpec, *, training, masks, bn_state):
    """The spec's course-exact model, built and compiled once, holding params (and running
    statistics) and this batch's dropout masks."""
    m = X.shape[spec.examples_axis]
    if spec not in _MODELS:
        _MODELS[spec] = compile_model(build_model(spec, batch_size=m), spec)
    model = _MODELS[spec]
    if masks is not None:
        for l, mask in enumerate(layout.to_keras_masks(masks, spec), start=1):
            model.get_layer(f"dropout{l}").masks = {m: mask}
    model.set_weights(layout.to_keras_weights(params, spec, bn_state))
    return model


def _bn_state_of(model: keras.Model, spec: ModelSpec, bn_state) -> dict:
    if not spec.running_statistics:
        return bn_state if bn_state is not None else {}
    return layout.from_keras_weights(model.get_weights(), spec)[1]


def _inputs(X, spec: ModelSpec):
    return ops.convert_to_tensor(layout.to_keras_inputs(np.asarray(X, dtype=spec.dtype), spec))


def _labels(Y, spec: ModelSpec):
    return ops.convert_to_tensor(layout.to_keras_labels(np.asarray(Y, dtype=spec.dtype), spec))


def forward(params, X, spec: ModelSpec, *, training, masks=None, bn_state=None):
    """Forward pass through the Keras model. Returns (AL (n_y, m), new bn_state)."""
    params, X, _, masks, bn_state = contract.arguments(
        spec, params, X, training=training, masks=masks, bn_state=bn_state
    )
    model = _loaded_model(params, X, spec, training=training, masks=masks, bn_state=bn_state)
    AL = probabilities(model(_inputs(X, spec), training=training), spec)
    return layout.from_keras_outputs(np.asarray(AL), spec), _bn_state_of(model, spec, bn_state)


def compute_cost(params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None) -> float:
    """Training-mode cost J (mean over the m examples, plus L2 when spec.lambd > 0)."""
    params, X, Y, masks, bn_state = contract.arguments(
        spec, params, X, Y, training=True, masks=masks, bn_state=bn_state
    )
    model = _loaded_model(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    x, y = _inputs(X, spec), _labels(Y, spec)
    return float(model.compute_loss(x=x, y=y, y_pred=model(x, training=True)))


def gradients(params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None):
    """One training-mode pass, differentiated by the backend (tf.GradientTape or jax.grad) as
    model.fit does. Returns (cost, grads, new bn_state)."""
    params, X, Y, masks, bn_state = contract.arguments(
        spec, params, X, Y, training=True, masks=masks, bn_state=bn_state
    )
    model = _loaded_model(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    cost, keras_grads = backend.value_and_grad(model, _inputs(X, spec), _labels(Y, spec))
    grads = layout.from_keras_gradients([np.asarray(g) for g in keras_grads], spec)
    return float(cost), grads, _bn_state_of(model, spec, bn_state)


def predict(params, X, spec: ModelSpec, *, bn_state=None) -> np.ndarray:
    """Labels (1, m), NumPy float64: AL > 0.5 for a sigmoid output, the argmax class for softmax."""
    AL, _ = forward(params, X, spec, training=False, bn_state=bn_state)
    return contract.predictions(AL, spec)


def gradient_check(
    params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None, epsilon=1e-7
) -> float:
    """Difference between the tape's gradients and centered differences of the Keras cost."""
    _, grads, _ = gradients(params, X, Y, spec, masks=masks, bn_state=bn_state)
    model = _loaded_model(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    XT, YT = _inputs(X, spec), _labels(Y, spec)

    def cost(p):
        model.set_weights(layout.to_keras_weights(p, spec, bn_state))
        return float(model.compute_loss(x=XT, y=YT, y_pred=model(XT, training=True)))

    return gradient_difference(cost, params, grads, parameter_keys(spec), epsilon)
