"""Checkpoints: the one file format that keeps where a training run stands (a TrainState of
dlparity.core.state: parameters, batch-norm statistics and the optimizer's state in the course's
terms, after `step` outer steps). A checkpoint file is a NumPy .npz, read with allow_pickle=False:

    header           a JSON object, stored as a one-element string array
    W1, b1, ...      parameters, course layout (gamma_l, beta_l with batch norm)
    mu1, var1, ...   batch-norm running statistics
    optimizer/v/W1   the optimizer's state in the course's terms, shaped like the parameters:
    optimizer/s/W1   v (momentum, Adam), s (RMSprop, Adam); optimizer/t is Adam's update count

The header holds the format and its version and what the file contains: "training" (experiment,
spec, config, the step reached, the writing framework with its package versions, randomness and
seed, the costs recorded so far) or "weights" (save_weights: parameters and statistics alone).
A file without a header is read as weights.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata
import json
import os
import platform
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlparity import __version__
from dlparity.core.checks import (
    RANDOMNESS,
    check_bn_state,
    check_params,
    expected_shapes,
)
from dlparity.core.errors import DlparityError
from dlparity.core.init import initial_bn_state, parameter_keys
from dlparity.core.spec import ModelSpec, TrainConfig
from dlparity.core.state import (
    SLOTS,
    TrainState,
    check_state,
    check_step,
    counts_updates,
    finite_floats,
)
from dlparity.tools.outputs import atomic

FORMAT = "dlparity-checkpoint"
VERSION = 1
HEADER = "header"


@dataclass(frozen=True)
class Checkpoint:
    """A training checkpoint read back: its state, the costs recorded before it, its header."""

    state: TrainState
    costs: dict[int, float]
    header: dict
    path: Path


# ---------------------------------------------------------------- files


def _write(path, arrays: dict) -> Path:
    """arrays to path as .npz, atomically (a temporary file beside it, renamed into place)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise DlparityError(f"checkpoint: directory {path.parent} does not exist")
    with atomic(path) as temporary, open(temporary, "wb") as f:
        np.savez(f, **arrays)  # a file object, so NumPy does not append ".npz" to the name
    return path


_ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first entry, or an empty zip
_NPY_START = b"\x93NUMPY"


def _read(path) -> dict[str, np.ndarray]:
    path = Path(path)
    if not path.is_file():
        raise DlparityError(f"checkpoint {path}: no such file")
    invalid = f"checkpoint {path}: not a valid .npz file"
    try:
        with open(path, "rb") as f:
            head = f.read(len(_NPY_START))
    except OSError as e:
        raise DlparityError(f"checkpoint {path}: cannot read it ({e.strerror})") from None
    if head[:4] not in _ZIP_STARTS:
        # np.load would take any other bytes for a pickle, and say the file holds pickled data
        what = ("empty" if not head else "a single .npy array" if head == _NPY_START
                else "its bytes are not a zip archive")  # fmt: skip
        raise DlparityError(f"{invalid}: {what}; a checkpoint is a zip archive of .npy arrays, "
                            "as train --save writes it")  # fmt: skip
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except ValueError as e:
        if "pickle" in str(e):
            raise DlparityError(f"{invalid}: an entry holds pickled Python objects, which a "
                                "checkpoint never does; it was not loaded") from None  # fmt: skip
        raise DlparityError(f"{invalid} ({e})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as e:
        raise DlparityError(f"{invalid} ({e})") from None


def _header_array(header: dict) -> np.ndarray:
    return np.array([json.dumps(header, sort_keys=True)])


def _header(entry) -> dict | None:
    """The header entry as a dict of a known format and version; None when there is none."""
    if entry is None:
        return None
    if entry.dtype.kind != "U" or entry.size != 1:
        raise DlparityError(f"header: expected one JSON string, got {entry.dtype} {entry.shape}")
    try:
        header = json.loads(str(entry.reshape(-1)[0]))
    except json.JSONDecodeError as e:
        raise DlparityError(f"header: not JSON ({e})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DlparityError(f"header: not a {FORMAT} header")
    if header.get("version") != VERSION:
        raise DlparityError(
            f"format version {header.get('version')!r}; this dlparity reads version {VERSION}"
        )
    return header


def package_versions(framework: str) -> dict[str, str]:
    """Python, dlparity, NumPy and the framework's packages, as installed."""
    from dlparity.runtime import frameworks

    names = ["numpy", *frameworks.get(framework).needs]
    names += ["jaxlib"] if "jax" in names else []
    versions = {"python": platform.python_version(), "dlparity": __version__}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


# ---------------------------------------------------------------- weights alone


def _floating_arrays(params: dict, bn_state: dict) -> dict[str, np.ndarray]:
    clash = sorted(set(params) & set(bn_state))
    if clash:
        raise DlparityError(f"checkpoint: keys in both params and bn_state: {', '.join(clash)}")
    arrays = {}
    for key, value in {**params, **bn_state}.items():
        value = np.asarray(value)
        if not np.issubdtype(value.dtype, np.floating):
            raise DlparityError(
                f"checkpoint: {key} has dtype {value.dtype}, expected floating point"
            )
        arrays[key] = value
    return arrays


def save_weights(path, params, bn_state=None, *, spec: ModelSpec | None = None) -> Path:
    """Write params (+ bn_state) as a weights checkpoint; with spec, shapes are checked first."""
    bn_state = bn_state or {}
    if spec is not None:
        check_params(params, spec)
        if spec.running_statistics:
            check_bn_state(bn_state, spec)
    arrays = _floating_arrays(params, bn_state)
    header = {"format": FORMAT, "version": VERSION, "contents": "weights"}
    return _write(path, {HEADER: _header_array(header), **arrays})


@contextlib.contextmanager
def _about(path):
    """Problems found inside, prefixed with the checkpoint's path."""
    try:
        yield
    except DlparityError as e:
        raise DlparityError(f"checkpoint {path}: {e}") from None


def load_weights(path: str | os.PathLike, spec: ModelSpec) -> tuple[dict, dict]:
    """(params, bn_state) of any checkpoint (weights or training), checked against spec."""
    data = _read(path)
    with _about(path):
        header = _header(data.pop(HEADER, None))
        if header is not None and header.get("contents") == "training":
            data = {k: v for k, v in data.items() if not k.startswith("optimizer/")}
        params = {k: data.pop(k) for k in parameter_keys(spec) if k in data}
        bn_state = {k: data.pop(k) for k in initial_bn_state(spec) if k in data}
        if data:
            raise DlparityError(
                f"unexpected keys {', '.join(sorted(data))} for layer_dims {spec.layer_dims}"
            )
        check_params(params, spec)
        if spec.running_statistics:
            check_bn_state(bn_state, spec)
        for key, value in {**params, **bn_state}.items():
            finite_floats(key, value)
    return params, bn_state


# ---------------------------------------------------------------- training checkpoints


def _jsonable(value):
    return json.loads(json.dumps(value))


def _training_header(experiment, state: TrainState, framework, costs, randomness, seed) -> dict:
    spec, config = experiment.spec, experiment.config
    return {
        "format": FORMAT,
        "version": VERSION,
        "contents": "training",
        "experiment": experiment.name,
        "spec": _jsonable(dataclasses.asdict(spec)),
        "config": _jsonable(dataclasses.asdict(config)),
        "step": int(state.step),
        "steps": config.steps,
        "step_name": config.step_name,
        "framework": framework,
        "versions": package_versions(framework),
        "randomness": randomness,
        "seed": int(seed),
        "costs": {str(step): float(cost) for step, cost in sorted((costs or {}).items())},
    }


def _state_arrays(state: TrainState, dtype: str) -> dict[str, np.ndarray]:
    arrays = {k: np.asarray(v, dtype) for k, v in {**state.params, **state.bn_state}.items()}
    for slot, values in state.optimizer.items():
        if slot == "t":
            arrays["optimizer/t"] = np.asarray(int(values), np.int64)
        else:
            arrays.update(
                {f"optimizer/{slot}/{k}": np.asarray(v, dtype) for k, v in values.items()}
            )
    return arrays


def save(
    path, experiment, state: TrainState, *, framework: str, costs=None, randomness="parity", seed=0
) -> Path:
    """Write a training checkpoint of experiment at state, written by framework.

    costs: the costs recorded so far (step -> cost), kept so a resumed run has the whole curve.
    randomness, seed: how the run drew its batch orders and masks (native draws resume only in
    the framework that wrote them).
    """
    from dlparity.runtime.frameworks import check_name

    check_name(framework)
    if randomness not in RANDOMNESS:
        raise DlparityError(f"randomness: unknown option {randomness!r}")
    check_state(state, experiment.spec, experiment.config, resumable=False)
    header = _training_header(experiment, state, framework, costs, randomness, seed)
    arrays = _state_arrays(state, experiment.spec.dtype)
    return _write(path, {HEADER: _header_array(header), **arrays})


def _field(header: dict, name: str, kind):
    value = header.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise DlparityError(f"header: {name} missing or not a {kind.__name__}")
    return value


def _check_same_run(header: dict, experiment) -> None:
    """The checkpoint's experiment, spec and config are this run's, field by field."""
    name = _field(header, "experiment", str)
    if name != experiment.name:
        raise DlparityError(f"a checkpoint of experiment {name}, not of {experiment.name}")
    for what, ours in (("spec", experiment.spec), ("config", experiment.config)):
        theirs = _field(header, what, dict)
        for key, value in _jsonable(dataclasses.asdict(ours)).items():
            if theirs.get(key, "(missing)") != value:
                raise DlparityError(
                    f"written with {what} {key} = {theirs.get(key, '(missing)')}, "
                    f"this run has {key} = {value}"
                )


def _check_randomness(header: dict, framework: str, randomness: str, seed: int) -> None:
    """Parity draws resume in any framework; native ones in the same framework and seed only."""
    theirs = (_field(header, "randomness", str), _field(header, "framework", str))
    their_seed = _field(header, "seed", int)
    if theirs[0] == randomness == "parity":
        return
    if theirs != (randomness, framework) or (randomness == "native" and their_seed != seed):
        raise DlparityError(
            f"written by {theirs[1]} with --randomness {theirs[0]} (seed {their_seed}); this run "
            f"is {framework} with --randomness {randomness}: native draws continue only in the "
            "framework and seed that made them"
        )


def _pop_checked(data: dict, key: str, shape: tuple, dtype: str) -> np.ndarray:
    value = data.pop(key)
    if value.shape != shape:
        raise DlparityError(f"{key} has shape {value.shape}, expected {shape}")
    if value.dtype != np.dtype(dtype):
        raise DlparityError(f"{key} has dtype {value.dtype}, expected {dtype}")
    finite_floats(key, value)
    return value


def _expected_entries(spec: ModelSpec, config: TrainConfig) -> dict[str, tuple]:
    shapes = expected_shapes(spec)
    entries = {k: shapes[k] for k in parameter_keys(spec)}
    entries.update({k: v.shape for k, v in initial_bn_state(spec).items()})
    for slot in SLOTS[config.optimizer]:
        entries.update({f"optimizer/{slot}/{k}": shapes[k] for k in parameter_keys(spec)})
    if counts_updates(config):
        entries["optimizer/t"] = ()
    return entries


def _state_from_arrays(data: dict, step: int, spec: ModelSpec, config: TrainConfig) -> TrainState:
    expected = _expected_entries(spec, config)
    missing = [k for k in expected if k not in data]
    if missing:
        raise DlparityError(f"missing {', '.join(missing)}")
    extra = sorted(k for k in data if k not in expected)
    if extra:
        raise DlparityError(f"unexpected entries {', '.join(extra)} for this {config.optimizer}")
    t = data.pop("optimizer/t", None)
    if t is not None and (t.shape != () or t.dtype.kind not in "iu" or t < 0):
        raise DlparityError(f"optimizer/t must be a non-negative integer, got {t!r}")
    arrays = {
        k: _pop_checked(data, k, shape, spec.dtype) for k, shape in expected.items() if k in data
    }
    optimizer = {
        slot: {k: arrays[f"optimizer/{slot}/{k}"] for k in parameter_keys(spec)}
        for slot in SLOTS[config.optimizer]
    }
    if t is not None:
        optimizer["t"] = int(t)
    params = {k: arrays[k] for k in parameter_keys(spec)}
    bn_state = {k: arrays[k] for k in initial_bn_state(spec)}
    return TrainState(params, bn_state, optimizer, step)


def _costs(header: dict, step: int) -> dict[int, float]:
    costs = _field(header, "costs", dict)
    try:
        parsed = dict(sorted((int(s), float(c)) for s, c in costs.items()))
    except (TypeError, ValueError):
        raise DlparityError("header: costs must map steps to numbers") from None
    if any(not 0 <= s < step for s in parsed):
        raise DlparityError(f"header: costs recorded at steps outside [0, {step})")
    return parsed


def load(path, experiment, *, framework: str, randomness="parity", seed=0) -> Checkpoint:
    """A training checkpoint to resume experiment from, in framework with randomness.

    Checked before any work: a readable .npz of this format version holding a training state
    of the same experiment, spec and config, a step before the run's end, every entry present
    with its shape and dtype, and randomness the run can continue.
    """
    data = _read(path)
    with _about(path):
        header = _header(data.pop(HEADER, None))
        if header is None:
            raise DlparityError("no header: not a checkpoint written by `dlparity train --save`")
        if header.get("contents") != "training":
            raise DlparityError("holds weights alone (no optimizer state or step): cannot resume")
        _check_same_run(header, experiment)
        step = _field(header, "step", int)
        check_step(step, experiment.config, resumable=True)
        _check_randomness(header, framework, randomness, seed)
        state = _state_from_arrays(data, step, experiment.spec, experiment.config)
        costs = _costs(header, step)
    return Checkpoint(state, costs, header, Path(path))
