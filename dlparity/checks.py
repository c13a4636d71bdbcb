"""Input checks shared by every framework: a clear DlparityError instead of a deep traceback.

The shape checks read only .shape, so they work on NumPy, JAX and TensorFlow arrays alike
(and on traced arrays inside jit / tf.function).
"""

from __future__ import annotations

import re

import numpy as np

from dlparity import DlparityError
from dlparity.init import initial_bn_state, parameter_keys
from dlparity.spec import ModelSpec, TrainConfig


def expected_shapes(spec: ModelSpec) -> dict[str, tuple[int, int]]:
    dims, shapes = spec.layer_dims, {}
    for key in parameter_keys(spec):
        l = int(re.sub(r"\D", "", key))
        shapes[key] = (dims[l], dims[l - 1]) if key.startswith("W") else (dims[l], 1)
    return shapes


def check_arrays(name: str, arrays, expected: dict, spec: ModelSpec) -> None:
    """A dict holding exactly the expected keys, each with its expected shape."""
    if not isinstance(arrays, dict):
        raise DlparityError(f"{name}: expected a dict, got {type(arrays).__name__}")
    missing = [k for k in expected if k not in arrays]
    if missing:
        raise DlparityError(
            f"{name}: missing {', '.join(missing)} for layer_dims {spec.layer_dims}"
        )
    extra = [k for k in arrays if k not in expected]
    if extra:
        raise DlparityError(
            f"{name}: unexpected keys {', '.join(extra)} for this {spec.architecture}"
        )
    for key, shape in expected.items():
        if tuple(np.shape(arrays[key])) != shape:
            raise DlparityError(
                f"{name}: {key} has shape {tuple(np.shape(arrays[key]))}, expected {shape}"
            )


def check_params(params, spec: ModelSpec) -> None:
    """Every parameter of the spec present with its course-layout shape, and no stray keys."""
    check_arrays("params", params, expected_shapes(spec), spec)


def check_bn_state(bn_state, spec: ModelSpec) -> None:
    """bn_state holds exactly mu_l, var_l (n_l, 1) for every batch-norm layer."""
    expected = {k: v.shape for k, v in initial_bn_state(spec).items()}
    check_arrays("bn_state", bn_state, expected, spec)


def check_inputs(params, X, spec: ModelSpec, Y=None) -> None:
    """Shapes of params, X (n_x, m) and, when given, Y (n_y, m)."""
    check_params(params, spec)
    n_x, n_y = spec.layer_dims[0], spec.layer_dims[-1]
    if len(X.shape) != 2 or X.shape[0] != n_x:
        raise DlparityError(
            f"X: shape {tuple(X.shape)}, expected ({n_x}, m) with examples as columns"
        )
    if Y is not None and tuple(Y.shape) != (n_y, X.shape[1]):
        raise DlparityError(f"Y: shape {tuple(Y.shape)}, expected ({n_y}, {X.shape[1]}) to match X")


def check_data(spec: ModelSpec, X, Y) -> None:
    """Training data: shapes, a floating dtype, finite values and labels in {0, 1} (one-hot)."""
    X, Y = np.asarray(X), np.asarray(Y)
    for name, array in (("X", X), ("Y", Y)):
        if not np.issubdtype(array.dtype, np.floating):
            raise DlparityError(f"{name}: dtype {array.dtype}, expected a floating dtype")
        if not np.all(np.isfinite(array)):
            raise DlparityError(f"{name}: contains NaN or infinite values")
    n_x, n_y = spec.layer_dims[0], spec.layer_dims[-1]
    if X.ndim != 2 or X.shape[0] != n_x:
        raise DlparityError(f"X: shape {X.shape}, expected ({n_x}, m) with examples as columns")
    if Y.shape != (n_y, X.shape[1]):
        raise DlparityError(f"Y: shape {Y.shape}, expected ({n_y}, {X.shape[1]}) to match X")
    if X.shape[1] == 0:
        raise DlparityError("X: no examples")
    if not np.all((Y == 0) | (Y == 1)):
        raise DlparityError(f"Y: labels must be 0 or 1, found {np.unique(Y)[:5].tolist()}")
    if spec.output == "softmax" and not np.all(Y.sum(axis=0) == 1):
        raise DlparityError("Y: softmax labels must be one-hot, one 1 per column")


def check_train_call(spec, config, data, progress) -> None:
    """The arguments of every framework's train(): types first, so mistakes are named."""
    if not isinstance(spec, ModelSpec):
        raise DlparityError(f"spec: expected a ModelSpec, got {type(spec).__name__}")
    if not isinstance(config, TrainConfig):
        raise DlparityError(f"config: expected a TrainConfig, got {type(config).__name__}")
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise DlparityError("data: expected a pair (X, Y)")
    if progress is not None and not callable(progress):
        raise DlparityError(f"progress: expected a function progress(step, cost), got {progress!r}")
