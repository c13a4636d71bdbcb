"""Where a training run stands (TrainState): every framework's train() starts from one (start=)
and returns the one it reached (result.end), in the course's terms; checked here, once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlparity.core.checks import check_arrays, check_params, expected_shapes
from dlparity.core.errors import DlparityError
from dlparity.core.init import initial_bn_state
from dlparity.core.registry import OPTIMIZERS
from dlparity.core.spec import ModelSpec, TrainConfig

# the optimizer's arrays in course terms (v, s); Adam's count t apart
SLOTS = {name: tuple(x for x in info.state if x != "t") for name, info in OPTIMIZERS.items()}


@dataclass(frozen=True)
class TrainState:
    """A run after `step` outer steps (iterations or epochs): where step `step` starts.

    params, bn_state: course layout (bn_state {} without batch norm). optimizer, in the course's
    terms: {} for gd, {"v": {...}} momentum, {"s": {...}} RMSprop, {"v": {...}, "s": {...},
    "t": updates so far} Adam; v and s have the keys and shapes of params.
    """

    params: dict
    bn_state: dict
    optimizer: dict
    step: int


def counts_updates(config: TrainConfig) -> bool:
    return "t" in OPTIMIZERS[config.optimizer].state


def initial_optimizer_state(config: TrainConfig, params, dtype="float64") -> dict:
    """The course's starting state: v = 0, s = 0 (shaped like params), t = 0."""
    state = {
        slot: {k: np.zeros(np.shape(v), dtype) for k, v in params.items()}
        for slot in SLOTS[config.optimizer]
    }
    if counts_updates(config):
        state["t"] = 0
    return state


def map_optimizer(optimizer: dict, fn) -> dict:
    """The optimizer state in course terms with fn applied to every array of v and s (t kept)."""
    return {
        slot: value if slot == "t" else {k: fn(v) for k, v in value.items()}
        for slot, value in optimizer.items()
    }


def check_step(step, config: TrainConfig, *, resumable: bool) -> None:
    """0 <= step <= steps; step < steps when a run is to continue from it."""
    if isinstance(step, bool) or not isinstance(step, int | np.integer) or step < 0:
        raise DlparityError(f"step: must be a non-negative integer, got {step!r}")
    steps, name = config.steps, config.step_name
    if step > steps:
        raise DlparityError(f"step {step} is beyond the run's end ({steps} {name}s)")
    if resumable and step == steps:
        raise DlparityError(f"step {step} is the run's end ({steps} {name}s): nothing to train")


def _check_floats(name: str, arrays: dict) -> None:
    for key, value in arrays.items():
        finite_floats(f"{name}: {key}", np.asarray(value))


def finite_floats(what: str, value: np.ndarray) -> None:
    if not np.issubdtype(value.dtype, np.floating):
        raise DlparityError(f"{what} has dtype {value.dtype}, expected floating point")
    if not np.all(np.isfinite(value)):
        raise DlparityError(f"{what} contains NaN or infinite values")


def _check_optimizer(state, spec: ModelSpec, config: TrainConfig) -> None:
    """The optimizer's state in course terms: exactly the slots config.optimizer has."""
    expected = [*SLOTS[config.optimizer], *(["t"] if counts_updates(config) else [])]
    if not isinstance(state, dict) or sorted(state) != sorted(expected):
        got = sorted(state) if isinstance(state, dict) else type(state).__name__
        raise DlparityError(f"optimizer state: {config.optimizer} has {expected}, got {got}")
    for slot in SLOTS[config.optimizer]:
        check_arrays(f"optimizer {slot}", state[slot], expected_shapes(spec), spec)
        _check_floats(f"optimizer {slot}", state[slot])
    t = state.get("t", 0)
    if isinstance(t, bool) or not isinstance(t, int | np.integer) or t < 0:
        raise DlparityError(f"optimizer state: t must be a non-negative integer, got {t!r}")


def check_state(state, spec: ModelSpec, config: TrainConfig, *, resumable: bool = True) -> None:
    """A TrainState that fits spec and config; resumable: its step is before the run's end."""
    if not isinstance(state, TrainState):
        raise DlparityError(f"start: expected a TrainState, got {type(state).__name__}")
    check_step(state.step, config, resumable=resumable)
    check_params(state.params, spec)
    _check_floats("params", state.params)
    expected_bn = {k: v.shape for k, v in initial_bn_state(spec).items()}
    check_arrays("bn_state", state.bn_state, expected_bn, spec)
    _check_floats("bn_state", state.bn_state)
    _check_optimizer(state.optimizer, spec, config)


def resolve_start(spec: ModelSpec, config: TrainConfig, params0, start=None, stop=None):
    """(TrainState, stop) of a train() call: where it starts and the outer step it stops before.

    start None: params0, the initial statistics and optimizer state, step 0. Else start, and
    params0 must be None. stop None: the run's end (config.steps).
    """
    if start is None:
        check_params(params0, spec)
        optimizer = initial_optimizer_state(config, params0, spec.dtype)
        start = TrainState(dict(params0), initial_bn_state(spec), optimizer, 0)
    else:
        if params0 is not None:
            raise DlparityError("params0: give None when training from start= (its params)")
        check_state(start, spec, config)
    if stop is None:
        return start, config.steps
    if isinstance(stop, bool) or not isinstance(stop, int | np.integer):
        raise DlparityError(f"stop: must be an integer, got {stop!r}")
    if not start.step < stop <= config.steps:
        raise DlparityError(
            f"stop: must be after the start's {config.step_name} {start.step} and at most "
            f"{config.steps}, got {stop}"
        )
    return start, int(stop)
