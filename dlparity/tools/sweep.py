"""Sweeps: an experiment's network at several hidden-layer sizes, on several datasets, per framework.

planar-hidden is C1W3's "tuning hidden layer size": nn_model(X, Y, n_h, num_iterations=5000)
for n_h in 1, 2, 3, 4, 5, 20, 50 on the flower, printing the training accuracy of each; the
course's "performance on other datasets" runs the same network on its four extra datasets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dlparity.core.errors import DlparityError
from dlparity.course import data, experiments
from dlparity.course.experiments import Experiment
from dlparity.tools.runs import run_experiment


@dataclass(frozen=True)
class Sweep:
    name: str
    course: str
    base: str  # the experiment whose network, initialization and learning rate are swept
    sizes: tuple[int, ...]
    iterations: int
    datasets: tuple[str, ...]  # the ones it may run on; the first is the default
    published: dict = field(default_factory=dict)  # dataset -> {n_h: training accuracy in %}
    chaotic: dict = field(default_factory=dict)  # dataset -> {n_h: note}: rounding decides


SWEEPS = {
    "planar-hidden": Sweep(
        "planar-hidden", "C1W3", "planar", (1, 2, 3, 4, 5, 20, 50), 5000,
        ("flower", "noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles"),
        {"flower": {1: 67.5, 2: 67.25, 3: 90.75, 4: 90.5, 5: 91.25, 20: 90.0, 50: 90.25}},
        # measured in float64 (tests/test_sweep.py, slow): nudging one initial weight by one ulp
        # moves the accuracy among these values, the course's among them
        {"flower": {20: "90.00, 90.50 or 90.75 %", 50: "90.25 or 90.75 %"}},
    ),
}  # fmt: skip


def get(name: str) -> Sweep:
    if name not in SWEEPS:
        raise DlparityError(f"unknown sweep {name!r}; choose one of {', '.join(SWEEPS)}")
    return SWEEPS[name]


# the widest hidden layer a sweep trains: the course sweeps up to 50; 10000 units keep each
# (n_h, 400) activation of the flower data at 32 MB
MAX_HIDDEN = 10_000


def check_choices(sweep: Sweep, datasets: list[str], sizes: list[int]) -> None:
    """Datasets among the sweep's, sizes positive: a one-line error before any training."""
    unknown = [d for d in datasets if d not in sweep.datasets]
    if unknown:
        raise DlparityError(
            f"--datasets: {unknown[0]!r} is not one of {sweep.name}'s: {', '.join(sweep.datasets)}"
        )
    if not sizes or any(n < 1 for n in sizes):
        raise DlparityError(f"--sizes: give positive hidden-layer sizes, got {sizes}")
    if max(sizes) > MAX_HIDDEN:
        raise DlparityError(
            f"--sizes: at most {MAX_HIDDEN} hidden units, got {max(sizes)} (its activations "
            f"alone would take {max(sizes) * 400 * 8 / 2**30:.3g} GiB per array)"
        )


def sized(sweep: Sweep, n_h: int, dataset: str) -> Experiment:
    """The base experiment with n_h hidden units, trained sweep.iterations on dataset."""
    base = experiments.get(sweep.base)
    dims = (base.spec.layer_dims[0], n_h, *base.spec.layer_dims[2:])
    config = replace(base.config, num_iterations=sweep.iterations)
    return replace(base, name=f"{sweep.base}-h{n_h}", dataset=dataset,
                   spec=replace(base.spec, layer_dims=dims), config=config, published={})  # fmt: skip


def _cell(accuracy: float, course: float | None, chaotic: bool, width: int) -> str:
    text = f"{accuracy:.2f} %"
    if course is not None and abs(accuracy - course) < 1e-9:
        text += " ok"
    elif course is not None:
        text += " chaotic" if chaotic else " DIFFERS"
    return text.rjust(width)


def run_dataset(sweep: Sweep, dataset: str, names: list[str], sizes, out=print) -> list[dict]:
    """One table: a row per hidden-layer size (printed as soon as it is done), a column per name."""
    arrays = data.load(dataset)
    course, chaotic = sweep.published.get(dataset, {}), sweep.chaotic.get(dataset, {})
    width = max(16, *(len(n) + 2 for n in names))
    out(f"== {dataset}: {sweep.iterations} iterations per size, training accuracy")
    out(f"{'hidden units':>12}{'course' if course else '':>10}" + "".join(
        f"{n:>{width}}" for n in names))  # fmt: skip
    rows = []
    for n_h in sizes:
        experiment, published = sized(sweep, n_h, dataset), course.get(n_h)
        cells = []
        for name in names:
            run = run_experiment(experiment, name, arrays=arrays)
            accuracy = 100 * run.train_accuracy
            rows.append({"dataset": dataset, "hidden_units": n_h, "framework": name,
                         "train_accuracy": accuracy, "course": published, "run": run})  # fmt: skip
            cells.append(_cell(accuracy, published, n_h in chaotic, width))
        shown = f"{published:.2f} %" if published is not None else ""
        out(f"{n_h:>12}{shown:>10}" + "".join(cells))
    for n_h in (n for n in sizes if n in chaotic):
        out(f"chaotic at {n_h} units: a one-ulp nudge of one initial weight gives {chaotic[n_h]}")
    _note_disagreements(rows, sweep, out)
    return rows


def _note_disagreements(rows: list[dict], sweep: Sweep, out) -> None:
    """Name the sizes where the frameworks' accuracies differ (rounding, amplified by the run)."""
    by_size: dict[int, set] = {}
    for row in rows:
        by_size.setdefault(row["hidden_units"], set()).add(round(row["train_accuracy"], 9))
    differing = [str(n_h) for n_h, values in by_size.items() if len(values) > 1]
    if differing:
        rate = experiments.get(sweep.base).config.learning_rate
        out(
            f"frameworks differ at {', '.join(differing)} units: at learning rate {rate:g} these "
            "runs amplify rounding differences (dlparity compare shows where the costs part)"
        )


def run_sweep(name: str, names: list[str], datasets=None, sizes=None, out=print) -> list[dict]:
    """Every dataset's table; returns one row per (dataset, size, framework): dataset,
    hidden_units, framework, train_accuracy and course (in %), run (the runs.Run)."""
    sweep = get(name)
    datasets = list(datasets or sweep.datasets[:1])
    sizes = list(sizes or sweep.sizes)
    check_choices(sweep, datasets, sizes)
    out(f"{sweep.name} ({sweep.course}): the {sweep.base} network with 1 hidden layer of n_h units")
    rows = []
    for dataset in datasets:
        rows += run_dataset(sweep, dataset, names, sizes, out)
    return rows


def sweep_json(name: str, rows: list[dict]) -> dict:
    """The rows of run_sweep as JSON: accuracies as fractions, as `dlparity train --json` has them."""
    sweep = get(name)
    runs = []
    for row in rows:
        course = row["course"]
        runs.append({
            "framework": row["framework"], "dataset": row["dataset"],
            "hidden": row["hidden_units"], "train_accuracy": row["run"].train_accuracy,
            "course_train_accuracy": None if course is None else course / 100,
            "costs": {str(step): cost for step, cost in row["run"].result.costs.items()},
        })  # fmt: skip
    return {"experiment": sweep.base, "sweep": sweep.name, "course": sweep.course,
            "iterations": sweep.iterations, "runs": runs}  # fmt: skip


def boundary_panels(name: str, rows: list[dict]) -> list[list[dict]]:
    """The rows grouped for a grid of decision boundaries: one list per (dataset, framework) in
    the order run, each in the order of the sizes; each panel a row plus its sized experiment."""
    sweep, grid = get(name), {}
    for row in rows:
        panel = {**row, "experiment": sized(sweep, row["hidden_units"], row["dataset"])}
        grid.setdefault((row["dataset"], row["framework"]), []).append(panel)
    return list(grid.values())
