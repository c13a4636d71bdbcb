"""Random search over an experiment's hyperparameters: C2W3's "tuning process".

The learning rate is drawn on a log scale (the course's r = -4 * np.random.rand(); alpha = 10**r
is the box 1e-4 .. 1), β (momentum's beta, Adam's beta1) through 1 - β on a log scale, so that
0.9 .. 0.99 and 0.99 .. 0.999 get as many trials each. Coarse then fine: a second round samples a
smaller box around the best coarse trial. Each trial is a shortened run of the experiment; all
draws come from one numpy.random.RandomState(seed), so a seed gives the same trials and table.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace

import numpy as np

from dlparity.core import registry
from dlparity.core.errors import DlparityError
from dlparity.course import experiments
from dlparity.course.experiments import Experiment
from dlparity.runtime import frameworks
from dlparity.tools.runs import run_experiment, split_framework

BETA_RANGE = (0.9, 0.999)  # the course's range for β; sampled as 1 - β in 1e-3 .. 1e-1
LR_DECADES = (-2.0, 1.0)  # default box: 10^-2 .. 10^1 times the experiment's own rate
FINE_SHRINK = 0.25  # the fine box spans this fraction of the coarse box, per axis (in log10)
STEPS_DIVISOR = 20  # default trial length: the experiment's steps // 20
SEED_LIMIT = 2**32  # RandomState takes seeds in 0 .. 2**32 - 1


@dataclass(frozen=True)
class Box:
    """Where a round samples: log10 exponents (low, high) of the learning rate and of 1 - β
    (None when the optimizer has no β)."""

    lr: tuple[float, float]
    one_minus_beta: tuple[float, float] | None

    def describe(self) -> dict:
        """The box in the hyperparameters' own units: {"learning_rate": [low, high], "beta": ...}."""
        lr = [10 ** self.lr[0], 10 ** self.lr[1]]
        if self.one_minus_beta is None:
            return {"learning_rate": lr, "beta": None}
        low, high = self.one_minus_beta
        return {"learning_rate": lr, "beta": [1 - 10**high, 1 - 10**low]}


def beta_name(experiment: Experiment) -> str | None:
    """The TrainConfig field searched as β: beta (momentum), beta1 (Adam, AdamW), or None."""
    names = registry.OPTIMIZERS[experiment.config.optimizer].hyperparameters
    return next((name for name in ("beta", "beta1") if name in names), None)


def default_steps(experiment: Experiment) -> int:
    return max(1, experiment.config.steps // STEPS_DIVISOR)


def coarse_box(experiment: Experiment, lr_range=None) -> Box:
    """lr_range (low, high), else two decades below to one above the experiment's own rate."""
    if lr_range is None:
        own = math.log10(experiment.config.learning_rate)
        lr = (own + LR_DECADES[0], own + LR_DECADES[1])
    else:
        lr = (math.log10(lr_range[0]), math.log10(lr_range[1]))
    beta = None
    if beta_name(experiment) is not None:
        beta = (math.log10(1 - BETA_RANGE[1]), math.log10(1 - BETA_RANGE[0]))
    return Box(lr, beta)


def _shrink(bounds: tuple[float, float], center: float) -> tuple[float, float]:
    """FINE_SHRINK of bounds' width around center, shifted to stay inside bounds."""
    low, high = bounds
    width = FINE_SHRINK * (high - low)
    start = min(max(center - width / 2, low), high - width)
    return start, start + width


def fine_box(coarse: Box, best: dict) -> Box:
    """A smaller box around the best trial's learning rate and β, inside the coarse box."""
    lr = _shrink(coarse.lr, math.log10(best["learning_rate"]))
    beta = None
    if coarse.one_minus_beta is not None:
        beta = _shrink(coarse.one_minus_beta, math.log10(1 - best["beta"]))
    return Box(lr, beta)


def sample(box: Box, n: int, rng: np.random.RandomState) -> list[tuple[float, float | None]]:
    """n (learning rate, β) pairs: r uniform in the box's exponents, lr = 10**r, β = 1 - 10**r.

    With the box 1e-4 .. 1 the draw is the course's r = -4 * np.random.rand().
    """
    low, high = box.lr
    lrs = 10 ** (high + (low - high) * rng.rand(n))
    if box.one_minus_beta is None:
        return [(float(lr), None) for lr in lrs]
    low, high = box.one_minus_beta
    betas = 1 - 10 ** (high + (low - high) * rng.rand(n))
    return [(float(lr), float(beta)) for lr, beta in zip(lrs, betas, strict=True)]


def trial_experiment(experiment: Experiment, lr: float, beta, steps: int) -> Experiment:
    """The experiment with this learning rate and β, trained for steps iterations (epochs)."""
    config = experiment.config
    length = "num_iterations" if config.num_iterations is not None else "num_epochs"
    changes = {"learning_rate": lr, length: steps}
    if beta is not None:
        changes[beta_name(experiment)] = beta
    return replace(experiment, config=replace(config, **changes), published={})


# trials per round, at most: each trains the experiment; C2W3 searches with a few dozen
MAX_TRIALS = 1000


def check_arguments(name, trials, framework, seed, steps, lr_range) -> Experiment:
    """Every argument of run_tune, checked before any training: the experiment, or an error."""
    experiment = experiments.get(name)
    if isinstance(trials, bool) or not isinstance(trials, int) or not 1 <= trials <= MAX_TRIALS:
        raise DlparityError(f"--trials: give 1 to {MAX_TRIALS} trials per round, got {trials}")
    base, _ = split_framework(framework)
    if not frameworks.available(base):
        needs = ", ".join(frameworks.missing_packages(base))
        raise DlparityError(f"framework {framework} is not installed here (needs {needs})")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < SEED_LIMIT:
        raise DlparityError(f"--seed: must be an integer in 0..{SEED_LIMIT - 1}, got {seed}")
    total = experiment.config.steps
    if steps is not None and not 1 <= steps <= total:
        name = experiment.config.step_name
        raise DlparityError(f"--steps: must be in 1..{total} ({name}s of {experiment.name}), got {steps}")  # fmt: skip
    if lr_range is not None:
        low, high = lr_range
        if not (0 < low < high and math.isfinite(high)):
            raise DlparityError(f"--lr-range: need 0 < low < high, got {low:g},{high:g}")
    return experiment


def _run_trial(experiment, framework, arrays, number, round_name, lr, beta, steps) -> dict:
    trial = trial_experiment(experiment, lr, beta, steps)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # a diverging trial is reported as such
        run = run_experiment(trial, framework, arrays=arrays)
    costs = run.result.costs
    final, first = costs[max(costs)], costs[min(costs)]
    return {"trial": number, "round": round_name, "learning_rate": lr, "beta": beta,
            "final_cost": final, "train_accuracy": run.train_accuracy, "costs": costs,
            "diverged": not math.isfinite(final) or final > first}  # fmt: skip


def diverged(trial: dict) -> bool:
    """Its cost ended infinite, NaN, or above where it started: the rate was too large."""
    return trial.get("diverged", not math.isfinite(trial["final_cost"]))


def _cost_key(trial: dict) -> tuple:
    """Sorts by final cost, the diverged last, ties by trial number."""
    return (diverged(trial), 0.0 if diverged(trial) else trial["final_cost"], trial["trial"])


def ranked(trials: list[dict]) -> list[dict]:
    return sorted(trials, key=_cost_key)


def best_trial(trials: list[dict]) -> dict | None:
    """The trial with the lowest finite final cost, or None if every one diverged."""
    first = ranked(trials)[0] if trials else None
    return first if first is not None and not diverged(first) else None


def _box_line(round_name: str, box: Box, beta: str | None) -> str:
    described = box.describe()
    low, high = described["learning_rate"]
    line = f"{round_name}: learning rate {low:.3g} .. {high:.3g} (log scale)"
    if described["beta"] is not None:
        line += f", {beta} {described['beta'][0]:.4f} .. {described['beta'][1]:.4f} (log 1 - {beta})"  # fmt: skip
    return line


def _round(experiment, framework, arrays, box, count, rng, first, name, steps) -> list[dict]:
    """count trials drawn from box, numbered from first."""
    return [
        _run_trial(experiment, framework, arrays, first + i, name, lr, beta, steps)
        for i, (lr, beta) in enumerate(sample(box, count, rng))
    ]


def run_tune(name, trials, framework="numpy", seed=1, steps=None, lr_range=None, arrays=None,
             out=print) -> dict:  # fmt: skip
    """trials coarse trials, then trials fine ones around the best; returns the search:
    {"experiment", "framework", "seed", "steps", "step_name", "beta_name", "rounds": [{"round",
    "box": Box}], "trials": [{"trial", "round", "learning_rate", "beta", "final_cost", "diverged",
    "train_accuracy", "costs"}], "best": the best trial's number or None}."""
    experiment = check_arguments(name, trials, framework, seed, steps, lr_range)
    steps = steps or default_steps(experiment)
    arrays = arrays if arrays is not None else _load(experiment)
    rng, beta = np.random.RandomState(seed), beta_name(experiment)
    config = experiment.config
    out(f"tune {experiment.name} ({experiment.course}) with {framework}: {trials} coarse + "
        f"{trials} fine trials of {steps} {config.step_name}s, seed {seed}")  # fmt: skip
    coarse = coarse_box(experiment, lr_range)
    out(_box_line("coarse", coarse, beta))
    rounds = [{"round": "coarse", "box": coarse}]
    done = _round(experiment, framework, arrays, coarse, trials, rng, 1, "coarse", steps)
    best = best_trial(done)
    if best is None:
        out("fine: none, every coarse trial diverged")
    else:
        box = fine_box(coarse, best)
        out(_box_line(f"fine (around trial {best['trial']})", box, beta))
        if box.lr[0] == coarse.lr[0] or box.lr[1] == coarse.lr[1]:
            out("note: the best learning rate lies at the edge of the box; --lr-range widens it")
        rounds.append({"round": "fine", "box": box})
        done += _round(experiment, framework, arrays, box, trials, rng, trials + 1, "fine", steps)
    best = best_trial(done)
    return {"experiment": experiment.name, "framework": framework, "seed": seed,
            "steps": steps, "step_name": config.step_name, "beta_name": beta,
            "rounds": rounds, "trials": done,
            "best": None if best is None else best["trial"]}  # fmt: skip


def _load(experiment):
    from dlparity.course import data

    return data.load(experiment.dataset)


def _number(value, spec: str) -> str:
    if value is None:
        return "-"
    return f"{value:{spec}}" if math.isfinite(value) else "diverged"


def table(result: dict) -> list[str]:
    """The trials sorted by final cost, one line each, under a header."""
    beta = result["beta_name"] or "beta"
    lines = [f"{'trial':>5}  {'round':<6}{'learning rate':>14}{beta:>8}{'final cost':>14}"
             f"{'train acc':>11}"]  # fmt: skip
    for t in ranked(result["trials"]):
        lines.append(
            f"{t['trial']:>5}  {t['round']:<6}{t['learning_rate']:>14.4e}"
            f"{_number(t['beta'], '.4f'):>8}"
            f"{'diverged' if diverged(t) else _number(t['final_cost'], '.6f'):>14}"
            f"{_number(t['train_accuracy'], '.4f'):>11}"
        )
    return lines


def _finite_or_none(value):
    return value if value is None or math.isfinite(value) else None


def tune_json(result: dict) -> dict:
    """The search as JSON: boxes in the hyperparameters' units, a diverged cost as null."""
    trials = [
        {**t, "final_cost": _finite_or_none(t["final_cost"]),
         "costs": {str(s): _finite_or_none(c) for s, c in t["costs"].items()}}
        for t in result["trials"]
    ]  # fmt: skip
    rounds = [{"round": r["round"], **r["box"].describe()} for r in result["rounds"]]
    return {**result, "rounds": rounds, "trials": trials}
