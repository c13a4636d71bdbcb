"""Run an experiment on one or several frameworks, collect the histories, diff them, time them.

`dlparity train` and `dlparity compare` are built on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dlparity.core.init import initialize_parameters
from dlparity.core.results import TrainResult
from dlparity.course import data
from dlparity.course.experiments import Experiment
from dlparity.runtime import frameworks
from dlparity.tools.metrics import accuracy


@dataclass
class Run:
    experiment: str
    framework: str
    dtype: str
    result: TrainResult
    train_accuracy: float | None
    test_accuracy: float | None
    options: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "experiment": self.experiment,
            "framework": self.framework,
            "dtype": self.dtype,
            "costs": {str(step): cost for step, cost in self.result.costs.items()},
            "train_accuracy": self.train_accuracy,
            "test_accuracy": self.test_accuracy,
            "seconds": self.result.seconds,
            "compile_seconds": self.result.compile_seconds,
            "devices": self.options.get("devices", 1),
        }


def split_framework(name: str) -> tuple[str, dict]:
    """'keras-stock' -> ('keras', {'stock': True}); other names carry no options."""
    framework, options = frameworks.split(name)
    return framework.name, options


def initial_parameters(experiment: Experiment) -> dict:
    return initialize_parameters(
        experiment.spec, experiment.init_scheme, seed=experiment.init_seed,
        scale=experiment.init_scale,
    )  # fmt: skip


def run_experiment(
    experiment: Experiment, framework: str, *, arrays=None, data_dir=None, progress=None, **options
) -> Run:
    """Train the experiment with one framework and measure accuracy with that framework's predict."""
    base, variant = split_framework(framework)
    impl = frameworks.load(base)
    X, Y, X_test, Y_test = arrays if arrays is not None else data.load(experiment.dataset, data_dir)
    spec = experiment.spec
    params0 = None if options.get("start") is not None else initial_parameters(experiment)
    result = impl.train(
        spec, experiment.config, (X, Y), params0, progress=progress, **variant, **options
    )
    scores = []
    for X_, Y_ in ((X, Y), (X_test, Y_test)):
        empty = Y_.shape[1] == 0
        scores.append(None if empty else accuracy(_predict(impl, result, X_, spec), Y_))
    return Run(
        experiment.name, framework, spec.dtype, result, *scores, options={**variant, **options}
    )


def _predict(impl, result: TrainResult, X, spec):
    return np.asarray(impl.predict(result.params, X, spec, bn_state=result.bn_state))


def cost_differences(runs: list[Run]) -> list[float | None]:
    """Max |cost - reference cost| over common recorded steps, per run; the first run is the reference."""
    reference = runs[0].result.costs
    diffs = []
    for run in runs:
        common = [s for s in reference if s in run.result.costs]
        diffs.append(
            max(abs(run.result.costs[s] - reference[s]) for s in common) if common else None
        )
    return diffs


AGREEMENT = 1e-10  # the parity suite's bar for recorded costs


def first_disagreement(reference: dict, costs: dict, tolerance: float = AGREEMENT) -> int | None:
    """The first recorded step whose costs differ by more than tolerance, or None."""
    for step in sorted(reference):
        if step in costs and abs(costs[step] - reference[step]) > tolerance:
            return step
    return None


def compare_json(experiment: Experiment, runs: list[Run]) -> dict:
    diffs = cost_differences(runs)
    reference = runs[0].result.costs
    objects = []
    for run, diff in zip(runs, diffs, strict=True):
        first = first_disagreement(reference, run.result.costs)
        objects.append(
            {
                **run.to_json(),
                "max_abs_cost_diff_vs_reference": diff,
                "first_step_beyond_1e-10": first,
            }
        )
    others = [d for d in diffs[1:] if d is not None]
    return {
        "experiment": experiment.name,
        "reference": runs[0].framework,
        "runs": objects,
        "max_abs_cost_diff": max(others) if others else 0.0,
    }


OVERFLOW_NOTE = "the course printed inf: its literal formula overflows where a sigmoid saturates"


def chaos_note(experiment: Experiment) -> str:
    step = f"{experiment.config.step_name} {experiment.chaotic_from}"
    return (
        f"chaotic from {step} on: one ulp in one initial weight of the reference moves its "
        "costs past 1e-10 there, and its final values by as much as this"
    )


def _verdict(experiment: Experiment, agrees: bool, step: int) -> str:
    """ok; DIFFERS; or the chaos note where the run is chaotic by then (step: where the value
    is taken, the run's last for accuracies)."""
    if agrees:
        return "ok"
    chaotic = experiment.chaotic_from is not None and step >= experiment.chaotic_from
    return chaos_note(experiment) if chaotic else "DIFFERS"


def _cost_verdict(course: float, here: float) -> str:
    """ok, DIFFERS, or a note where the course printed its formula's overflow as inf."""
    if np.isinf(course):
        return f"{OVERFLOW_NOTE}; the exact cost is finite" if np.isfinite(here) else "ok"
    digits = len(repr(course).split(".")[-1])
    tolerance = 1e-6 if digits <= 6 else 1e-9 * abs(course)  # as printed: 6 decimals or all
    return "ok" if abs(here - course) <= tolerance else "DIFFERS"


def published_check(experiment: Experiment, run: Run) -> list[tuple[str, float, float, str]]:
    """(what, course value, this run's value, verdict) for each number the course publishes.

    verdict: "ok", "DIFFERS", or a note: where the course printed an artefact of its formula, or
    where the value comes from the chaotic part of a run (Experiment.chaotic_from).
    Costs printed with 6 decimals agree within 1e-6; full-precision ones within 1e-9 relative.
    """
    rows, published = [], experiment.published
    for step, value in published.get("costs", {}).items():
        got = run.result.costs.get(step)
        if got is not None:
            what = f"cost at {experiment.config.step_name} {step}"
            verdict = _cost_verdict(value, got)
            if verdict == "DIFFERS":
                verdict = _verdict(experiment, False, step)
            rows.append((what, value, got, verdict))
    for key in ("train_accuracy", "test_accuracy"):
        mine = getattr(run, key)
        if key in published and mine is not None:
            agrees = abs(mine - published[key]) < 1e-9
            verdict = _verdict(experiment, agrees, experiment.config.steps - 1)
            rows.append((key.replace("_", " "), published[key], mine, verdict))
    return rows


def predictor(experiment: Experiment, run: Run):
    """grid (2, k) -> (1, k) labels, with the run's framework and final parameters."""
    base, _ = split_framework(run.framework)
    predict, result = frameworks.load(base).predict, run.result

    def predict_grid(grid):
        return predict(result.params, grid, experiment.spec, bn_state=result.bn_state)

    return predict_grid
