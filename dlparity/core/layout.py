"""Weight ports between the course layout and Keras', and weights checkpoints. NumPy only.

Course: W_l (n_l, n_{l-1}), b_l (n_l, 1), gamma_l / beta_l (n_l, 1), X (n_x, m), Y (n_y, m).
Keras:  kernel (n_in, n_out) = W^T, bias (n,), BatchNormalization [gamma, beta, moving_mean,
moving_variance] each (n,), inputs (m, n_x) = X^T. A convolution's W_l (f, f, n_C_prev, n_C) is
Keras' kernel as it is, its b_l (1, 1, 1, n_C) the bias (n_C,), images (m, n_H, n_W, n_C) the
inputs as they are. Every shape is checked on the way in and out.
"""

from __future__ import annotations

import numpy as np

from dlparity.core import layers
from dlparity.core.checks import check_bn_state, check_params, expected_shapes
from dlparity.core.errors import DlparityError
from dlparity.core.init import initial_bn_state, parameter_keys
from dlparity.core.spec import ModelSpec


def keras_slots(spec: ModelSpec, *, trainable_only: bool = False) -> list[tuple[str, tuple]]:
    """(course key, Keras shape) in the order of model.get_weights() (or trainable_weights)."""
    slots = []
    for layer in layers.flat(spec.layers):
        if isinstance(layer, layers.Dense):
            slots.append((f"W{layer.l}", (layer.n_in, layer.units)))
            if layer.use_bias:
                slots.append((f"b{layer.l}", (layer.units,)))
        elif isinstance(layer, layers.Conv2D):
            slots.append((f"W{layer.l}", (layer.f, layer.f, layer.n_C_prev, layer.n_C)))
            if layer.use_bias:
                slots.append((f"b{layer.l}", (layer.n_C,)))
        elif isinstance(layer, layers.BatchNorm):
            names = ("gamma", "beta") if trainable_only else ("gamma", "beta", "mu", "var")
            slots += [(f"{name}{layer.l}", (layer.units,)) for name in names]
    return slots


def _to_keras(key: str, value) -> np.ndarray:
    """A dense W_l is Keras' kernel transposed; a convolution's W_l (f, f, n_C_prev, n_C) is its
    kernel as it is (HWIO); the rest are vectors."""
    value = np.asarray(value)
    if key.startswith("W"):
        return np.ascontiguousarray(value.T if value.ndim == 2 else value)
    return np.ascontiguousarray(value.reshape(-1))


def _from_keras(key: str, value, course_shape) -> np.ndarray:
    value = np.asarray(value)
    transposed = value.ndim == 2 and key.startswith("W")
    return np.ascontiguousarray(value.T if transposed else value.reshape(course_shape))


def to_keras_weights(params, spec: ModelSpec, bn_state=None) -> list[np.ndarray]:
    """Course params (+ running statistics) -> the list model.set_weights() takes.

    Without bn_state a batch-norm model gets Keras' starting statistics (mean 0, variance 1).
    """
    check_params(params, spec)
    if spec.running_statistics:
        bn_state = initial_bn_state(spec) if bn_state is None else bn_state
        check_bn_state(bn_state, spec)
    values = {**params, **(bn_state or {})}
    return [_to_keras(key, values[key]) for key, _ in keras_slots(spec)]


def _check_keras_list(arrays, slots, what: str) -> None:
    if not isinstance(arrays, list | tuple):
        raise DlparityError(f"{what}: expected a list of arrays, got {type(arrays).__name__}")
    if len(arrays) != len(slots):
        names = ", ".join(key for key, _ in slots)
        raise DlparityError(f"{what}: {len(arrays)} arrays, expected {len(slots)} ({names})")
    for (key, shape), array in zip(slots, arrays, strict=True):
        if tuple(np.shape(array)) != shape:
            raise DlparityError(
                f"{what}: {key} has Keras shape {tuple(np.shape(array))}, expected {shape}"
            )


def from_keras_weights(weights, spec: ModelSpec) -> tuple[dict, dict]:
    """model.get_weights() -> (params, bn_state) in the course layout."""
    slots = keras_slots(spec)
    _check_keras_list(weights, slots, "Keras weights")
    shapes = {**expected_shapes(spec), **{k: v.shape for k, v in initial_bn_state(spec).items()}}
    course = {
        key: _from_keras(key, w, shapes[key]) for (key, _), w in zip(slots, weights, strict=True)
    }
    params = {key: course[key] for key in parameter_keys(spec)}
    bn_state = {key: course[key] for key in initial_bn_state(spec)}
    return params, bn_state


def from_keras_gradients(grads, spec: ModelSpec) -> dict:
    """Gradients in model.trainable_weights order -> course grads (dW = dkernel^T, db = dbias)."""
    slots = keras_slots(spec, trainable_only=True)
    _check_keras_list(grads, slots, "Keras gradients")
    shapes = expected_shapes(spec)
    course = {
        key: _from_keras(key, g, shapes[key]) for (key, _), g in zip(slots, grads, strict=True)
    }
    return {key: course[key] for key in parameter_keys(spec)}


def _examples_to_rows(array, n: int, name: str) -> np.ndarray:
    """A course-layout (n, m) array as Keras' (m, n), shape checked."""
    array = np.asarray(array)
    if array.ndim != 2 or array.shape[0] != n:
        raise DlparityError(
            f"{name}: shape {array.shape}, expected ({n}, m) with examples as columns"
        )
    return np.ascontiguousarray(array.T)


def to_keras_inputs(X, spec: ModelSpec) -> np.ndarray:
    """X (n_x, m) -> Keras inputs (m, n_x); a convnet's images (m, n_H, n_W, n_C) as they are."""
    if spec.examples_axis == 1:
        return _examples_to_rows(X, spec.layer_dims[0], "X")
    X = np.asarray(X)
    if X.shape[1:] != spec.example_shape:
        expected = ", ".join(map(str, spec.example_shape))
        raise DlparityError(f"X: shape {X.shape}, expected (m, {expected}) with examples first")
    return np.ascontiguousarray(X)


def to_keras_labels(Y, spec: ModelSpec) -> np.ndarray:
    """Y (n_y, m) -> Keras targets (m, n_y)."""
    return _examples_to_rows(Y, spec.layer_dims[-1], "Y")


def from_keras_outputs(A, spec: ModelSpec) -> np.ndarray:
    """Keras outputs (m, n_y) -> course layout (n_y, m)."""
    A = np.asarray(A)
    n_y = spec.layer_dims[-1]
    if A.ndim != 2 or A.shape[1] != n_y:
        raise DlparityError(f"Keras outputs: shape {A.shape}, expected (m, {n_y})")
    return np.ascontiguousarray(A.T)


def to_keras_masks(masks, spec: ModelSpec) -> list[np.ndarray]:
    """Course dropout masks {"D1": (n_1, m), ...} -> one (m, n_l) mask per hidden layer."""
    hidden = range(1, spec.num_layers)
    if not isinstance(masks, dict):
        raise DlparityError(f"masks: expected a dict of D1..D{spec.num_layers - 1}, got {masks!r}")
    missing = [f"D{l}" for l in hidden if f"D{l}" not in masks]
    if missing:
        raise DlparityError(f"masks: missing {', '.join(missing)} for layer_dims {spec.layer_dims}")
    extra = [k for k in masks if k not in {f"D{l}" for l in hidden}]
    if extra:
        raise DlparityError(f"masks: unexpected keys {', '.join(map(str, extra))}")
    m = np.shape(masks["D1"])[1] if np.ndim(masks["D1"]) == 2 else None
    out = []
    for l in hidden:
        shape = (spec.layer_dims[l], m)
        if m is None or tuple(np.shape(masks[f"D{l}"])) != shape:
            raise DlparityError(
                f"masks: D{l} has shape {tuple(np.shape(masks[f'D{l}']))}, expected {shape}"
            )
        out.append(np.ascontiguousarray(np.asarray(masks[f"D{l}"]).T))
    return out
