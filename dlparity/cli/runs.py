"""train, compare, report and gradcheck: the commands that train, with their progress, the
published-number checks, the side-by-side tables, checkpoints and plots."""

from __future__ import annotations

import sys
import time

from dlparity.cli.args import (
    add_run_options,
    check_outputs,
    framework_help,
    frameworks_arg,
    installed_or_fail,
    write_json,
)
from dlparity.core.errors import DlparityError
from dlparity.course import data, experiments
from dlparity.runtime import frameworks, keras_backend
from dlparity.tools.runs import compare_json, published_check, run_experiment, split_framework


def _named(where) -> str:
    """The frameworks whose descriptor where holds for, as a list in a sentence: "jax or tf"."""
    return frameworks.either(frameworks.names(where))


def _add_train_options(p) -> None:
    p.add_argument("--framework", default=frameworks.reference().name, help=framework_help())
    stock = "; ".join(f"{', '.join(v)}: {what}" for what, v in frameworks.stock_uses().items())
    p.add_argument("--stock", action="store_true", help=stock)
    native = ", ".join(frameworks.names(lambda f: f.native_randomness))
    p.add_argument("--randomness", choices=("parity", "native"), default="parity",
                   help=f"{native}: the course's batch orders and masks (parity) or the "
                   "framework's own generator (native)")  # fmt: skip
    resumable = ", ".join(frameworks.names(lambda f: not f.whole_runs))
    p.add_argument("--save", metavar="PATH",
                   help=f"{resumable}: write a checkpoint (.npz) where training stops")  # fmt: skip
    p.add_argument("--resume", metavar="PATH",
                   help=f"continue from a checkpoint of --save, in any of {resumable}")  # fmt: skip
    p.add_argument("--stop-after", type=int, metavar="N",
                   help="stop after the run's first N iterations (epochs)")  # fmt: skip


def add_parsers(sub) -> None:
    p = sub.add_parser("train", help="train one experiment")
    p.add_argument("experiment")
    _add_train_options(p)
    add_run_options(p)
    p = sub.add_parser("compare", help="train on several")
    p.add_argument("experiment")
    example = ",".join(frameworks.defaults() + frameworks.stock_names()[:1])
    p.add_argument("--frameworks", type=frameworks_arg, default=None,
                   help=f"comma-separated, e.g. {example} (default: every installed one)")  # fmt: skip
    add_run_options(p)
    p = sub.add_parser("report", help="one experiment in every framework, as an HTML page")
    p.add_argument("experiment")
    p.add_argument("--out", required=True, metavar="PATH", help="the page to write (.html)")
    p.add_argument("--frameworks", type=frameworks_arg, default=None,
                   help="comma-separated (default: every installed one)")  # fmt: skip
    p.add_argument("--data-dir", default=None, help="folder with the course's data files")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p = sub.add_parser("gradcheck", help="the course's gradient check on an experiment's network")
    p.add_argument("experiment")
    p.add_argument("--framework", default=frameworks.reference().name,
                   help=" | ".join(frameworks.names(lambda f: f.gradcheck)))  # fmt: skip
    p.add_argument("--data-dir", default=None)
    p.add_argument("--examples", type=int, default=8, help="training examples used (default 8)")
    p.add_argument(
        "--max-params",
        type=int,
        default=2000,
        help="check a seeded sample of this many coordinates when there are more",
    )
    p.add_argument("--shift-biases", type=float, default=0.0, metavar="S",
                   help="add S to every bias first: moves ReLU inputs off their kink at 0")  # fmt: skip


class _Progress:
    """Prints the course's cost lines and, on long runs, the progress on stderr: a bar on a
    terminal, else a line per tenth of the run (logs, CI, a notebook cell).

    The bar starts at the first recorded cost, so its clock leaves out the start-up and the
    compiling; jax and tf report every cost when their compiled run ends, so their bar fills
    at once rather than showing the first step's time as the rate of the run."""

    def __init__(self, experiment, label: str, quiet: bool, first: int = 0):
        self.config, self.quiet, self.label = experiment.config, quiet, label
        self.printed = set(experiment.printed_steps())
        self.long_run = self.config.steps >= 1000
        self.bar, self.done = None, first

    def _bar(self):
        if self.bar is None:
            from tqdm import tqdm

            hidden = not (self.long_run and sys.stderr.isatty())
            self.bar = tqdm(total=self.config.steps, initial=self.done, desc=self.label,
                            leave=False, disable=hidden)  # fmt: skip
        return self.bar

    def __call__(self, step: int, cost: float) -> None:
        bar = self._bar()
        if not self.quiet and step in self.printed:
            bar.write(f"Cost after {self.config.step_name} {step}: {cost:f}")
        bar.update(step + 1 - self.done)
        steps = self.config.steps
        if self.long_run and bar.disable and (step + 1) * 10 // steps > self.done * 10 // steps:
            print(f"{self.label}: {self.config.step_name} {step} of {steps}",
                  file=sys.stderr, flush=True)  # fmt: skip
        self.done = step + 1

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _train_one(experiment, framework, arrays, quiet, **options):
    note = keras_backend.note(split_framework(framework)[0])
    if note:
        print(f"dlparity: {note}", file=sys.stderr)
    first = options["start"].step if options.get("start") is not None else 0
    progress = _Progress(experiment, framework, quiet, first)
    try:
        return run_experiment(experiment, framework, arrays=arrays, progress=progress, **options)
    finally:
        progress.close()


def _fmt_accuracy(value) -> str:
    return "n/a (no test set)" if value is None else f"{value:.4f}"


def _report(run) -> None:
    print(f"Train accuracy: {_fmt_accuracy(run.train_accuracy)}")
    print(f"Test accuracy: {_fmt_accuracy(run.test_accuracy)}")
    r = run.result
    print(f"Training time: {r.seconds:.2f} s (compile {r.compile_seconds:.2f} s)")


def _experiment_and_data(args):
    experiment = experiments.get(args.experiment).with_dtype(args.dtype)
    return experiment, data.load(experiment.dataset, args.data_dir)


def cmd_train(args) -> int:
    check_outputs(args)
    experiment, arrays = _experiment_and_data(args)
    framework = args.framework + ("-stock" if args.stock else "")
    if args.stock and args.framework not in frameworks.names(lambda f: f.stock):
        raise DlparityError(f"--stock applies to --framework {_named(lambda f: f.stock)} only")
    split_framework(framework)
    options = {}
    if args.randomness == "native":
        if args.framework not in frameworks.names(lambda f: f.native_randomness):
            native = _named(lambda f: f.native_randomness)
            raise DlparityError(f"--randomness native applies to --framework {native}")
        options["randomness"] = "native"
    options.update(_device_options(args.devices, framework))
    resumed = _checkpoint_options(args, experiment, options)
    where = f" on {args.devices} devices" if args.devices else ""
    print(f"{experiment.name} ({experiment.course}, {experiment.summary}) "
          f"with {framework}, {args.dtype}{where}")  # fmt: skip
    if resumed is not None:
        print(f"Resuming from {resumed.path} after {experiment.config.step_name} "
              f"{resumed.state.step} (written by {resumed.header['framework']})")  # fmt: skip
    run = _train_one(experiment, framework, arrays, args.quiet, **options)
    _keep(args, experiment, run, resumed)
    _report(run)
    rows = published_check(experiment, run)
    if run.result.end is not None and run.result.end.step < experiment.config.steps:
        rows = [row for row in rows if row[0].startswith("cost")]  # accuracies are the end's
    if rows:
        print("Course's published results:")
        for what, course, mine, verdict in rows:
            print(f"  {what}: course {course:.6f}, here {mine:.6f} {verdict}")
    if args.json is not None:
        write_json(args.json, run.to_json())
    if args.plot is not None:
        mark = None if resumed is None else (resumed.state.step, resumed.header["framework"])
        _plot(args.plot, experiment, [run], arrays, mark)
    return 0


def _checkpoint_options(args, experiment, options: dict):
    """--save, --resume, --stop-after checked before any work: start= and stop= into options;
    returns the checkpoint resumed from, or None."""
    from dlparity.tools import checkpoint
    from dlparity.tools.outputs import check_output

    given = [name for name in ("save", "resume", "stop_after") if getattr(args, name) is not None]
    if not given:
        return None
    whole_runs = frameworks.split(args.framework)[0].whole_runs
    if whole_runs:
        option = "--" + given[0].replace("_", "-")
        resumable = _named(lambda f: not f.whole_runs)
        raise DlparityError(f"{option}: {whole_runs}; use {resumable}")
    if args.save is not None:
        check_output("--save", args.save, "checkpoint")
    resumed = None
    if args.resume is not None:
        resumed = checkpoint.load(args.resume, experiment, framework=args.framework,
                                  randomness=args.randomness)  # fmt: skip
        options["start"] = resumed.state
    config, first = experiment.config, resumed.state.step if resumed else 0
    if args.stop_after is not None:
        if not first < args.stop_after <= config.steps:
            raise DlparityError(
                f"--stop-after: must be in {first + 1}..{config.steps} ({config.step_name}s of "
                f"the run{' after the checkpoint' if resumed else ''}), got {args.stop_after}"
            )
        options["stop"] = args.stop_after
    return resumed


def _keep(args, experiment, run, resumed) -> None:
    """The costs recorded before the checkpoint joined to the run's, and --save written."""
    from dlparity.tools import checkpoint

    result, config = run.result, experiment.config
    if resumed is not None:
        result.costs = {**resumed.costs, **result.costs}
    if result.end is not None and result.end.step < config.steps:
        print(f"Stopped after {config.step_name} {result.end.step} of {config.steps}")
    if args.save is not None:
        path = checkpoint.save(args.save, experiment, result.end, framework=args.framework,
                               costs=result.costs, randomness=args.randomness)  # fmt: skip
        print(f"wrote {path} ({config.step_name} {result.end.step} of {config.steps})")


def _device_options(count, framework) -> dict:
    """{"devices": count} for a framework that shards its mini-batches; an error for another."""
    if count is None:
        return {}
    if not frameworks.split(framework)[0].devices:
        raise DlparityError(f"--devices applies to {_named(lambda f: f.devices)}, not {framework}")
    return {"devices": count}


def _compared_frameworks(args) -> list[str] | None:
    """--frameworks (None: every installed one); with --devices numpy (one device) is the
    reference and every other named framework must shard."""
    if args.devices is None:
        return args.frameworks
    reference = frameworks.reference().name
    names = args.frameworks or [reference, *frameworks.names(lambda f: f.devices)]
    for name in names:
        if name != reference:
            _device_options(args.devices, name)
    return names


def cmd_compare(args) -> int:
    check_outputs(args)
    experiment, arrays = _experiment_and_data(args)
    usable = installed_or_fail(_compared_frameworks(args))
    quiet = args.quiet or len(usable) > 1
    runs = [_timed_run(experiment, name, arrays, quiet, args.devices) for name in usable]
    result = compare_json(experiment, runs)
    _print_side_by_side(experiment, runs, result)
    _print_published(experiment, runs)
    if args.json is not None:
        write_json(args.json, result)
    if args.plot is not None:
        _plot(args.plot, experiment, runs, arrays)
    return 0


def _timed_run(experiment, name, arrays, quiet, count=None):
    """One framework's run, announced when it starts and when it ends (flushed: logs, CI)."""
    config = experiment.config
    options = {} if name == frameworks.reference().name else _device_options(count, name)
    where = f" on {count} devices" if options else ""
    print(f"== {name}: training {experiment.name}, {config.steps} {config.step_name}s{where}",
          flush=True)  # fmt: skip
    start = time.perf_counter()
    run = _train_one(experiment, name, arrays, quiet, **options)
    r, total = run.result, time.perf_counter() - start
    other = max(total - r.seconds - r.compile_seconds, 0.0)  # imports, worker, accuracies
    print(f"   {name}: finished in {total:.1f} s (training {r.seconds:.2f} s, compile "
          f"{r.compile_seconds:.2f} s, other {other:.2f} s)", flush=True)  # fmt: skip
    return run


def _print_published(experiment, runs) -> None:
    """Each framework's run against the numbers the course's notebooks print."""
    checks = [published_check(experiment, run) for run in runs]
    if not checks[0]:
        return
    notes, table = set(), []
    for i, (what, course, *_) in enumerate(checks[0]):
        cells = []
        for rows in checks:
            _, _, mine, verdict = rows[i]
            if verdict not in ("ok", "DIFFERS"):
                notes.add(verdict)
                verdict = "(note)"
            cells.append(f"{mine:.6f} {verdict}")
        table.append((what, f"{course:.6f}", cells))
    label = max(len(what) for what, _, _ in table) + 2
    course_width = max(10, *(len(course) + 2 for _, course, _ in table))
    width = max(18, *(len(r.framework) + 5 for r in runs),
                *(len(cell) + 2 for *_, cells in table for cell in cells))  # fmt: skip
    print("Course's published results:")
    print(
        f"{'':<{label}}{'course':>{course_width}}"
        + "".join(f"{r.framework:>{width}}" for r in runs)
    )
    for what, course, cells in table:
        print(f"{what:<{label}}{course:>{course_width}}" + "".join(c.rjust(width) for c in cells))
    for note in sorted(notes):
        print(f"  note: {note}")


def _print_side_by_side(experiment, runs, result) -> None:
    steps = sorted(set().union(*(r.result.costs for r in runs)))
    shown = [s for s in steps if s in experiment.printed_steps() or s == steps[-1]]
    width = max(12, *(len(r.framework) + 2 for r in runs))
    header = f"{experiment.config.step_name:>10}" + "".join(f"{r.framework:>{width}}" for r in runs)
    print(header)
    for s in shown:
        cells = "".join(
            f"{r.result.costs[s]:>{width}.9f}" if s in r.result.costs else " " * width for r in runs
        )
        print(f"{s:>10}{cells}")
    print("train acc " + "".join(f"{_fmt_acc_cell(r.train_accuracy, width)}" for r in runs))
    print("test acc  " + "".join(f"{_fmt_acc_cell(r.test_accuracy, width)}" for r in runs))
    print("seconds   " + "".join(f"{r.result.seconds:>{width}.3f}" for r in runs))
    print("compile s " + "".join(f"{r.result.compile_seconds:>{width}.3f}" for r in runs))
    name = experiment.config.step_name
    for run in result["runs"][1:]:
        diff, first = run["max_abs_cost_diff_vs_reference"], run["first_step_beyond_1e-10"]
        where = "" if first is None else f"; first beyond 1e-10 at {name} {first}"
        print(f"max |cost - {result['reference']}| for {run['framework']}: {diff:.3e}{where}")


def _fmt_acc_cell(value, width) -> str:
    return f"{'n/a':>{width}}" if value is None else f"{value:>{width}.4f}"


def _plot(path, experiment, runs, arrays, resumed=None) -> None:
    from dlparity.tools.outputs import atomic
    from dlparity.tools.plots import save_plot

    X, Y = arrays[0], arrays[1]
    predicts = [_predictor(experiment, run) for run in runs] if X.shape[0] == 2 else None
    with atomic(path) as temporary:
        save_plot(temporary, experiment, runs, X, Y, predicts, resumed)
    print(f"wrote {path}")


def _predictor(experiment, run):
    from dlparity.tools.runs import predictor

    return predictor(experiment, run)


class _CheckProgress:
    """Progress of a long gradient check on stderr: a bar on a terminal, else a line per tenth."""

    def __enter__(self):
        self.bar, self.shown = None, 0
        return self

    def __call__(self, done: int, total: int) -> None:
        if total < 200:
            return
        if sys.stderr.isatty():
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=total, desc="gradcheck", unit="coord", leave=False)
            self.bar.update(done - self.bar.n)
        elif done * 10 // total > self.shown:
            self.shown = done * 10 // total
            print(f"gradcheck: {done} of {total} coordinates", file=sys.stderr, flush=True)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()


def cmd_report(args) -> int:
    """Every framework's run of the experiment, written as one self-contained HTML page."""
    from dlparity.tools import report
    from dlparity.tools.outputs import atomic, check_output
    from dlparity.tools.plots import figure_png

    path = check_output("--out", args.out, "report")
    experiment, arrays = _experiment_and_data(args)
    usable = installed_or_fail(args.frameworks)
    runs = [_timed_run(experiment, name, arrays, True) for name in usable]
    predicts = [_predictor(experiment, run) for run in runs] if arrays[0].shape[0] == 2 else None
    png = figure_png(experiment, runs, arrays[0], arrays[1], predicts)
    page = report.render(experiment, runs, compare_json(experiment, runs), png)
    with atomic(path) as temporary:
        temporary.write_text(page, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def cmd_gradcheck(args) -> int:
    from dlparity.core.gradcheck import PASS_THRESHOLD
    from dlparity.tools.gradcheck import check_experiment, check_options

    experiment = experiments.get(args.experiment)
    check_options(args.framework, args.examples, args.max_params, args.shift_biases)
    arrays = data.load(experiment.dataset, args.data_dir)
    with _CheckProgress() as progress:
        check = check_experiment(
            experiment, args.framework, arrays, examples=args.examples,
            max_params=args.max_params, shift_biases=args.shift_biases, progress=progress,
        )  # fmt: skip
    shifted = f", biases + {args.shift_biases:g}" if args.shift_biases else ""
    print(f"Gradient check of {experiment.name} ({args.framework}, float64, {check.examples} "
          f"examples, {check.checked} of {check.total} parameters{shifted})")  # fmt: skip
    print(f"difference = {check.difference:.3e}")
    if check.difference < PASS_THRESHOLD:
        print(f"Backward propagation works: difference < {PASS_THRESHOLD:g}")
        return 0
    if check.kinks:
        print(f"Not conclusive: {check.kinks} ReLU inputs are exactly 0, where the centered "
              "difference sees a slope of 1/2 and backpropagation 0 (biases start at 0, and "
              "blank inputs give Z = b); run again with --shift-biases 0.01")  # fmt: skip
        return 1
    print(f"There is a mistake in the backward propagation: difference >= {PASS_THRESHOLD:g}")
    return 1


COMMANDS = {
    "train": cmd_train,
    "compare": cmd_compare,
    "report": cmd_report,
    "gradcheck": cmd_gradcheck,
}
