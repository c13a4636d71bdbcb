"""The `dlparity` command: list, train, compare, gradcheck, migration, bench."""

from __future__ import annotations

import argparse
import json
import math
import sys

from dlparity import DlparityError, cache, data, experiments, frameworks
from dlparity.compare import compare_json, published_check, run_experiment, split_framework

EXIT_USAGE = 2


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
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dlparity", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="datasets and experiments with their course week")
    sub.add_parser("migration", help="the migration table: course vs optax vs Keras")
    for name, helptext in (("train", "train one experiment"), ("compare", "train on several")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("experiment")
        if name == "train":
            p.add_argument("--framework", default="numpy", help="numpy | jax | tf | keras")
            p.add_argument("--stock", action="store_true", help="keras: Keras' own components")
            p.add_argument("--randomness", choices=("parity", "native"), default="parity",
                           help="jax, tf: the course's batch orders and masks (parity) or the "
                           "framework's own generator (native)")  # fmt: skip
        else:
            p.add_argument("--frameworks", type=_frameworks_arg, default=None,
                           help="comma-separated, e.g. numpy,jax,tf,keras,keras-stock "
                           "(default: every installed one)")  # fmt: skip
        p.add_argument("--data-dir", default=None, help="folder with the course's data files")
        p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
        p.add_argument("--json", metavar="PATH", help="write the results as JSON")
        p.add_argument("--plot", metavar="PATH", help="save a PNG of the cost curves")
        p.add_argument("--quiet", action="store_true", help="no per-step cost lines")
    p = sub.add_parser("gradcheck", help="the course's gradient check on an experiment's network")
    p.add_argument("experiment")
    p.add_argument("--framework", default="numpy", help="numpy | jax | tf")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--examples", type=int, default=8, help="training examples used (default 8)")
    p.add_argument("--max-params", type=int, default=2000,
                   help="check a seeded sample of this many coordinates when there are more")  # fmt: skip
    p = sub.add_parser("bench", help="time frameworks on experiments and print ratios")
    p.add_argument("experiments", nargs="*", default=["planar", "opt-adam", "dnn-cats-deep"])
    p.add_argument("--frameworks", type=_frameworks_arg, default=None)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    return parser


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        cache.cache_folder()  # a DLPARITY_CACHE naming a file is an error before any work
        return COMMANDS[args.command](args) or 0
    except DlparityError as error:
        print(f"dlparity: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("dlparity: interrupted", file=sys.stderr)
        return 130


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
        print(f"  {name:<8} {'available' if not missing else 'missing ' + ', '.join(missing)}")
    return 0


def cmd_migration(args) -> int:
    from dlparity.migration import TABLE

    for key, row in TABLE.items():
        print(f"{row.knob} [{key}]")
        print(f"  course: {row.course}\n  optax:  {row.optax}\n  keras:  {row.keras}")
        if row.stock_deviation is not None:
            what = "Keras without the mapping" if row.stock_keras_exact else "stock Keras deviation"
            print(f"  {what}: {row.stock_deviation:.2g} ({row.measure})")
    return 0


def _print_every(config) -> int:
    """Print cost lines at multiples of record_every, at most about 25 lines per run."""
    records = math.ceil(config.steps / config.record_every)
    return config.record_every * max(1, math.ceil(records / 25))


class _Progress:
    """Prints the course's cost lines and drives a progress bar on long runs."""

    def __init__(self, experiment, label: str, quiet: bool):
        from tqdm import tqdm

        self.config, self.quiet = experiment.config, quiet
        self.every = _print_every(self.config)
        long_run = self.config.steps >= 1000 and sys.stderr.isatty()
        self.bar = tqdm(total=self.config.steps, desc=label, leave=False, disable=not long_run)
        self.done = 0

    def __call__(self, step: int, cost: float) -> None:
        if not self.quiet and (step % self.every == 0 or step == self.config.steps - 1):
            self.bar.write(f"Cost after {self.config.step_name} {step}: {cost:f}")
        self.bar.update(step + 1 - self.done)
        self.done = step + 1

    def close(self):
        self.bar.close()


def _train_one(experiment, framework, arrays, quiet, **options):
    progress = _Progress(experiment, framework, quiet)
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
    experiment, arrays = _experiment_and_data(args)
    framework = args.framework + ("-stock" if args.stock else "")
    if args.stock and args.framework != "keras":
        raise DlparityError("--stock applies to --framework keras only")
    split_framework(framework)
    options = {}
    if args.randomness == "native":
        if args.framework not in ("jax", "tf"):
            raise DlparityError("--randomness native applies to --framework jax or tf")
        options["randomness"] = "native"
    print(f"{experiment.name} ({experiment.course}, {experiment.summary}) "
          f"with {framework}, {args.dtype}")  # fmt: skip
    run = _train_one(experiment, framework, arrays, args.quiet, **options)
    _report(run)
    rows = published_check(experiment, run)
    if rows:
        print("Course's published results:")
        for what, course, mine, agrees in rows:
            print(f"  {what}: course {course:.6f}, here {mine:.6f} {'ok' if agrees else 'DIFFERS'}")
    if args.json:
        _write_json(args.json, run.to_json())
    if args.plot:
        _plot(args.plot, experiment, [run], arrays)
    return 0


def _installed(names):
    usable, missing = [], []
    for name in names:
        base, _ = split_framework(name)
        (usable if frameworks.available(base) else missing).append(name)
    return usable, missing


def cmd_compare(args) -> int:
    experiment, arrays = _experiment_and_data(args)
    names = args.frameworks or list(frameworks.FRAMEWORKS)
    usable, missing = _installed(names)
    for name in missing:
        base, _ = split_framework(name)
        needs = ", ".join(frameworks.missing_packages(base))
        print(f"{name}: skipped, not installed here (needs {needs})")
    if not usable:
        raise DlparityError("none of the requested frameworks is installed")
    runs = []
    for name in usable:
        print(f"== {name}")
        runs.append(_train_one(experiment, name, arrays, args.quiet or len(usable) > 1))
    result = compare_json(experiment, runs)
    _print_side_by_side(experiment, runs, result)
    if args.json:
        _write_json(args.json, result)
    if args.plot:
        _plot(args.plot, experiment, runs, arrays)
    return 0


def _print_side_by_side(experiment, runs, result) -> None:
    steps = sorted(set().union(*(r.result.costs for r in runs)))
    shown = [s for s in steps if s % _print_every(experiment.config) == 0 or s == steps[-1]]
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
    try:
        with open(path, "w") as f:
            json.dump(obj, f, indent=2)
    except OSError as error:
        raise DlparityError(f"--json: cannot write {path}: {error.strerror}") from None
    print(f"wrote {path}")


def _plot(path, experiment, runs, arrays) -> None:
    from dlparity.plots import save_plot

    X, Y = arrays[0], arrays[1]
    base, _ = split_framework(runs[0].framework)
    predict = frameworks.load(base).predict
    first = runs[0].result

    def predict_grid(grid):
        return predict(first.params, grid, experiment.spec, bn_state=first.bn_state)

    try:
        save_plot(path, experiment, runs, X, Y, predict_grid)
    except OSError as error:
        raise DlparityError(f"--plot: cannot write {path}: {error.strerror}") from None
    print(f"wrote {path}")


def cmd_gradcheck(args) -> int:
    from dlparity.gradcheck import PASS_THRESHOLD, check_experiment

    experiment = experiments.get(args.experiment)
    arrays = data.load(experiment.dataset, args.data_dir)
    difference, checked, total = check_experiment(
        experiment, args.framework, arrays, examples=args.examples, max_params=args.max_params
    )
    print(f"Gradient check of {experiment.name} ({args.framework}, float64, "
          f"{min(args.examples, arrays[0].shape[1])} examples, {checked} of {total} parameters)")  # fmt: skip
    print(f"difference = {difference:.3e}")
    if difference < PASS_THRESHOLD:
        print(f"Backward propagation works: difference < {PASS_THRESHOLD:g}")
        return 0
    print(f"There is a mistake in the backward propagation: difference >= {PASS_THRESHOLD:g}")
    return 1


def cmd_bench(args) -> int:
    from dlparity.bench import run_bench

    run_bench(args.experiments, args.frameworks, args.data_dir, args.dtype)
    return 0


COMMANDS = {
    "list": cmd_list,
    "migration": cmd_migration,
    "train": cmd_train,
    "compare": cmd_compare,
    "gradcheck": cmd_gradcheck,
    "bench": cmd_bench,
}

if __name__ == "__main__":
    sys.exit(main())
