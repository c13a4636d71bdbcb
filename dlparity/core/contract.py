"""The contract boundary: every public model function's inputs, checked and converted once.

The packages' models.py call `arguments` first and then hold only the course's math. The rules
are the same in every package, for NumPy arrays, nested lists, JAX arrays and TF tensors:

- X: floating-point numbers of at least the spec's precision (float32 data under a float64
  spec would carry float32's digits into a float64 run), shape (n_x, m) with m > 0, finite; a
  convnet's images (m, n_H, n_W, n_C).
- Y: labels (n_y, m), 0 or 1, one-hot for softmax; bool and integer labels are converted.
- params, bn_state: dicts with exactly the expected keys and shapes, finite floats (a wider
  float is narrowed to a float32 spec); bn_state defaults to the initial (0, 1) statistics in
  training mode and is required for inference.
- masks: D1..D(L-1) of shape (n_l, m), 0 or 1; when dropout is on and none are given, the
  course's masks (re-seeded with 1 on every call).

NumPy arrays and lists come back as NumPy arrays of the spec's dtype; a framework's own arrays
come back as given, for the package to convert. Inside jit or tf.function (traced values) only
shapes and dtypes are checked: the values do not exist yet.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from dlparity.core.checks import check_arrays, check_params, check_spec
from dlparity.core.errors import DlparityError
from dlparity.core.init import initial_bn_state
from dlparity.core.layers import mask_shapes
from dlparity.core.rng import dropout_masks
from dlparity.core.spec import ModelSpec


class Arguments(NamedTuple):
    params: dict
    X: Any
    Y: Any
    masks: dict | None
    bn_state: dict | None


def arguments(
    spec: ModelSpec, params, X, Y=None, *, training: bool, masks=None, bn_state=None
) -> Arguments:
    """The checked and converted inputs of forward, compute_cost, gradients and predict."""
    check_spec(spec)
    check_params(params, spec)
    params = {key: floats(f"params: {key}", value, spec) for key, value in params.items()}
    X = examples(X, spec)
    m = X.shape[spec.examples_axis]
    Y = None if Y is None else labels(Y, spec, m)
    masks = _masks(masks, spec, m) if training and mask_shapes(spec.layers, m) else None
    bn_state = _bn_state(bn_state, spec, training) if spec.running_statistics else None
    return Arguments(params, X, Y, masks, bn_state)


def convert(arguments: Arguments, as_array) -> Arguments:
    """arguments with every array passed through as_array (a framework's conversion), key order
    kept (jax.tree.map would sort the keys)."""

    def one(value):
        if isinstance(value, dict):
            return {key: as_array(array) for key, array in value.items()}
        return None if value is None else as_array(value)

    return Arguments(*(one(value) for value in arguments))


def training_data(spec: ModelSpec, X, Y) -> tuple[np.ndarray, np.ndarray]:
    """train()'s data, checked once for the whole run, as NumPy arrays of the spec's dtype."""
    X = np.asarray(examples(X, spec))
    return X, np.asarray(labels(Y, spec, X.shape[spec.examples_axis]))


def predictions(AL, spec: ModelSpec) -> np.ndarray:
    """Labels (1, m) as NumPy float64: AL > 0.5 for a sigmoid output, the argmax class for softmax."""
    AL = np.asarray(AL)
    if spec.output == "sigmoid":
        return (AL > 0.5).astype(np.float64)
    return np.argmax(AL, axis=0).reshape(1, -1).astype(np.float64)


def layer_values(layers) -> dict:
    """[(Z1, A1), ..., (ZL, AL)] -> {Z1, A1, ..., ZL, AL}, in forward order."""
    values = {}
    for l, (Z, A) in enumerate(layers, start=1):
        values[f"Z{l}"], values[f"A{l}"] = Z, A
    return values


def in_order(tree: dict, like: dict) -> dict:
    """tree with like's key order (jax.jit and tapes may hand dicts back sorted)."""
    return {key: tree[key] for key in like}


def _array(what: str, value):
    """value itself when it is a framework's array, else np.asarray(value); a line if neither."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return value
    try:
        return np.asarray(value)
    except (ValueError, TypeError):
        raise DlparityError(f"{what}: not an array of numbers (ragged or mixed)") from None


def _dtype(value) -> np.dtype:
    dtype = getattr(value.dtype, "as_numpy_dtype", value.dtype)  # tf.float64 -> np.float64
    return np.dtype(dtype)


def _concrete(value) -> np.ndarray | None:
    """The values of an array, or None for a traced one (inside jit or tf.function)."""
    if isinstance(value, np.ndarray):
        return value
    try:
        return np.asarray(value)
    except Exception:  # each framework raises its own type for a tracer
        return None


def _finish(value, spec: ModelSpec):
    return value.astype(spec.dtype, copy=False) if isinstance(value, np.ndarray) else value


def floats(what: str, value, spec: ModelSpec):
    """Finite floating-point values of at least the spec's precision."""
    value = _array(what, value)
    dtype = _dtype(value)
    if dtype.kind != "f":
        hint = " (course images are scaled to floats: X / 255)" if dtype.kind in "iub" else ""
        raise DlparityError(f"{what}: dtype {dtype}, expected floating-point numbers{hint}")
    if dtype.itemsize < np.dtype(spec.dtype).itemsize:
        raise DlparityError(
            f"{what}: {dtype} values under a {spec.dtype} spec lose digits the run needs: "
            f"convert with .astype('{spec.dtype}'), or use spec.with_dtype('{dtype}')"
        )
    values = _concrete(value)
    if values is not None and not np.all(np.isfinite(values)):
        raise DlparityError(f"{what}: contains NaN or infinite values")
    return _finish(value, spec)


def examples(X, spec: ModelSpec):
    """X (n_x, m), or a convnet's images (m, n_H, n_W, n_C), m > 0, as floats."""
    X = _array("X", X)
    axis, expected = spec.examples_axis, spec.x_shape("m")
    shape = tuple(X.shape)
    if len(shape) != len(expected) or any(
        n != want for i, (n, want) in enumerate(zip(shape, expected, strict=True)) if i != axis
    ):
        layout = "examples as columns" if axis == 1 else "examples first, channels last"
        shown = "(" + ", ".join(map(str, expected)) + ")"
        raise DlparityError(f"X: shape {shape}, expected {shown} with {layout}")
    if shape[axis] == 0:
        raise DlparityError("X: no examples (m = 0)")
    return floats("X", X, spec)


def labels(Y, spec: ModelSpec, m: int):
    """Y (n_y, m) of 0s and 1s, one-hot for softmax; bool and integer labels converted."""
    Y = _array("Y", Y)
    n_y = spec.layer_dims[-1]
    if tuple(Y.shape) != (n_y, m):
        raise DlparityError(f"Y: shape {tuple(Y.shape)}, expected ({n_y}, {m}) to match X")
    if _dtype(Y).kind not in "biuf":
        raise DlparityError(f"Y: dtype {_dtype(Y)}, expected 0/1 labels")
    values = _concrete(Y)
    if values is not None:
        if not np.all((values == 0) | (values == 1)):
            found = np.unique(values)[:5].tolist()
            raise DlparityError(f"Y: labels must be 0 or 1, found {found}")
        if spec.output == "softmax" and not np.all(values.sum(axis=0) == 1):
            raise DlparityError("Y: softmax labels must be one-hot, one 1 per column")
    return Y.astype(spec.dtype) if isinstance(Y, np.ndarray) else Y


def _masks(masks, spec: ModelSpec, m: int) -> dict:
    if masks is None:
        return dropout_masks(spec.layers, m, dtype=spec.dtype)
    check_arrays("masks", masks, mask_shapes(spec.layers, m), spec)
    out = {}
    for key, value in masks.items():
        value = _array(f"masks: {key}", value)
        values = _concrete(value)
        if values is not None and not np.all((values == 0) | (values == 1)):
            raise DlparityError(f"masks: {key} must hold 0s and 1s")
        out[key] = _finish(value, spec)
    return out


def _bn_state(bn_state, spec: ModelSpec, training: bool) -> dict:
    if bn_state is None:
        if not training:
            raise DlparityError("bn_state: inference with batch norm needs the running statistics")
        return initial_bn_state(spec)
    expected = {key: value.shape for key, value in initial_bn_state(spec).items()}
    check_arrays("bn_state", bn_state, expected, spec)
    state = {key: floats(f"bn_state: {key}", bn_state[key], spec) for key in expected}
    for key in expected:
        values = _concrete(state[key]) if key.startswith("var") else None
        if values is not None and np.any(values < 0):
            raise DlparityError(f"bn_state: {key} has negative variances")
    return state
