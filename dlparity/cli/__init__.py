"""The `dlparity` command: list, train, compare, report, gradcheck, migration, show, sweep,
tune, bench, diagnose."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from dlparity.core.errors import DlparityError
from dlparity.course import data, experiments
from dlparity.runtime import cache, devices, frameworks
from dlparity.tools.runs import compare_json, published_check, run_experiment, split_framework

EXIT_USAGE = 2
KERAS = ("keras", "keras-jax")  # the frameworks that train with model.fit


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2, no usage dump
        raise DlparityError(f"{message} (see `{self.prog} --help`)")


def _frameworks_arg(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one framework")
    for name in names:
        try:
            split_framework(name)
        except DlparityError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise argparse.ArgumentTypeError(f"duplicate framework {duplicates[0]!r}")
    return names


def _list_arg(kind):
    """A comma-separated list of kind (str or int) for argparse."""

    def parse(text: str) -> list:
        try:
            return [kind(item.strip()) for item in text.split(",") if item.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind.__name__}s, got {text!r}") from None

    return parse


def _device_count(text: str) -> int:
    try:
        return devices.check_count(int(text))
    except (ValueError, DlparityError):
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _add_show_and_sweep(sub) -> None:
    p = sub.add_parser("show", help="one idea's code in every framework, side by side")
    p.add_argument("topic", nargs="?", help="e.g. adam, dropout, batchnorm (none: list them)")
    p = sub.add_parser("sweep", help="hidden-layer sizes x datasets in every framework (C1W3)")
    p.add_argument("sweep", nargs="?", default="planar-hidden", help="default: planar-hidden")
    p.add_argument("--frameworks", type=_frameworks_arg, default=None)
    p.add_argument("--datasets", type=_list_arg(str), default=None,
                   help="comma-separated, or all (default: flower)")  # fmt: skip
    p.add_argument("--sizes", type=_list_arg(int), default=None,
                   help="hidden-layer sizes, comma-separated (default: 1,2,3,4,5,20,50)")  # fmt: skip
    p.add_argument("--json", metavar="PATH", help="write every run's accuracy and costs as JSON")
    p.add_argument("--plot", metavar="PATH",
                   help="save a grid of decision boundaries, a panel per hidden-layer size")  # fmt: skip


def _lr_range(text: str) -> tuple[float, float]:
    try:
        low, high = (float(item) for item in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW,HIGH, e.g. 1e-4,1, got {text!r}") from None
    return low, high


def _add_tune(sub) -> None:
    p = sub.add_parser("tune", help="random search over the learning rate and beta (C2W3)")
    p.add_argument("experiment")
    p.add_argument("--trials", type=int, default=10, help="trials per round (default 10)")
    p.add_argument(
        "--framework",
        default="numpy",
        help="numpy | jax | tf | keras | keras-jax (keras-stock, keras-jax-stock: as --stock)",
    )
    p.add_argument("--seed", type=int, default=1, help="seed of the draws (default 1)")
    p.add_argument("--steps", type=int, default=None, metavar="N",
                   help="iterations (epochs) per trial (default: the experiment's / 20)")  # fmt: skip
    p.add_argument("--lr-range", type=_lr_range, default=None, metavar="LOW,HIGH",
                   help="learning rates to search, e.g. 1e-4,1 (default: 1/100 to 10 times the "
                   "experiment's)")  # fmt: skip
    p.add_argument("--data-dir", default=None, help="folder with the course's data files")
    p.add_argument("--json", metavar="PATH", help="write every trial as JSON")
    p.add_argument("--plot", metavar="PATH", help="save a scatter of final cost against rate")


def _add_train_options(p) -> None:
    p.add_argument(
        "--framework",
        default="numpy",
        help="numpy | jax | tf | keras | keras-jax (keras-stock, keras-jax-stock: as --stock)",
    )
    p.add_argument("--stock", action="store_true", help="keras, keras-jax: Keras' own components")
    p.add_argument("--randomness", choices=("parity", "native"), default="parity",
                   help="jax, tf: the course's batch orders and masks (parity) or the "
                   "framework's own generator (native)")  # fmt: skip
    p.add_argument("--save", metavar="PATH",
                   help="numpy, jax, tf: write a checkpoint (.npz) where training stops")  # fmt: skip
    p.add_argument("--resume", metavar="PATH",
                   help="continue from a checkpoint of --save, in any of numpy, jax, tf")  # fmt: skip
    p.add_argument("--stop-after", type=int, metavar="N",
                   help="stop after the run's first N iterations (epochs)")  # fmt: skip


def _add_run_options(p) -> None:
    """What train and compare share: devices, data, dtype and the outputs."""
    p.add_argument("--devices", type=_device_count, default=None, metavar="N",
                   help="jax, tf, keras: shard each mini-batch over N devices (simulated on a "
                   "CPU-only machine)")  # fmt: skip
    p.add_argument("--data-dir", default=None, help="folder with the course's data files")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--json", metavar="PATH", help="write the results as JSON")
    p.add_argument("--plot", metavar="PATH", help="save a PNG of the cost curves")
    p.add_argument("--quiet", action="store_true", help="no per-step cost lines")


def _add_report(sub) -> None:
    p = sub.add_parser("report", help="one experiment in every framework, as an HTML page")
    p.add_argument("experiment")
    p.add_argument("--out", required=True, metavar="PATH", help="the page to write (.html)")
    p.add_argument("--frameworks", type=_frameworks_arg, default=None,
                   help="comma-separated (default: every installed one)")  # fmt: skip
    p.add_argument("--data-dir", default=None, help="folder with the course's data files")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")


def _add_gradcheck_and_bench(sub) -> None:
    p = sub.add_parser("gradcheck", help="the course's gradient check on an experiment's network")
    p.add_argument("experiment")
    p.add_argument("--framework", default="numpy", help="numpy | jax | tf")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--examples", type=int, default=8, help="training examples used (default 8)")
    p.add_argument("--max-params", type=int, default=2000,
                   help="check a seeded sample of this many coordinates when there are more")  # fmt: skip
    p = sub.add_parser("bench", help="time frameworks on experiments and print ratios")
    p.add_argument("experiments", nargs="*", default=None)
    p.add_argument("--frameworks", type=_frameworks_arg, default=None)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--json", metavar="PATH", help="write every run's times and ratios as JSON")
    p.add_argument("--repeat", type=_positive_int, default=1, metavar="N",
                   help="N rounds of GEMMs and runs; report the fastest of each (default 1)")  # fmt: skip


# diagnose optimizer's options: the API's hyperparameter name -> (option, type, help)
_DIAGNOSE_OPTIONS = {
    "learning_rate": ("--lr", float, "the rate (default 0.1; changed every epoch without --decay)"),
    "beta": ("--beta", float, "momentum's beta (default 0.9)"),
    "beta1": ("--beta1", float, "Adam's beta1 (default 0.9)"),
    "beta2": ("--beta2", float, "RMSprop's and Adam's beta2 (default 0.999)"),
    "epsilon": ("--epsilon", float, "RMSprop's and Adam's epsilon (default 1e-8)"),
    "weight_decay": ("--weight-decay", float, "adamw's decoupled decay (adamw needs it)"),
    "decay": ("--decay", str, "the optimizer's own rate schedule, as the course's decay"),
    "decay_rate": ("--decay-rate", float, "the schedule's decay_rate"),
    "time_interval": ("--time-interval", int, "the schedule's time_interval (epochs)"),
    "batches_per_epoch": ("--batches-per-epoch", int, "updates per epoch (default 1)"),
}


def _add_diagnose(sub) -> None:
    from dlparity.core.spec import DECAYS

    p = sub.add_parser("diagnose", help="name the known differences of your own optimizer or model")
    what = p.add_subparsers(dest="target", required=True, parser_class=_Parser)
    p = what.add_parser("optimizer", help="your (init, update) pair against the course's formula")
    p.add_argument("factory", metavar="MODULE:FACTORY",
                   help="FACTORY() returns (init, update) or an object with .init and .update")  # fmt: skip
    p.add_argument("--kind", required=True, help="gd | momentum | rmsprop | adam | adamw")
    for name, (option, kind, text) in _DIAGNOSE_OPTIONS.items():
        choices = DECAYS if name == "decay" else None
        p.add_argument(option, dest=name, type=kind, choices=choices, default=None, help=text,
                       metavar="{" + ",".join(DECAYS) + "}" if choices else "X")  # fmt: skip
    p = what.add_parser(
        "model", help="your forward (and gradients) against an experiment's network"
    )
    p.add_argument("forward", metavar="MODULE:FUNCTION", help="forward(params, X) -> AL")
    p.add_argument("--like", required=True, metavar="EXP",
                   help="the experiment whose network and initial parameters are the reference")  # fmt: skip
    p.add_argument("--gradients", metavar="MODULE:FUNCTION",
                   help="gradients(params, X, Y) -> (cost, grads)")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dlparity", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="datasets and experiments with their course week")
    sub.add_parser("migration", help="the migration table: course vs optax vs Keras")
    _add_show_and_sweep(sub)
    p = sub.add_parser("train", help="train one experiment")
    p.add_argument("experiment")
    _add_train_options(p)
    _add_run_options(p)
    p = sub.add_parser("compare", help="train on several")
    p.add_argument("experiment")
    p.add_argument("--frameworks", type=_frameworks_arg, default=None,
                   help="comma-separated, e.g. numpy,jax,tf,keras,keras-stock "
                   "(default: every installed one)")  # fmt: skip
    _add_run_options(p)
    _add_report(sub)
    _add_gradcheck_and_bench(sub)
    _add_diagnose(sub)
    _add_tune(sub)
    return parser


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        cache.cache_folder()  # a DLPARITY_CACHE naming a file is an error before any work
        if getattr(args, "devices", None):  # before anything imports jax
            devices.simulate_host_devices(args.devices)
        return COMMANDS[args.command](args) or 0
    except DlparityError as error:
        print(f"dlparity: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("dlparity: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader (head, less) stopped reading: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def cmd_list(args) -> int:
    print("Datasets:")
    for info in data.DATASETS.values():
        print(f"  {info.name:<20} {info.course:<10} {info.source:<10} {info.description}")
    print("\nExperiments:")
    for e in experiments.EXPERIMENTS.values():
        dims = ", ".join(map(str, e.spec.layer_dims))
        print(f"  {e.name:<20} {e.course:<5} {e.dataset:<10} [{dims}] {e.summary}")
    print("\nFrameworks:")
    for name in frameworks.FRAMEWORKS:
        missing = frameworks.missing_packages(name)
        print(f"  {name:<10} {'available' if not missing else 'missing ' + ', '.join(missing)}")
    return 0


def cmd_migration(args) -> int:
    from dlparity.course.migration import TABLE
    from dlparity.tools.show import for_stream, output_width, row_lines

    width = output_width(sys.stdout)
    rows = ["\n".join(row_lines(key, width, sys.stdout)) for key in TABLE]
    print(for_stream("\n\n".join(rows), sys.stdout))
    return 0


def cmd_show(args) -> int:
    from dlparity.tools.show import show

    return show(args.topic)


class _Progress:
    """Prints the course's cost lines and, on long runs, the progress on stderr: a bar on a
    terminal, else a line per tenth of the run (logs, CI, a notebook cell)."""

    def __init__(self, experiment, label: str, quiet: bool, first: int = 0):
        from tqdm import tqdm

        self.config, self.quiet, self.label = experiment.config, quiet, label
        self.printed = set(experiment.printed_steps())
        self.long_run = self.config.steps >= 1000
        self.bar = tqdm(total=self.config.steps, initial=first, desc=label, leave=False,
                        disable=not (self.long_run and sys.stderr.isatty()))  # fmt: skip
        self.done = first

    def __call__(self, step: int, cost: float) -> None:
        if not self.quiet and step in self.printed:
            self.bar.write(f"Cost after {self.config.step_name} {step}: {cost:f}")
        self.bar.update(step + 1 - self.done)
        steps = self.config.steps
        if (
            self.long_run
            and self.bar.disable
            and (step + 1) * 10 // steps > self.done * 10 // steps
        ):
            print(f"{self.label}: {self.config.step_name} {step} of {steps}",
                  file=sys.stderr, flush=True)  # fmt: skip
        self.done = step + 1

    def close(self):
        self.bar.close()


def _train_one(experiment, framework, arrays, quiet, **options):
    note = frameworks.keras_backend_note(split_framework(framework)[0])
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


def _check_outputs(args) -> None:
    """--json and --plot must be writable before any training starts."""
    from dlparity.tools.outputs import check_output

    if args.json is not None:
        args.json = check_output("--json", args.json, "json")
    if args.plot is not None:
        args.plot = check_output("--plot", args.plot, "plot")


def cmd_train(args) -> int:
    _check_outputs(args)
    experiment, arrays = _experiment_and_data(args)
    framework = args.framework + ("-stock" if args.stock else "")
    if args.stock and args.framework not in KERAS:
        raise DlparityError("--stock applies to --framework keras or keras-jax only")
    split_framework(framework)
    options = {}
    if args.randomness == "native":
        if args.framework not in ("jax", "tf"):
            raise DlparityError("--randomness native applies to --framework jax or tf")
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
        _write_json(args.json, run.to_json())
    if args.plot is not None:
        _plot(args.plot, experiment, [run], arrays)
    return 0


def _checkpoint_options(args, experiment, options: dict):
    """--save, --resume, --stop-after checked before any work: start= and stop= into options;
    returns the checkpoint resumed from, or None."""
    from dlparity.tools import checkpoint
    from dlparity.tools.outputs import check_output

    given = [name for name in ("save", "resume", "stop_after") if getattr(args, name) is not None]
    if not given:
        return None
    if args.framework in KERAS:
        option = "--" + given[0].replace("_", "-")
        raise DlparityError(f"{option}: model.fit trains whole runs; use numpy, jax or tf")
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
    if split_framework(framework)[0] not in devices.PARALLEL_FRAMEWORKS:
        *others, last = devices.PARALLEL_FRAMEWORKS
        choices = f"{', '.join(others)} or {last}"
        raise DlparityError(f"--devices applies to {choices}, not {framework}")
    return {"devices": count}


def _compared_frameworks(args) -> list[str] | None:
    """--frameworks (None: every installed one); with --devices numpy (one device) is the
    reference and every other named framework must shard."""
    if args.devices is None:
        return args.frameworks
    names = args.frameworks or ["numpy", *devices.PARALLEL_FRAMEWORKS]
    for name in names:
        if name != "numpy":
            _device_options(args.devices, name)
    return names


def _installed_or_fail(names) -> list[str]:
    """The named frameworks (default: all) that are installed; the others named and skipped."""
    usable = []
    for name in names or list(frameworks.DEFAULT):
        base, _ = split_framework(name)
        if frameworks.available(base):
            usable.append(name)
        else:
            needs = ", ".join(frameworks.missing_packages(base))
            print(f"{name}: skipped, not installed here (needs {needs})")
    if not usable:
        raise DlparityError("none of the requested frameworks is installed")
    return usable


def cmd_compare(args) -> int:
    _check_outputs(args)
    experiment, arrays = _experiment_and_data(args)
    usable = _installed_or_fail(_compared_frameworks(args))
    quiet = args.quiet or len(usable) > 1
    runs = [_timed_run(experiment, name, arrays, quiet, args.devices) for name in usable]
    result = compare_json(experiment, runs)
    _print_side_by_side(experiment, runs, result)
    _print_published(experiment, runs)
    if args.json is not None:
        _write_json(args.json, result)
    if args.plot is not None:
        _plot(args.plot, experiment, runs, arrays)
    return 0


def _timed_run(experiment, name, arrays, quiet, count=None):
    """One framework's run, announced when it starts and when it ends (flushed: logs, CI)."""
    config = experiment.config
    options = {} if name == "numpy" else _device_options(count, name)
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


def _write_json(path, obj) -> None:
    from dlparity.tools.outputs import atomic

    with atomic(path) as temporary:
        temporary.write_text(json.dumps(obj, indent=2))
    print(f"wrote {path}")


def _plot(path, experiment, runs, arrays) -> None:
    from dlparity.tools.outputs import atomic
    from dlparity.tools.plots import save_plot

    X, Y = arrays[0], arrays[1]
    predicts = [_predictor(experiment, run) for run in runs] if X.shape[0] == 2 else None
    with atomic(path) as temporary:
        save_plot(temporary, experiment, runs, X, Y, predicts)
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
    usable = _installed_or_fail(args.frameworks)
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
    from dlparity.tools.gradcheck import check_experiment

    experiment = experiments.get(args.experiment)
    arrays = data.load(experiment.dataset, args.data_dir)
    with _CheckProgress() as progress:
        difference, checked, total = check_experiment(
            experiment, args.framework, arrays, examples=args.examples,
            max_params=args.max_params, progress=progress,
        )  # fmt: skip
    print(f"Gradient check of {experiment.name} ({args.framework}, float64, "
          f"{min(args.examples, arrays[0].shape[1])} examples, {checked} of {total} parameters)")  # fmt: skip
    print(f"difference = {difference:.3e}")
    if difference < PASS_THRESHOLD:
        print(f"Backward propagation works: difference < {PASS_THRESHOLD:g}")
        return 0
    print(f"There is a mistake in the backward propagation: difference >= {PASS_THRESHOLD:g}")
    return 1


def cmd_sweep(args) -> int:
    from dlparity.tools.sweep import check_choices, get, run_sweep

    sweep = get(args.sweep)
    _check_outputs(args)
    datasets = list(sweep.datasets) if args.datasets == ["all"] else args.datasets
    check_choices(sweep, datasets or [sweep.datasets[0]], args.sizes or list(sweep.sizes))
    usable = _installed_or_fail(args.frameworks)
    rows = run_sweep(args.sweep, usable, datasets, args.sizes,
                     out=lambda line: print(line, flush=True))  # fmt: skip
    _sweep_outputs(args, rows)
    return 0


def _sweep_outputs(args, rows) -> None:
    """sweep's --json and --plot."""
    from dlparity.tools.sweep import boundary_panels, get, sweep_json

    if args.json is not None:
        _write_json(args.json, sweep_json(args.sweep, rows))
    if args.plot is not None:
        from dlparity.tools.outputs import atomic
        from dlparity.tools.plots import save_sweep_plot

        sweep = get(args.sweep)
        arrays = {row["dataset"]: data.load(row["dataset"])[:2] for row in rows}
        title = (f"{sweep.name} ({sweep.course}): decision boundaries after {sweep.iterations} "
                 "iterations, training accuracy")  # fmt: skip
        with atomic(args.plot) as temporary:
            save_sweep_plot(temporary, title, boundary_panels(args.sweep, rows), arrays)
        print(f"wrote {args.plot}")


def cmd_tune(args) -> int:
    from dlparity.tools import tune

    _check_outputs(args)
    experiment = tune.check_arguments(args.experiment, args.trials, args.framework, args.seed,
                                      args.steps, args.lr_range)  # fmt: skip
    arrays = data.load(experiment.dataset, args.data_dir)
    result = tune.run_tune(args.experiment, args.trials, args.framework, args.seed, args.steps,
                           args.lr_range, arrays, out=lambda line: print(line, flush=True))  # fmt: skip
    print("\n".join(tune.table(result)))
    best = next((t for t in result["trials"] if t["trial"] == result["best"]), None)
    if best is not None:
        beta = "" if best["beta"] is None else f", {result['beta_name']} {best['beta']:.4f}"
        print(f"best: trial {best['trial']} ({best['round']}), learning rate "
              f"{best['learning_rate']:.4e}{beta}, final cost {best['final_cost']:.6f}")  # fmt: skip
    if args.json is not None:
        _write_json(args.json, tune.tune_json(result))
    if args.plot is not None:
        from dlparity.tools.outputs import atomic
        from dlparity.tools.plots import save_tune_plot

        with atomic(args.plot) as temporary:
            save_tune_plot(temporary, result)
        print(f"wrote {args.plot}")
    return 0


def cmd_bench(args) -> int:
    from dlparity.tools.bench import run_bench, runnable
    from dlparity.tools.outputs import check_output

    if args.json is not None:
        args.json = check_output("--json", args.json, "json")
    names = runnable(args.experiments, args.data_dir)
    result = run_bench(names, args.frameworks, args.data_dir, args.dtype, repeat=args.repeat)
    if args.json is not None:
        _write_json(args.json, result)
    return 0


def _optimizer_hyperparameters(args) -> dict:
    """The options given, by the API's names; an option the kind does not take is an error."""
    from dlparity.diagnose.optimizers import check_hyperparameters, hyperparameter_names

    given = {k: getattr(args, k) for k in _DIAGNOSE_OPTIONS if getattr(args, k) is not None}
    try:
        allowed = hyperparameter_names(args.kind)
        for name in given:
            if name not in allowed:
                options = ", ".join(_DIAGNOSE_OPTIONS[k][0] for k in allowed)
                raise DlparityError(f"{_DIAGNOSE_OPTIONS[name][0]}: {args.kind} takes {options}")
        check_hyperparameters(args.kind, **given)
    except DlparityError as error:  # in the command's terms: --weight-decay, not weight_decay
        name, colon, rest = str(error).partition(":")
        option = {"kind": ("--kind",), **_DIAGNOSE_OPTIONS}.get(name)
        if colon and option:
            raise DlparityError(f"{option[0]}:{rest}") from None
        raise
    return given


def _diagnose_optimizer(args):
    from dlparity import diagnose
    from dlparity.diagnose import user_code

    hyperparameters = _optimizer_hyperparameters(args)
    factory = user_code.load_function(args.factory, "FACTORY")
    init, update = user_code.optimizer_pair(factory, args.factory)
    return diagnose.optimizer(init, update, args.kind, **hyperparameters)


def _diagnose_model(args):
    from dlparity import diagnose
    from dlparity.diagnose import user_code
    from dlparity.tools.runs import initial_parameters

    experiment = experiments.get(args.like)
    forward = user_code.load_function(args.forward, "FUNCTION")
    gradients = None
    if args.gradients is not None:
        gradients = user_code.load_function(args.gradients, "FUNCTION")
    params = initial_parameters(experiment)
    return diagnose.model(forward, experiment.spec, params, gradients=gradients)


def cmd_diagnose(args) -> int:
    """The diagnosis printed; status 0 when it matches the course, 1 when it does not."""
    diagnosis = {"optimizer": _diagnose_optimizer, "model": _diagnose_model}[args.target](args)
    print(diagnosis)
    return 0 if diagnosis.matches_course else 1


COMMANDS = {
    "list": cmd_list,
    "migration": cmd_migration,
    "show": cmd_show,
    "train": cmd_train,
    "compare": cmd_compare,
    "report": cmd_report,
    "gradcheck": cmd_gradcheck,
    "sweep": cmd_sweep,
    "bench": cmd_bench,
    "diagnose": cmd_diagnose,
    "tune": cmd_tune,
}
