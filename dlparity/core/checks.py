"""Shape checks of dicts of arrays and of train()'s arguments; dlparity.core.contract builds on them.

They read only .shape, so they work on NumPy, JAX and TensorFlow arrays alike (and on traced
arrays inside jit / tf.function).
"""

from __future__ import annotations

import numpy as np

from dlparity.core import layers
from dlparity.core.errors import DlparityError
from dlparity.core.init import initial_bn_state
from dlparity.core.spec import ModelSpec, TrainConfig


def expected_shapes(spec: ModelSpec) -> dict[str, tuple[int, ...]]:
    """Every parameter's shape, in forward order: what the spec's layers own."""
    return layers.parameter_shapes(spec.layers)


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


def check_spec(spec) -> None:
    if not isinstance(spec, ModelSpec):
        raise DlparityError(f"spec: expected a ModelSpec, got {type(spec).__name__}")


def check_bn_state(bn_state, spec: ModelSpec) -> None:
    """bn_state holds exactly mu_l, var_l (n_l, 1) for every batch-norm layer."""
    expected = {k: v.shape for k, v in initial_bn_state(spec).items()}
    check_arrays("bn_state", bn_state, expected, spec)


RANDOMNESS = ("parity", "native")  # train()'s randomness= (dlparity.core.driver)


# data-parallel devices, at most: XLA aborted the process simulating 1024 host devices
MAX_DEVICES = 64


def check_devices(devices) -> int | None:
    """devices as given to train(): None (no mesh, one device) or a positive integer."""
    if devices is None:
        return None
    if isinstance(devices, bool) or not isinstance(devices, int) or devices < 1:
        raise DlparityError(f"devices: must be a positive integer, got {devices!r}")
    if devices > MAX_DEVICES:
        raise DlparityError(f"devices: at most {MAX_DEVICES}, got {devices}")
    return int(devices)


def check_train_call(spec, config, data, progress) -> None:
    """The arguments of every framework's train(): types first, so mistakes are named."""
    check_spec(spec)
    if not isinstance(config, TrainConfig):
        raise DlparityError(f"config: expected a TrainConfig, got {type(config).__name__}")
    if not isinstance(data, tuple | list) or len(data) != 2:
        raise DlparityError("data: expected a pair (X, Y)")
    if progress is not None and not callable(progress):
        raise DlparityError(f"progress: expected a function progress(step, cost), got {progress!r}")
