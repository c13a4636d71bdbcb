"""DLPARITY_QUICK: the notebooks' runs shortened, so that CI can execute every notebook.

With DLPARITY_QUICK set (to anything but "" or "0"), `shorten` cuts an experiment to its first
QUICK_RECORDS recorded costs (planar: 101 of 10000 iterations, costs at 0 and 100). The
published numbers the short run still reaches (the costs at those steps) stay, to be checked;
the others (the final accuracies, later costs) belong to the full run and are dropped. Unset,
every run is the course's. Only the notebooks call this: the command always runs in full.
"""

from __future__ import annotations

import os
from dataclasses import replace

from dlparity.core.errors import DlparityError
from dlparity.core.spec import TrainConfig
from dlparity.course import experiments
from dlparity.course.experiments import Experiment

ENV_VAR = "DLPARITY_QUICK"
QUICK_RECORDS = 2  # recorded costs a quick run keeps: a curve, and the course's first two lines
QUICK_SIZES = 2  # hidden-layer sizes a quick sweep keeps, from the front of its list


def enabled() -> bool:
    """Whether DLPARITY_QUICK asks for shortened runs."""
    return os.environ.get(ENV_VAR, "").strip() not in ("", "0")


def quick_steps(config: TrainConfig) -> int:
    """Steps that record the first QUICK_RECORDS costs: record_every * (QUICK_RECORDS - 1) + 1."""
    return min(config.steps, config.record_every * (QUICK_RECORDS - 1) + 1)


def _shortened(config: TrainConfig, steps: int) -> TrainConfig:
    if config.num_iterations is not None:
        return replace(config, num_iterations=steps)
    return replace(config, num_epochs=steps)


def _reachable(published: dict, steps: int) -> dict:
    """The published costs of the steps a run of `steps` steps records; no final accuracies."""
    costs = {s: c for s, c in published.get("costs", {}).items() if s < steps}
    return {"costs": costs} if costs else {}


def describe(value) -> str:
    """What a wrong argument is, for a message: "the str 'planar'", "None", "an int"."""
    if value is None:
        return "None"
    kind = type(value).__name__
    if isinstance(value, str | int | float):
        return f"the {kind} {value!r}"
    return f"a{'n' * (kind[:1].lower() in 'aeiou')} {kind}"


def experiment_argument(value, where: str, argument: str = "experiment") -> Experiment:
    """value, when it is an Experiment; else one DlparityError line naming `where`'s argument."""
    if isinstance(value, Experiment):
        return value
    hint = ""
    if isinstance(value, str):
        hint = f": get it with dlparity.course.experiments.get({value!r})"
    raise DlparityError(f"{where}: {argument} should be an Experiment, got {describe(value)}{hint}")


def shorten(experiment: Experiment) -> Experiment:
    """The experiment as the notebooks run it: unchanged, or with DLPARITY_QUICK its first steps.

    A shortened experiment says so in its summary: "... (DLPARITY_QUICK: 101 of 10000 iterations)".
    """
    experiment_argument(experiment, "shorten")
    config = experiment.config
    steps = quick_steps(config)
    if not enabled() or steps == config.steps:
        return experiment
    note = f"DLPARITY_QUICK: {steps} of {config.steps} {config.step_name}s"
    return replace(
        experiment, config=_shortened(config, steps), summary=f"{experiment.summary} ({note})",
        published=_reachable(experiment.published, steps),
    )  # fmt: skip


def shorten_sweep(sweep):
    """A dlparity.tools.sweep.Sweep as the notebooks run it: unchanged, or with DLPARITY_QUICK its first
    QUICK_SIZES sizes, each trained quick_steps iterations, with no course accuracies to check
    (the course's are those of full-length runs)."""
    from dlparity.tools.sweep import Sweep

    if not isinstance(sweep, Sweep):
        hint = (
            f": get it with dlparity.tools.sweep.get({sweep!r})" if isinstance(sweep, str) else ""
        )
        raise DlparityError(f"shorten_sweep: sweep should be a Sweep, got {describe(sweep)}{hint}")
    if not enabled():
        return sweep
    base = experiments.get(sweep.base).config
    steps = quick_steps(replace(base, num_iterations=sweep.iterations))
    return replace(sweep, sizes=sweep.sizes[:QUICK_SIZES], iterations=steps, published={},
                   chaotic={})  # fmt: skip
