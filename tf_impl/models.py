"""The four architectures through one L-layer code path, in TensorFlow.

logistic    [n_x, 1]                 LINEAR -> SIGMOID
two_layer   [n_x, n_h, n_y]          LINEAR -> tanh|relu -> LINEAR -> SIGMOID
deep        [n_x, n_1, ..., n_L]     (LINEAR -> RELU [-> DROPOUT]) x (L-1) -> LINEAR -> SIGMOID|SOFTMAX
softmax_bn  [n_x, n_1, ..., n_L]     (LINEAR(no b) -> BATCHNORM -> RELU) x (L-1) -> LINEAR -> SOFTMAX

X is (n_x, m); Y is (1, m) for sigmoid, one-hot (C, m) for softmax. Inputs may be NumPy arrays,
tensors or tf.Variables; they are used in spec.dtype. The backward pass is tf.GradientTape's.
"""

import numpy as np
import tensorflow as tf

from dlparity import DlparityError
from dlparity.checks import check_inputs
from dlparity.rng import dropout_masks
from dlparity.spec import ModelSpec
from tf_impl import activations, layers, losses
from tf_impl.precision import hyper, tensor


def _as_tensors(arrays: dict, dtype: str) -> dict:
    return {key: tensor(value, dtype) for key, value in arrays.items()}


def _check_masks(masks, spec: ModelSpec, m) -> None:
    for l in range(1, spec.num_layers):
        key, shape = f"D{l}", (spec.layer_dims[l], m)
        if key not in masks:
            raise DlparityError(f"masks: missing {key} for layer_dims {spec.layer_dims}")
        if tuple(masks[key].shape) != shape:
            raise DlparityError(
                f"masks: {key} has shape {tuple(masks[key].shape)}, expected {shape}"
            )


def _check_bn_state(bn_state, spec: ModelSpec) -> None:
    for l in range(1, spec.num_layers):
        for key in (f"mu{l}", f"var{l}"):
            if key not in bn_state:
                raise DlparityError(f"bn_state: missing {key} (dlparity.init.initial_bn_state)")
            if tuple(bn_state[key].shape) != (spec.layer_dims[l], 1):
                raise DlparityError(
                    f"bn_state: {key} has shape {tuple(bn_state[key].shape)}, "
                    f"expected {(spec.layer_dims[l], 1)}"
                )


def _masks_for(spec: ModelSpec, m: int, masks, training: bool):
    if not training or spec.keep_prob >= 1:
        return None
    # the course's convention when none are given: re-seeded with 1 on every forward pass
    if masks is None:
        masks = dropout_masks(spec.layer_dims, m, spec.keep_prob)
    _check_masks(masks, spec, m)
    return _as_tensors(masks, spec.dtype)


def _hidden_layer(A_prev, params, l, spec, *, training, D, bn_state):
    """One hidden layer. Returns A_l and its batch statistics (or None)."""
    if spec.batchnorm:
        Z = layers.linear_forward(A_prev, params[f"W{l}"])
        running = (None, None) if training else (bn_state[f"mu{l}"], bn_state[f"var{l}"])
        epsilon = hyper(spec.bn_epsilon, spec.dtype)
        Z, stats = layers.batchnorm_forward(
            Z, params[f"gamma{l}"], params[f"beta{l}"], epsilon, mu=running[0], var=running[1]
        )
    else:
        Z, stats = layers.linear_forward(A_prev, params[f"W{l}"], params[f"b{l}"]), None
    A = activations.HIDDEN[spec.hidden_activation](Z)
    if D is not None:
        A = layers.dropout_forward(A, D, hyper(spec.keep_prob, spec.dtype))
    return A, stats


def _updated_bn_state(all_stats, spec, bn_state):
    """Running averages: running * momentum + batch * (1 - momentum), as Keras does."""
    momentum, rest = hyper(spec.bn_momentum, spec.dtype), hyper(1 - spec.bn_momentum, spec.dtype)
    new = {}
    for l, (mu, var) in enumerate(all_stats, start=1):
        new[f"mu{l}"] = bn_state[f"mu{l}"] * momentum + mu * rest
        new[f"var{l}"] = bn_state[f"var{l}"] * momentum + var * rest
    return new


def _forward(params, X, spec: ModelSpec, *, training, masks, bn_state):
    """Forward pass on tensors. Returns (AL, ZL, new bn_state)."""
    masks = _masks_for(spec, X.shape[1], masks, training)
    A, all_stats = X, []
    for l in range(1, spec.num_layers):
        D = masks[f"D{l}"] if masks is not None else None
        A, stats = _hidden_layer(A, params, l, spec, training=training, D=D, bn_state=bn_state)
        all_stats.append(stats)
    L = spec.num_layers
    ZL = layers.linear_forward(A, params[f"W{L}"], params[f"b{L}"])
    AL = activations.sigmoid(ZL) if spec.output == "sigmoid" else activations.softmax(ZL)
    if spec.batchnorm and training and bn_state is not None:
        bn_state = _updated_bn_state(all_stats, spec, bn_state)
    return AL, ZL, bn_state if bn_state is not None else {}


def _prepare(params, X, spec, Y=None, bn_state=None):
    """Inputs as tensors of spec.dtype, shapes checked."""
    X = tensor(X, spec.dtype)
    Y = None if Y is None else tensor(Y, spec.dtype)
    check_inputs(params, X, spec, Y)
    if bn_state is not None and spec.batchnorm:
        _check_bn_state(bn_state, spec)
        bn_state = _as_tensors(bn_state, spec.dtype)
    return _as_tensors(params, spec.dtype), X, Y, bn_state


def forward(params, X, spec: ModelSpec, *, training, masks=None, bn_state=None):
    """Forward pass. Returns (AL, bn_state).

    training=True uses dropout masks (given, or the course's seed-1 masks) and batch statistics,
    and returns the running statistics updated by them ({} when none were given);
    training=False uses no dropout and the running statistics in bn_state, returned as given.
    """
    # aux is the new bn_state, not caches: the tape keeps what backward needs
    if spec.batchnorm and not training and bn_state is None:
        raise DlparityError("bn_state: inference with batch norm needs the running statistics")
    params, X, _, bn_state = _prepare(params, X, spec, bn_state=bn_state)
    AL, _, bn_state = _forward(params, X, spec, training=training, masks=masks, bn_state=bn_state)
    return AL, bn_state


def _cost_from(AL, ZL, Y, params, spec):
    if spec.output == "sigmoid":
        cost = losses.binary_cross_entropy(ZL, Y)
    else:
        cost = losses.softmax_cross_entropy(ZL, Y)
    if spec.lambd > 0:
        m = tf.cast(tf.shape(Y)[1], Y.dtype)
        cost += losses.l2_penalty(params, hyper(spec.lambd, spec.dtype), m)
    return cost


def _cost_and_state(params, X, Y, spec, masks, bn_state):
    AL, ZL, bn_state = _forward(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    return _cost_from(AL, ZL, Y, params, spec), bn_state


def compute_cost(params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None):
    """Training-mode cost J (mean over the m examples, plus L2 when spec.lambd > 0)."""
    params, X, Y, bn_state = _prepare(params, X, spec, Y, bn_state)
    return _cost_and_state(params, X, Y, spec, masks, bn_state)[0]


def gradients(params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None):
    """One training-mode forward pass under a GradientTape. Returns (cost, grads, new bn_state)."""
    if spec.batchnorm and bn_state is None:
        raise DlparityError(
            "bn_state: batch norm needs running statistics (dlparity.init.initial_bn_state)"
        )
    order = list(params)
    params, X, Y, bn_state = _prepare(params, X, spec, Y, bn_state)
    with tf.GradientTape() as tape:
        tape.watch(params)
        cost, bn_state = _cost_and_state(params, X, Y, spec, masks, bn_state)
    grads = tape.gradient(cost, params)
    return cost, {key: grads[key] for key in order}, bn_state


def predict(params, X, spec: ModelSpec, *, bn_state=None):
    """Labels (1, m) as a NumPy array: 1 where the sigmoid output exceeds 0.5, or the argmax class."""
    AL, _ = forward(params, X, spec, training=False, bn_state=bn_state)
    if spec.output == "sigmoid":
        return (AL > 0.5).numpy().astype(np.float64)
    return tf.argmax(AL, axis=0).numpy().reshape(1, -1).astype(np.float64)
