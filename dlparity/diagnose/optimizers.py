"""Diagnose an optimizer: which of the known variants of the course's formula does it implement?

optimizer(init, update, kind, **hyperparameters) drives the user's (init, update) pair with crafted
gradients and rates, runs the course's formula and every known variant on the same inputs in NumPy
float64 (the reference's own update, pure_numpy.optimizers, with its variant options on:
dlparity.diagnose.formulas), and names the one that reproduces the user's parameters at every
step to the parity suite's float64 tolerance.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dlparity.core import registry
from dlparity.core.errors import DlparityError
from dlparity.core.schedules import decayed_rate, rate_for_update
from dlparity.core.spec import TrainConfig
from dlparity.diagnose import search
from dlparity.diagnose.common import (
    ATOL,
    RTOL,
    TOLERANCE,
    Finding,
    call_user,
    check_callable,
    close,
    to_numpy,
    worst_entry,
)
from dlparity.diagnose.formulas import Formula, sites
from pure_numpy.optimizers import FORMULAS

KINDS = tuple(FORMULAS)
_OWN = {kind: registry.OPTIMIZERS[kind].hyperparameters for kind in KINDS}
# the kinds' own hyperparameters that the course gives no default: optimizer() needs them given
NEEDED = ("weight_decay",)
_SCHEDULE = ("learning_rate", "decay", "decay_rate", "time_interval", "batches_per_epoch")
_DEFAULT_RATE = 0.1
# rate of each epoch, relative to learning_rate, when no decay is given: it changes every epoch
_RATE_FACTORS = (1.0, 1.0, 0.5, 2.0, 0.25, 1.5, 0.75, 3.0)
_MIN_STEPS, _MAX_STEPS = 16, 20000
_ZERO_STEP = 3  # every gradient is exactly zero at this step (0-based)

_VARIANTS = (  # (kinds, finding, formula): the named variants, each a single change
    (("rmsprop", "adam", "adamw"), Finding(
        "epsilon inside the root", "dW / sqrt(s + eps) instead of dW / (sqrt(s) + eps), as Keras' "
        "RMSprop and optax.rmsprop's default eps_in_sqrt=True", "rmsprop"),
     Formula(eps_in_sqrt=True)),
    (("adam", "adamw"), Finding(
        "epsilon-hat", "eps added to sqrt(s) before the bias correction, eps / sqrt(1 - beta2^t) "
        "in the course's terms, as Keras 3's Adam", "adam"), Formula(eps_hat=True)),
    (("momentum",), Finding(
        "momentum without (1 - beta)", "v = beta v + dW, as Keras SGD and PyTorch SGD (dampening "
        "0) given the course's rate: steps 1 / (1 - beta) too large", "momentum"),
     Formula(no_one_minus_beta=True)),
    (("momentum",), Finding(
        "momentum buffer starting at dW", "v_1 = dW instead of (1 - beta) dW, then the course's "
        "formula: PyTorch SGD starts its buffer at dW, and dampening=beta does the rest",
        "momentum"),
     Formula(starts_at_dW=True)),
    (("momentum",), Finding(
        "learning rate folded into the velocity", "v = beta v + lr (1 - beta) dW; W -= v, as Keras "
        "SGD: equal to the course while the rate is constant, not once it changes",
        "momentum-decay"), Formula(rate_in_velocity=True)),
    (("adam", "adamw"), Finding(
        "bias correction one step ahead", "1 - beta^(t + 1) instead of 1 - beta^t: the step "
        "counter starts at 1 or is incremented twice", None), Formula(bias_shift=1)),
    (("adam", "adamw"), Finding(
        "bias correction stuck at t = 1", "v / (1 - beta1) and s / (1 - beta2) at every update "
        "instead of 1 - beta^t: a step counter that is never incremented", None),
     Formula(correction_t=(1, 1))),
    (("adam", "adamw"), Finding(
        "t starting at 0", "the corrections use t - 1: the first update divides the moments by "
        "1 - beta^0 = 0 and every parameter becomes NaN (t incremented after its use)", None),
     Formula(bias_shift=-1)),
    (("adam", "adamw"), Finding(
        "first moment divided by (1 - beta1)", "v / (1 - beta1) instead of v / (1 - beta1^t): "
        "the power forgotten in the first moment's bias correction", None),
     Formula(correction_t=(1, None))),
    (("adamw",), Finding(
        "weight decay coupled to the gradient", "dW + wd W goes through Adam's moments (L2 "
        "regularization) instead of the decoupled W -= lr wd W", None),
     Formula(coupled_decay=True)),
    (("adamw",), Finding(
        "weight decay not scaled by the rate", "W -= wd W instead of W -= lr wd W", None),
     Formula(decay_without_rate=True)),
)  # fmt: skip
_UNLAGGED = Finding(
    "decay without the one-epoch lag", "epoch e trains with the rate computed for epoch e, the "
    "course with that of epoch e - 1, as Keras' InverseTimeDecay or an optax schedule", "decay")  # fmt: skip
_PER_UPDATE = Finding(
    "decay at every update", "the rate decayed by the number of updates made instead of once per "
    "epoch: lr0 / (1 + r t), t counting mini-batches, as Keras' legacy decay= argument and loops "
    "that call the schedule in the inner loop", "decay")  # fmt: skip
_CONSTANT = Finding(
    "learning-rate argument ignored", "a constant rate (learning_rate) whatever rate update is "
    "passed: a rate fixed when the optimizer was made", None)  # fmt: skip


def _float32_finding(names) -> Finding:
    return Finding(
        "hyperparameters rounded to float32", f"{', '.join(names)} through float32 (0.9 becomes "
        "0.8999999761581421), as Keras on TensorFlow does with Python floats: pass np.float64",
        "hyperparameters")  # fmt: skip


@dataclass(frozen=True)
class OptimizerDiagnosis:
    """What the user's optimizer implements, measured on crafted gradients and rates.

    findings: the known variant (one or more changes together, or other values of the
    hyperparameters); empty when it matches the course or nothing known reproduces it. size:
    ||W_user - W_course|| / ||W_course - W_0|| after the run. first_difference: the first step
    (from 1) and parameter entry where it leaves the course. closest: when nothing known
    reproduces the run, the known variant that reproduces the most of it, and remainder, where and
    by how much the run leaves that variant. not_finite: where a NaN (or inf) first appears in the
    user's parameters, and its likely cause. unchanged: the parameters the user's update never
    changes (the course's move); first_difference is then the others', None where they match.
    """

    kind: str
    hyperparameters: dict
    matches_course: bool
    findings: tuple[Finding, ...]
    size: float
    first_difference: str | None
    steps: int
    tolerance: str = field(default=TOLERANCE)
    closest: tuple[Finding, ...] = ()
    remainder: str | None = None
    not_finite: str | None = None
    unchanged: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        if self.matches_course:
            return "matches the course"
        if self.unchanged:
            one = len(self.unchanged) == 1
            return (f"{', '.join(self.unchanged)} never change{'s' if one else ''}: your update "
                    f"does not reach {'it' if one else 'them'}")  # fmt: skip
        hyperparameters = search.verdict(self.findings)
        if hyperparameters is not None:
            return hyperparameters
        if self.findings:
            return "a known variant"
        if self.closest:
            return "partly a known variant: something else differs too"
        return "differs in an unknown way"

    def __str__(self) -> str:
        hyper = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        lines = [f"{self.kind}({hyper}): {self.verdict}"]
        lines += [f"  {finding}" for finding in self.findings]
        lines += [f"  closest: {finding}" for finding in self.closest]
        if self.remainder is not None:
            lines.append(f"  and something else differs: {self.remainder}")
        if self.not_finite is not None:
            lines.append(f"  not finite: {self.not_finite}")
        if self.unchanged and self.first_difference is None:
            lines.append("  every other parameter matches the course at every step")
        elif self.unchanged:
            lines.append(f"  the others differ too, first at {self.first_difference}")
        elif not self.matches_course:
            lines.append(
                f"  size: ||W - W_course|| / ||W_course - W_0|| = {self.size:.3g} after {self.steps} steps"
            )
            lines.append(f"  first differs at {self.first_difference}")
        lines.append(f"  compared at every step to {self.tolerance}")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Setup:
    kind: str
    hyper: dict  # the kind's own hyperparameters, floats
    config: TrainConfig  # learning rate and decay schedule
    batches_per_epoch: int

    @property
    def steps(self) -> int:
        if self.config.decay == "none":
            return _MIN_STEPS
        epochs = 4 if self.config.decay == "inverse-time" else self.config.time_interval + 2
        return max(_MIN_STEPS, epochs * self.batches_per_epoch)

    def rates(self, mode: str) -> list[float]:
        """The rate of every update: the course's (lagged), unlagged, per-update or constant."""
        config, B = self.config, self.batches_per_epoch
        if mode == "constant":
            return [config.learning_rate] * self.steps
        if config.decay == "none":
            factors = [_RATE_FACTORS[(t // B) % len(_RATE_FACTORS)] for t in range(self.steps)]
            return [config.learning_rate * factor for factor in factors]
        if mode == "unlagged":
            return [decayed_rate(config, t // B) for t in range(self.steps)]
        if mode == "per-update":
            return [decayed_rate(config, t) for t in range(self.steps)]
        return [rate_for_update(config, t, B) for t in range(self.steps)]


def hyperparameter_names(kind: str) -> tuple[str, ...]:
    """Every hyperparameter optimizer() takes for kind: the kind's own, then the schedule's."""
    if kind not in KINDS:
        raise DlparityError(f"kind: unknown optimizer {kind!r}; choose one of {', '.join(KINDS)}")
    return _OWN[kind] + _SCHEDULE


def check_hyperparameters(kind: str, **hyperparameters) -> None:
    """optimizer()'s checks of kind and hyperparameters, before any of the user's code runs."""
    _setup(kind, hyperparameters)


def _setup(kind, hyperparameters: dict) -> _Setup:
    allowed = hyperparameter_names(kind)
    unknown = [name for name in hyperparameters if name not in allowed]
    if unknown:
        raise DlparityError(
            f"hyperparameter {unknown[0]!r}: not one of {kind}'s ({', '.join(allowed)})"
        )
    given = dict(hyperparameters)
    missing = [name for name in NEEDED if name in _OWN[kind] and name not in given]
    if missing:
        raise DlparityError(f"{missing[0]}: {kind} needs it (the course has no default)")
    wd = given.pop("weight_decay", 0.0)
    if isinstance(wd, bool) or not isinstance(wd, int | float) or not math.isfinite(wd) or wd < 0:
        raise DlparityError(f"weight_decay: must be a finite number >= 0, got {wd!r}")
    batches = given.pop("batches_per_epoch", 1)
    if isinstance(batches, bool) or not isinstance(batches, int) or batches < 1:
        raise DlparityError(f"batches_per_epoch: must be a positive integer, got {batches!r}")
    given.setdefault("learning_rate", _DEFAULT_RATE)
    optimizer = "adam" if kind == "adamw" else kind
    config = TrainConfig(optimizer=optimizer, num_iterations=1, **given)
    hyper = {name: float(getattr(config, name)) for name in _OWN[kind] if name != "weight_decay"}
    if kind == "adamw":
        hyper["weight_decay"] = float(wd)
    setup = _Setup(kind, hyper, config, batches)
    if setup.steps > _MAX_STEPS:
        raise DlparityError(
            f"time_interval: {setup.steps} updates to see the decay; at most {_MAX_STEPS}"
        )
    return setup


def _start() -> dict[str, np.ndarray]:
    """W_0: O(1) seeded values; b1, which gets gradients near epsilon, starts at 0. Fresh
    copies: the user's update may write into them."""
    return {k: W.copy() for k, W in _START.items()}


_RNG = np.random.RandomState(1)
_START = {"W1": _RNG.randn(2, 3), "W2": _RNG.randn(3, 2), "b1": np.zeros((3, 1)),
          "b2": _RNG.randn(2, 1), "W3": _RNG.randn(2, 2)}  # fmt: skip


def _gradients(steps: int) -> list[dict[str, np.ndarray]]:
    """Per step: W1 constant, W2 alternating sign, b1 near epsilon (1e-9 .. 4e-8), b2 zero at the
    first step, W3 seeded noise; every gradient exactly zero at step _ZERO_STEP."""
    rng = np.random.RandomState(2)
    W1 = np.array([[0.5, -1.0, 2.0], [0.1, -0.3, 3.0]])
    W2 = np.array([[1.0, -0.2], [0.7, 1.5], [-2.0, 0.05]])
    b1 = np.array([[1e-8], [-3e-9], [2e-8]])
    b2 = np.array([[0.7], [-0.4]])
    sequence = []
    for t in range(steps):
        g = {"W1": W1, "W2": (-1) ** t * W2, "b1": b1 * (1.0, 0.5, 2.0)[t % 3],
             "b2": b2 * (t % 4) , "W3": rng.randn(2, 2)}  # fmt: skip
        sequence.append({k: 0 * v if t == _ZERO_STEP else v for k, v in g.items()})
    return sequence


def _trajectory(setup: _Setup, formula: Formula, gradients, stop=None, changes=None):
    """W after each step under formula, the hyperparameters `changes` changed; with stop(t, W),
    ends early where it returns True. A variant may divide by zero (t from 0, epsilon 0): the
    NaN it makes is compared like any other value, so NumPy is kept quiet about it."""
    init, update = FORMULAS[setup.kind]
    hyper = formula.hyperparameters({**setup.hyper, **(changes or {})})
    params, out = _start(), []
    state = init(params)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for t, (dW, lr) in enumerate(zip(gradients, setup.rates(formula.rates), strict=True), 1):
            lr = formula.with_rate(lr)
            params, state = update(dW, state, params, lr, **hyper, **formula.options(t))
            out.append(params)
            if stop is not None and stop(t, params):
                break
    return out


def _rounding_choices(setup: _Setup) -> list[tuple[str, ...]]:
    """Sets of up to three sites (hyperparameters, Adam's beta^t, the rate) to round to float32;
    a site whose value float32 holds exactly cannot show and is left out."""
    values = {**sites(setup.hyper), "learning_rate": 0.01}
    names = [k for k, v in values.items() if float(np.float32(v)) != v]
    return [s for n in (1, 2, 3) for s in itertools.combinations(names, n)]


def _named(setup: _Setup) -> list[tuple[Formula, tuple[Finding, ...]]]:
    """(formula, (finding,)) of each named variant of the setup's kind."""
    return [(f, (finding,)) for kinds, finding, f in _VARIANTS if setup.kind in kinds]


def _candidates(setup: _Setup, *, with_rounding: bool = True):
    """(formula, findings) of every known variant and combination, fewest changes first;
    with_rounding=False leaves out the hyperparameters rounded to float32."""
    named = _named(setup)
    pairs = [
        (a.combined(b), fa + fb)
        for (a, fa), (b, fb) in itertools.combinations(named, 2)
        if not a.changed() & b.changed()  # two values of one option: not a pair
    ]
    rate_modes = [("constant", _CONSTANT)]
    if setup.config.decay != "none":
        rate_modes.insert(0, ("unlagged", _UNLAGGED))
        if setup.batches_per_epoch > 1:  # with one update an epoch, per update is unlagged
            rate_modes.insert(1, ("per-update", _PER_UPDATE))
    rates = [(Formula(rates=mode), (finding,)) for mode, finding in rate_modes]
    rounded = [(Formula(float32=s), (_float32_finding(s),)) for s in _rounding_choices(setup)]
    groups = (named + pairs, rates, rounded if with_rounding else [])
    found = []
    for combo in itertools.product(*[[(Formula(), ())] + g for g in groups]):
        formula, findings = Formula(), ()
        for part, part_findings in combo:
            formula, findings = formula.combined(part), findings + part_findings
        if findings:
            found.append((formula, findings))
    return sorted(found, key=lambda item: len(item[1]))


def _reproduces(setup, formula, gradients, user, changes=None) -> bool:
    def left(t, params):
        return not all(close(user[t - 1][k], params[k]) for k in params)

    run = _trajectory(setup, formula, gradients, stop=left, changes=changes)
    return len(run) == len(user) and not left(len(run), run[-1])


# ---------------------------------------------------------------- when no known variant fits


def _hyperparameter_changes(setup: _Setup, gradients, user):
    """(formula, findings, changes): the course's formula, or one named variant, that reproduces
    the user's run with other values of the kind's hyperparameters; None when none does.
    Common values first (one changed, then two), then a fit of any value of one."""
    names = _OWN[setup.kind]
    formulas = [(Formula(), ())] + _named(setup)
    common = search.common_changes(setup.hyper, names)
    for group in ([c for c in common if len(c) == 1], [c for c in common if len(c) == 2]):
        for formula, found in formulas:
            for changes in group:
                if _reproduces(setup, formula, gradients, user, changes):
                    return formula, found, changes
    for formula, found in formulas:
        for name in names:

            def distance(value, formula=formula, name=name):
                run = _trajectory(setup, formula, gradients, changes={name: value})
                return _distance(user, run)

            for value in search.fit(name, setup.hyper[name], distance):
                if _reproduces(setup, formula, gradients, user, {name: value}):
                    return formula, found, {name: value}
    return None


def _distance(user, run) -> float:
    """||user - run|| / ||run - W_0|| over every step; inf where either is not finite."""
    start = _start()
    diff = [(u[k] - r[k]).ravel() for u, r in zip(user, run, strict=True) for k in r]
    moved = [(r[k] - start[k]).ravel() for r in run for k in r]
    diff, moved = np.concatenate(diff), np.concatenate(moved)
    if not (np.all(np.isfinite(diff)) and np.all(np.isfinite(moved))):
        return math.inf
    return float(np.linalg.norm(diff) / max(float(np.linalg.norm(moved)), 1e-300))


def _matched(user, run) -> int:
    """How many finite entries of the user's run, over every step, run reproduces."""
    return sum(
        int(np.sum(np.isfinite(u[k]) & np.isclose(u[k], r[k], rtol=RTOL, atol=ATOL)))
        for u, r in zip(user, run, strict=True)
        for k in r
    )


def _closest(setup: _Setup, gradients, user, course, given):
    """(findings, run, matched) of the known variant or common hyperparameter value that
    reproduces the most entries of the user's run, two steps' worth (every entry twice) more
    than the course does; None when none does. A beta of 0 (no average at all) is no
    candidate: at the first step it equals too much (Adam's first step is RMSprop's with
    beta2 = 0)."""
    candidates = [(f, found, None) for f, found in _candidates(setup, with_rounding=False)]
    for changes in search.common_changes(setup.hyper, _OWN[setup.kind]):
        (name, value), *more = changes.items()
        if not more and not (name.startswith("beta") and value == 0.0):
            candidates.append((Formula(), _hyperparameter_findings(setup, changes, given), changes))
    entries = sum(W.size for W in course[0].values())
    best, bar = None, _matched(user, course) + 2 * entries
    for formula, found, changes in candidates:
        run = _trajectory(setup, formula, gradients, changes=changes)
        score = _matched(user, run)
        if score >= bar:
            best, bar = (found, run, score), score + 1
    return best


def _hyperparameter_findings(setup: _Setup, changes: dict, given) -> tuple[Finding, ...]:
    return tuple(
        search.finding(setup.kind, name, value, setup.hyper[name], name in given)
        for name, value in changes.items()
    )


def _not_finite(user, course, gradients, findings, changes) -> str | None:
    """Where a NaN or inf first appears in the user's parameters (and the course's stays
    finite), and its likely cause; None when there is none."""
    for t, (got, want) in enumerate(zip(user, course, strict=True), 1):
        for key in want:
            bad = ~np.isfinite(got[key]) & np.isfinite(want[key])
            if bad.any():
                i = tuple(int(j) for j in np.argwhere(bad)[0])
                what = "NaN" if np.isnan(got[key][i]) else f"{float(got[key][i])!r}"
                cause = _cause(t, key, i, gradients, findings, changes)
                return f"{what} first at step {t}, {key}{list(i)} (the course {float(want[key][i])!r}): {cause}"
    return None


def _cause(t, key, i, gradients, findings, changes) -> str:
    names = {f.name for f in findings}
    if "t starting at 0" in names:
        return "t starting at 0 divides the moments by 1 - beta^0 = 0 at the first update"
    zero_so_far = all(g[key][i] == 0 for g in gradients[:t])
    if changes.get("epsilon") == 0.0 and zero_so_far:
        return (f"epsilon = 0: 0/0 where the gradient is exactly zero ({key}'s gradient is 0 up "
                f"to step {t}, so are its moments)")  # fmt: skip
    if zero_so_far:
        return (f"likely 0/0: {key}'s gradient is exactly zero up to step {t}, so are its "
                "moments; a denominator without epsilon (or epsilon = 0) divides 0 by 0")  # fmt: skip
    if gradients[t - 1][key][i] == 0:
        return f"likely a division by zero: {key}'s gradient is exactly zero at step {t}"
    return "cause unknown: no known variant divides by zero or overflows there"


def _user_run(init, update, setup, gradients, convert) -> list[dict[str, np.ndarray]]:
    start = _start()
    params = {k: convert(v) for k, v in start.items()}
    state = call_user(init, "init", params)
    out = []
    for t, (dW, lr) in enumerate(zip(gradients, setup.rates("lagged"), strict=True), 1):
        grads = {k: convert(v.copy()) for k, v in dW.items()}  # a copy: the user may write into it
        result = call_user(update, "update", grads, state, params, lr)
        params, state = _unpack(result, start, t)
        out.append({k: to_numpy(params[k], f"update: {k} at step {t}") for k in start})
        for k, W in out[-1].items():
            if W.shape != start[k].shape:
                raise DlparityError(
                    f"update: {k} has shape {W.shape} at step {t}, expected {start[k].shape}"
                )
    return out


def _unpack(result, start: dict, t: int):
    """update's (params, state), checked: params a dict with the same keys."""
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise DlparityError(f"update: expected (params, state), got {type(result).__name__}")
    params, state = result
    if not isinstance(params, dict) or set(params) != set(start):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise DlparityError(
            f"update: params at step {t} should be a dict of {sorted(start)}, got {got}"
        )
    return params, state


def _first_difference(user, run, name: str = "the course") -> str:
    for t, (got, want) in enumerate(zip(user, run, strict=True), 1):
        for key in want:
            if not close(got[key], want[key]):
                i = worst_entry(got[key], want[key])
                return f"step {t}, {key}{list(i)}: {float(got[key][i])!r}, {name} {float(want[key][i])!r}"
    return "nowhere"  # not reached: called only when the runs differ


def _never_changed(user, course) -> tuple[str, ...]:
    """The parameters the user's run leaves at W_0, to the last bit, at every step, where the
    course's move."""
    start = _start()

    def still(run, key):
        return all(np.array_equal(W[key], start[key]) for W in run)

    return tuple(k for k in start if still(user, k) and not still(course, k))


def _unreached(unchanged, user, course, report) -> OptimizerDiagnosis:
    """The diagnosis of a run that never changes some parameters: where the others differ."""
    others = [k for k in course[0] if k not in unchanged]
    user_rest, course_rest = ([{k: W[k] for k in others} for W in run] for run in (user, course))
    same = all(close(u[k], c[k]) for u, c in zip(user_rest, course_rest, strict=True) for k in c)
    first = None if same else _first_difference(user_rest, course_rest)
    return OptimizerDiagnosis(
        matches_course=False, findings=(), size=_relative_size(user, course),
        first_difference=first, unchanged=unchanged, **report,
    )  # fmt: skip


def _relative_size(user, run) -> float:
    """||W_user - W_run|| / ||W_run - W_0|| after the last step (nan where W_user is not finite)."""
    start, got, want = _start(), user[-1], run[-1]
    diff = np.concatenate([(got[k] - want[k]).ravel() for k in want])
    moved = np.concatenate([(want[k] - start[k]).ravel() for k in want])
    with np.errstate(invalid="ignore"):
        return float(np.linalg.norm(diff) / np.linalg.norm(moved))


def optimizer(
    init: Callable, update: Callable, kind: str, *, convert: Callable | None = None,
    **hyperparameters,
) -> OptimizerDiagnosis:  # fmt: skip
    """Diagnose the user's optimizer pair against the course's formula of `kind`.

    init(params) -> state; update(grads, state, params, lr) -> (params, state); params and grads
    dicts of float64 arrays (W1 (2, 3), W2 (3, 2), b1 (3, 1), b2 (2, 1), W3 (2, 2)), given as NumPy
    arrays, or as convert(array) (e.g. jnp.asarray, tf.constant). kind: gd, momentum, rmsprop,
    adam or adamw; hyperparameters by the course's names (beta, beta1, beta2, epsilon,
    weight_decay), and learning_rate, decay, decay_rate, time_interval, batches_per_epoch when
    the optimizer has its own schedule.

    When no known variant reproduces the run with these hyperparameters, other values of them
    are tried (the course's formula with epsilon 1e-7, say); when none does either, the known
    variant that reproduces the most of it is named as the closest, with what remains.
    """
    check_callable(init, "init")
    check_callable(update, "update")
    if convert is not None:
        check_callable(convert, "convert")
    setup = _setup(kind, hyperparameters)
    gradients = _gradients(setup.steps)
    user = _user_run(init, update, setup, gradients, convert or (lambda a: a))
    course = _trajectory(setup, Formula(), gradients)
    report = {
        "kind": kind,
        "hyperparameters": {**setup.hyper, **hyperparameters},
        "steps": setup.steps,
    }
    if all(close(u[k], c[k]) for u, c in zip(user, course, strict=True) for k in c):
        return OptimizerDiagnosis(matches_course=True, findings=(), size=0.0,
                                  first_difference=None, **report)  # fmt: skip
    unchanged = _never_changed(user, course)
    if unchanged:
        return _unreached(unchanged, user, course, report)
    found = next((f for formula, f in _candidates(setup)
                  if _reproduces(setup, formula, gradients, user)), None)  # fmt: skip
    changes, closest, remainder = {}, (), None
    if found is None:
        fitted = _hyperparameter_changes(setup, gradients, user)
        if fitted is not None:
            _, variant, changes = fitted
            found = variant + _hyperparameter_findings(setup, changes, hyperparameters)
    if found is None:
        near = _closest(setup, gradients, user, course, hyperparameters)
        if near is not None:
            closest, run, matched = near
            values = sum(W.size for W in course[0].values()) * setup.steps
            remainder = (f"that formula reproduces {matched} of your {values} values (the course "
                         f"{_matched(user, course)}), first leaves them at "
                         f"{_first_difference(user, run, 'that formula')}; what remains: "
                         f"||W - W_closest|| / ||W_closest - W_0|| = "
                         f"{_relative_size(user, run):.3g} after {setup.steps} steps")  # fmt: skip
    found = found or ()
    return OptimizerDiagnosis(
        matches_course=False, findings=found, size=_relative_size(user, course),
        first_difference=_first_difference(user, course), closest=closest, remainder=remainder,
        not_finite=_not_finite(user, course, gradients, found + closest, changes), **report,
    )  # fmt: skip
