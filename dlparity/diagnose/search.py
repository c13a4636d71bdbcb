"""When no known variant reproduces an optimizer as given: the hyperparameter values that do.

Real code often implements the course's formula exactly with another default: numpy-ml's and
Keras' Adam take epsilon 1e-7, the RMSprop of Keras, optax, numpy-ml and d2l decays with 0.9.
common_changes() lists the values such code uses, one hyperparameter and then two at a time;
fit() finds any other value of one hyperparameter by minimizing the distance between the
user's trajectory and the formula's, then tries the decimal roundings of the minimum, since a
value written in code has few digits and only an exact value reproduces to the tolerance.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

from dlparity.diagnose.common import Finding

BETAS = (0.0, 0.5, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999)
EPSILONS = (0.0, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12)
WEIGHT_DECAYS = (1e-5, 1e-4, 5e-4, 1e-3, 4e-3, 0.01, 0.05, 0.1)
COMMON = {"beta": BETAS, "beta1": BETAS, "beta2": BETAS, "epsilon": EPSILONS,
          "weight_decay": WEIGHT_DECAYS}  # fmt: skip

# whose default a value is, where it is one: (kind, hyperparameter, value) -> owners
_DEFAULT_OF = {
    ("adam", "epsilon", 1e-7): "Keras' and numpy-ml's default",
    ("adamw", "epsilon", 1e-7): "Keras' default",
    ("rmsprop", "epsilon", 1e-7): "Keras' default",
    ("rmsprop", "beta2", 0.9): "the default decay of Keras, optax, numpy-ml and d2l",
    ("rmsprop", "beta2", 0.99): "PyTorch's default alpha",
    ("adamw", "weight_decay", 0.01): "PyTorch's default",
    ("adamw", "weight_decay", 0.004): "Keras' default",
    ("adamw", "weight_decay", 1e-4): "optax's default",
}

# each hyperparameter fitted on a log scale: (x of a value, value of an x, x's range)
_SCALES = {
    "beta": (lambda b: math.log10(1 - b), lambda x: 1 - 10**x, (-5.0, -0.15)),
    "epsilon": (math.log10, lambda x: 10**x, (-16.0, -2.0)),
    "weight_decay": (math.log10, lambda x: 10**x, (-7.0, 0.0)),
}
_GRID, _GOLDEN_STEPS = 29, 45  # 0.618^45: 1e-9 of a decade


def common_changes(hyper: dict, names) -> list[dict]:
    """{name: value} changes of the hyperparameters `hyper` to common values: every single change,
    then every pair."""
    options = {n: [v for v in COMMON[n] if v != hyper[n]] for n in names if n in COMMON}
    singles = [{n: v} for n, values in options.items() for v in values]
    pairs = [
        {a: va, b: vb}
        for a, b in itertools.combinations(options, 2)
        for va in options[a]
        for vb in options[b]
    ]
    return singles + pairs


@dataclass(frozen=True)
class HyperparameterFinding(Finding):
    """A hyperparameter, not the formula, differs: `hyperparameter` is `value` in the user's code
    where the diagnosis used `was` (the course's default, or the value the user gave)."""

    hyperparameter: str = ""
    value: float = 0.0
    was: float = 0.0
    given: bool = False

    @property
    def against(self) -> str:
        return f"{'you gave' if self.given else 'the course uses'} {self.was!r}"


def finding(kind: str, name: str, value: float, was: float, given: bool) -> HyperparameterFinding:
    """The finding that hyperparameter `name` is `value` where the diagnosis used `was`."""
    owner = _DEFAULT_OF.get((kind, name, value))
    whose = f" ({owner})" if owner else ""
    source = "you gave" if given else "the course uses"
    return HyperparameterFinding(
        f"{name} = {value!r}",
        f"a hyperparameter differs, not the formula: {name} = {value!r}{whose} where {source} "
        f"{was!r}",
        kind,  # the optimizer's migration row: its names in optax and Keras
        name,
        value,
        was,
        given,
    )


def verdict(findings) -> str | None:
    """'the course's formula with epsilon = 1e-07 (the course uses 1e-08)' when every finding is
    a hyperparameter's; None otherwise."""
    if not findings or not all(isinstance(f, HyperparameterFinding) for f in findings):
        return None
    values = ", ".join(f.name for f in findings)
    if len({f.given for f in findings}) == 1:  # one source: "(the course uses 0.999, 1e-08)"
        source = "you gave" if findings[0].given else "the course uses"
        against = f"{source} {', '.join(repr(f.was) for f in findings)}"
    else:
        against = "; ".join(f.against for f in findings)
    return f"the course's formula with {values} ({against})"


def fit(name: str, was: float, distance: Callable[[float], float]) -> list[float]:
    """Values of hyperparameter `name` to try, the likeliest first: the minimum of distance(value)
    over the hyperparameter's range (a grid, then golden-section search around its best point),
    rounded to 1, 2, ... 10 significant digits (of 1 - beta for a beta, too)."""
    to_x, to_value, (low, high) = _SCALES["beta" if name.startswith("beta") else name]
    step = (high - low) / (_GRID - 1)
    grid = [low + i * step for i in range(_GRID)]
    costs = [distance(to_value(x)) for x in grid]
    best = min(range(_GRID), key=costs.__getitem__)
    if not math.isfinite(costs[best]):
        return []
    a, b = grid[max(best - 1, 0)], grid[min(best + 1, _GRID - 1)]
    golden = (math.sqrt(5) - 1) / 2
    c, d = b - golden * (b - a), a + golden * (b - a)
    fc, fd = distance(to_value(c)), distance(to_value(d))
    for _ in range(_GOLDEN_STEPS):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - golden * (b - a)
            fc = distance(to_value(c))
        else:
            a, c, fc = c, d, fd
            d = a + golden * (b - a)
            fd = distance(to_value(d))
    value, beta = to_value((a + b) / 2), name.startswith("beta")
    tried = []
    for digits in range(1, 11):
        rounded = [float(f"{value:.{digits}g}")]
        if beta:
            rounded.append(1 - float(f"{1 - value:.{digits}g}"))
        tried += [
            v for v in rounded if v not in tried and v != was and 0 <= v < (1 if beta else 1e3)
        ]
    return tried
