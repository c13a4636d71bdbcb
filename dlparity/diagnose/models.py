"""Diagnose a model: the first tensor where the user's forward (and gradients) leave the reference,
and the known causes that explain it.

The user's functions see the course's layout and a training-mode pass:
  forward(params, X)                       -> AL (n_y, m), or a dict of per-layer values
                                              {Z1, A1, ..., AL}, or (either, new bn_state)
  gradients(params, X, Y)                  -> (cost, grads) or (cost, grads, new bn_state)
With dropout both also get masks={D1: (n_1, m) 0/1, ...}; with batch norm, bn_state={mu1, var1, ...}.
Causes are found one at a time: the first difference, then the next one left under its cause.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from dlparity.core.checks import check_params
from dlparity.core.errors import DlparityError
from dlparity.core.spec import ModelSpec
from dlparity.diagnose import reference as ref
from dlparity.diagnose.common import (
    ATOL,
    TOLERANCE,
    Finding,
    call_user,
    check_callable,
    close,
    to_numpy,
    worst_entry,
)


@dataclass(frozen=True)
class _Cause:
    finding: Finding
    applies: Callable[[ModelSpec], bool]
    change: dict


_CAUSES = (
    _Cause(Finding("layout transpose", "the course's tensor transposed, (m, n) for (n, m), a kernel "
                   "(n_in, n_out) for W, b as (n,): Keras' layout", "layout"),
           lambda s: True, {"layout": True}),
    _Cause(Finding("BCE from clipped probabilities", "log of AL clipped to [1e-7, 1 - 1e-7], as "
                   "Keras' BinaryCrossentropy on probabilities not made by a Keras sigmoid",
                   "binary-loss"), lambda s: s.output == "sigmoid", {"bce_clip": True}),
    _Cause(Finding("softmax over the wrong axis", "softmax over the examples, axis 1 of (C, m), "
                   "instead of the classes", "softmax-loss"),
           lambda s: s.output == "softmax", {"softmax_axis": 1}),
    _Cause(Finding("cross-entropy over the wrong axis", "Keras' CategoricalCrossentropy given "
                   "course-layout (C, m): rows taken as examples", "softmax-loss"),
           lambda s: s.output == "softmax", {"cce_wrong_axis": True}),
    _Cause(Finding("L2 as lambd/m", "(lambd / m) sum ||W||^2 instead of (lambd / 2m): gradient "
                   "2 lambd W / m", "l2"), lambda s: s.lambd > 0, {"l2_divisor": "m"}),
    _Cause(Finding("L2 missing", "no (lambd / 2m) sum ||W||^2 term", "l2"),
           lambda s: s.lambd > 0, {"l2_divisor": "none"}),
    _Cause(Finding("L2 factor in float32", "the L2 factor rounded to float32, as Keras' L2 "
                   "regularizer on TensorFlow", "l2"), lambda s: s.lambd > 0, {"l2_float32": True}),
    _Cause(Finding("dropout without 1/keep_prob", "A * D instead of A * D / keep_prob", "dropout"),
           lambda s: s.keep_prob < 1, {"dropout_unscaled": True}),
    _Cause(Finding("unbiased batch-norm variance", "the batch variance over m - 1 instead of m in "
                   "the normalization", "batchnorm"),
           lambda s: s.batchnorm, {"bn_unbiased": True}),
    _Cause(Finding("unbiased running variance", "the running variance updated with the m - 1 "
                   "variance, as PyTorch's BatchNorm", "batchnorm"),
           lambda s: s.batchnorm, {"running_var_unbiased": True}),
    _Cause(Finding("Keras batch-norm epsilon 1e-3", "BatchNormalization's default epsilon 1e-3 "
                   "instead of the spec's bn_epsilon", "batchnorm"),
           lambda s: s.batchnorm and s.bn_epsilon != 1e-3, {"bn_epsilon": 1e-3}),
    _Cause(Finding("Keras batch-norm momentum 0.99", "BatchNormalization's default momentum 0.99 "
                   "instead of the spec's bn_momentum", "batchnorm"),
           lambda s: s.batchnorm and s.bn_momentum != 0.99, {"bn_momentum": 0.99}),
)  # fmt: skip


@dataclass(frozen=True)
class ModelDiagnosis:
    """Where the user's model leaves the reference and why.

    first_difference: the first tensor, in forward order, that differs from the course, and by how
    much; causes: the known causes, in the order they explain the differences; unexplained: the
    first tensor no known cause explains (None when every difference is explained).
    """

    matches_course: bool
    first_difference: str | None
    causes: tuple[Finding, ...]
    unexplained: str | None
    compared: tuple[str, ...]
    notes: tuple[str, ...] = ()
    tolerance: str = field(default=TOLERANCE)

    @property
    def verdict(self) -> str:
        if self.matches_course:
            return "matches the course"
        return "differs in an unknown way" if self.unexplained else "known causes explain it"

    def __str__(self) -> str:
        lines = [f"model: {self.verdict} (compared {', '.join(self.compared)})"]
        if self.first_difference:
            lines.append(f"  first differs at {self.first_difference}")
        lines += [f"  cause: {finding}" for finding in self.causes]
        if self.unexplained:
            lines.append(f"  no known cause for {self.unexplained}")
        lines += [f"  note: {note}" for note in self.notes]
        lines.append(f"  compared to {self.tolerance}")
        return "\n".join(lines)


def _forward_names(spec: ModelSpec) -> list[str]:
    L = spec.num_layers
    return [f"{v}{l}" for l in range(1, L) for v in "ZA"] + [f"Z{L}", "AL"]


def _inputs(case, spec: ModelSpec, convert) -> dict:
    """Keyword arguments the user's functions get besides params, X (and Y)."""
    extra = {}
    if case.masks is not None:
        extra["masks"] = {k: convert(D.copy()) for k, D in case.masks.items()}
    if case.bn_state is not None:
        extra["bn_state"] = {k: convert(a.copy()) for k, a in case.bn_state.items()}
    return extra


def _user_forward(out, spec: ModelSpec) -> tuple[dict, object]:
    """forward's result as ({name: array}, bn_state or None)."""
    bn_state = None
    if isinstance(out, tuple | list) and len(out) == 2:
        out, bn_state = out
    if not isinstance(out, dict):
        return {"AL": to_numpy(out, "forward: AL")}, bn_state
    names, L = _forward_names(spec), spec.num_layers
    aliases = {f"A{L}": "AL", "ZL": f"Z{L}"}
    got = {aliases.get(k, k): v for k, v in out.items()}
    unknown = [k for k in got if k not in names]
    if unknown:
        raise DlparityError(
            f"forward: unknown value {unknown[0]!r}; name values {', '.join(names)}"
        )
    return {k: to_numpy(got[k], f"forward: {k}") for k in names if k in got}, bn_state


def _user_state(bn_state, spec: ModelSpec, what: str) -> dict:
    if not spec.batchnorm or bn_state is None or (isinstance(bn_state, dict) and not bn_state):
        return {}
    keys = [f"{s}{l}" for l in range(1, spec.num_layers) for s in ("mu", "var")]
    if not isinstance(bn_state, dict) or set(bn_state) != set(keys):
        raise DlparityError(f"{what}: bn_state should be a dict of {', '.join(keys)}")
    return {k: to_numpy(bn_state[k], f"{what}: bn_state {k}") for k in keys}


def _user_gradients(out, params: dict, spec: ModelSpec) -> tuple[dict, object]:
    if not isinstance(out, tuple | list) or len(out) not in (2, 3):
        raise DlparityError(
            f"gradients: expected (cost, grads[, bn_state]), got {type(out).__name__}"
        )
    cost, grads = to_numpy(out[0], "gradients: cost"), out[1]
    if cost.size != 1:
        raise DlparityError(f"gradients: cost should be a scalar, got shape {cost.shape}")
    if not isinstance(grads, dict) or set(grads) != set(params):
        raise DlparityError(f"gradients: grads should be a dict of {', '.join(params)}")
    got = {"cost": cost.reshape(())}
    got.update({f"d{k}": to_numpy(grads[k], f"gradients: {k}") for k in params})
    return got, out[2] if len(out) == 3 else None


def _user_values(forward, gradients, params, case, spec, convert) -> dict:
    """Everything the user's functions return, by name (forward's, bn_state, cost, gradients)."""
    mine = {k: convert(v.copy()) for k, v in params.items()}
    X, extra = convert(case.X.copy()), _inputs(case, spec, convert)
    got, state = _user_forward(call_user(forward, "forward", mine, X, **extra), spec)
    states = [_user_state(state, spec, "forward")]
    if gradients is not None:
        Y = convert(case.Y.copy())
        more, state = _user_gradients(
            call_user(gradients, "gradients", mine, X, Y, **extra), params, spec
        )
        got.update(more)
        states.append(_user_state(state, spec, "gradients"))
    return {**got, **next((s for s in states if s), {})}


def _matches(got: np.ndarray, want: np.ndarray, atol: float, layout: bool) -> bool:
    if close(got, want, atol=atol):
        return True
    if not layout:
        return False
    keras = ([got.T] if got.ndim == 2 else []) + (
        [got.reshape(want.shape)] if got.size == want.size else []
    )
    return any(close(g, want, atol=atol) for g in keras)


def _describe(name: str, got: np.ndarray, want: np.ndarray) -> str:
    if got.shape != want.shape:
        return f"{name}: shape {got.shape}, the reference's {want.shape}"
    i = worst_entry(got, want)
    err = float(np.nanmax(np.abs(got - want))) if np.isfinite(got).all() else float("nan")
    where = f" at {list(i)}" if i else ""
    # 10 significant digits: beyond what a formula changes, short of the kernels' last bits
    return f"{name}: max abs diff {err:.3g}{where}: {float(got[i]):.10g}, the reference {float(want[i]):.10g}"


def _first_mismatch(got: dict, want: dict, variant, atols: dict) -> str | None:
    for name, value in want.items():
        if name in got and not _matches(got[name], value, atols.get(name, ATOL), variant.layout):
            return name
    return None


def _explain(got, params, case, spec, atols):
    """Greedy: the first difference, the causes that fit it (one, else two together), then the
    next difference left under them, and so on.

    Returns (first difference, causes, unexplained, variant reached).
    """
    variant, causes, first = ref.Variant(), [], None
    while True:
        want = ref.values(params, case, spec, variant)
        name = _first_mismatch(got, want, variant, atols)
        if name is None:
            return first, tuple(causes), None, variant
        detail = _describe(name, got[name], want[name])
        first = first or detail
        fits = _fitting(name, got, params, case, spec, variant, atols)
        if not fits:
            return first, tuple(causes), detail, variant
        causes += [c.finding for group in fits for c in group if c.finding not in causes]
        for cause in fits[0]:
            variant = replace(variant, **cause.change)


def _fitting(name, got, params, case, spec, variant, atols) -> list[tuple[_Cause, ...]]:
    """The causes, alone or in pairs, under which the named tensor matches."""
    open_causes = [
        c for c in _CAUSES if c.applies(spec) and replace(variant, **c.change) != variant
    ]
    for size in (1, 2):
        fits = [group for group in itertools.combinations(open_causes, size)
                if _fits(group, name, got, params, case, spec, variant, atols)]  # fmt: skip
        if fits:
            return fits
    return []


def _fits(group, name, got, params, case, spec, variant, atols) -> bool:
    changed = variant
    for cause in group:
        changed = replace(changed, **cause.change)
    want = ref.values(params, case, spec, changed)
    return name in want and _matches(got[name], want[name], atols.get(name, ATOL), changed.layout)


def _notes(got: dict, case, spec: ModelSpec, variant) -> tuple[str, ...]:
    notes = []
    if "cost" not in got:
        notes.append("no gradients function: the loss, L2 and gradients were not compared")
    elif not (variant.has_cost and variant.has_gradients):
        notes.append("no reference for the cost or gradients under these causes: not compared")
    if spec.output == "sigmoid" and case.saturated == 0:
        notes.append("no input saturates the sigmoid (|ZL| > 17): BCE clipping not examined")
    if spec.batchnorm and "mu1" not in got:
        notes.append("no bn_state returned: batch-norm running statistics not compared")
    return tuple(notes)


def _checked(forward, reference_spec, params, gradients, convert) -> tuple[ModelSpec, dict]:
    check_callable(forward, "forward")
    for what, function in (("gradients", gradients), ("convert", convert)):
        if function is not None:
            check_callable(function, what)
    if not isinstance(reference_spec, ModelSpec):
        raise DlparityError(
            f"reference_spec: expected a ModelSpec, got {type(reference_spec).__name__}"
        )
    spec = reference_spec.with_dtype("float64")
    if not isinstance(params, dict):
        raise DlparityError(f"params: expected a dict, got {type(params).__name__}")
    params = {k: to_numpy(v, f"params: {k}") for k, v in params.items()}
    check_params(params, spec)
    return spec, params


def model(
    forward: Callable, reference_spec: ModelSpec, params: dict, *,
    gradients: Callable | None = None, convert: Callable | None = None,
) -> ModelDiagnosis:  # fmt: skip
    """Run the user's forward (and gradients) against the reference on seeded inputs.

    params: the course-layout parameters (W1 (n_1, n_x), b1 (n_1, 1), ...), float64, from any
    framework. The user's functions get NumPy arrays, or convert(array) when given.
    """
    spec, params = _checked(forward, reference_spec, params, gradients, convert)
    case = ref.seeded_case(params, spec)
    got = _user_values(forward, gradients, params, case, spec, convert or (lambda a: a))
    course = ref.values(params, case, spec, ref.Variant())
    atols = {"cost": ref.cost_atol(case, course["AL"], ATOL)}
    first, causes, unexplained, variant = _explain(got, params, case, spec, atols)
    compared = tuple(k for k in ref.values(params, case, spec, variant) if k in got)
    return ModelDiagnosis(
        matches_course=first is None, first_difference=first, causes=causes,
        unexplained=unexplained, compared=compared, notes=_notes(got, case, spec, variant),
    )  # fmt: skip
