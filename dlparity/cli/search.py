"""sweep, tune and bench: many runs of one network, over sizes and datasets, hyperparameters or
frameworks."""

from __future__ import annotations

import sys

from dlparity.cli.args import (
    check_outputs,
    framework_help,
    frameworks_arg,
    installed_or_fail,
    list_arg,
    lr_range,
    positive_int,
    write_json,
)
from dlparity.course import data
from dlparity.runtime import frameworks


def _add_sweep(sub) -> None:
    p = sub.add_parser("sweep", help="hidden-layer sizes x datasets in every framework (C1W3)")
    p.add_argument("sweep", nargs="?", default="planar-hidden", help="default: planar-hidden")
    p.add_argument("--frameworks", type=frameworks_arg, default=None)
    p.add_argument("--datasets", type=list_arg(str), default=None,
                   help="comma-separated, or all (default: flower)")  # fmt: skip
    p.add_argument("--sizes", type=list_arg(int), default=None,
                   help="hidden-layer sizes, comma-separated (default: 1,2,3,4,5,20,50)")  # fmt: skip
    p.add_argument("--json", metavar="PATH", help="write every run's accuracy and costs as JSON")
    p.add_argument("--plot", metavar="PATH",
                   help="save a grid of decision boundaries, a panel per hidden-layer size")  # fmt: skip


def _add_tune(sub) -> None:
    p = sub.add_parser("tune", help="random search over the learning rate and beta (C2W3)")
    p.add_argument("experiment")
    p.add_argument("--trials", type=int, default=10, help="trials per round (default 10)")
    p.add_argument("--framework", default=frameworks.reference().name, help=framework_help())
    p.add_argument("--seed", type=int, default=1, help="seed of the draws (default 1)")
    p.add_argument("--steps", type=int, default=None, metavar="N",
                   help="iterations (epochs) per trial (default: the experiment's / 20)")  # fmt: skip
    p.add_argument("--lr-range", type=lr_range, default=None, metavar="LOW,HIGH",
                   help="learning rates to search, e.g. 1e-4,1 (default: 1/100 to 10 times the "
                   "experiment's)")  # fmt: skip
    p.add_argument("--data-dir", default=None, help="folder with the course's data files")
    p.add_argument("--json", metavar="PATH", help="write every trial as JSON")
    p.add_argument("--plot", metavar="PATH", help="save a scatter of final cost against rate")


def _add_bench(sub) -> None:
    p = sub.add_parser("bench", help="time frameworks on experiments and print ratios")
    p.add_argument("experiments", nargs="*", default=None)
    p.add_argument("--frameworks", type=frameworks_arg, default=None)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--json", metavar="PATH", help="write every run's times and ratios as JSON")
    p.add_argument("--repeat", type=positive_int, default=1, metavar="N",
                   help="N rounds of GEMMs and runs; report the fastest of each (default 1)")  # fmt: skip


_PARSERS = {"sweep": _add_sweep, "bench": _add_bench, "tune": _add_tune}


def add_parsers(sub, *names) -> None:
    """Adds the parsers of the commands named (default: all three), in that order."""
    for name in names or _PARSERS:
        _PARSERS[name](sub)


def cmd_sweep(args) -> int:
    from dlparity.tools.sweep import check_choices, get, run_sweep

    sweep = get(args.sweep)
    check_outputs(args)
    datasets = list(sweep.datasets) if args.datasets == ["all"] else args.datasets
    check_choices(sweep, datasets or [sweep.datasets[0]], args.sizes or list(sweep.sizes))
    usable = installed_or_fail(args.frameworks)
    rows = run_sweep(args.sweep, usable, datasets, args.sizes,
                     out=lambda line: print(line, flush=True))  # fmt: skip
    _sweep_outputs(args, rows)
    return 0


def _sweep_outputs(args, rows) -> None:
    """sweep's --json and --plot."""
    from dlparity.tools.sweep import boundary_panels, get, sweep_json

    if args.json is not None:
        write_json(args.json, sweep_json(args.sweep, rows))
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

    check_outputs(args)
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
        write_json(args.json, tune.tune_json(result))
    if args.plot is not None:
        from dlparity.tools.outputs import atomic
        from dlparity.tools.plots import save_tune_plot

        with atomic(args.plot) as temporary:
            save_tune_plot(temporary, result)
        print(f"wrote {args.plot}")
    return 0


class _StatusLine:
    """What runs now, on one line of a terminal's stderr, cleared before each printed line;
    off a terminal only the lines, each flushed as it comes."""

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.live, self.shown = self.stream.isatty(), False

    def status(self, text: str) -> None:
        if self.live:
            self.stream.write(f"\r\x1b[K{text} ...")
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False

    def out(self, line: str) -> None:
        self.clear()
        print(line, flush=True)


def cmd_bench(args) -> int:
    from dlparity.tools.bench import run_bench, runnable
    from dlparity.tools.outputs import check_output

    if args.json is not None:
        args.json = check_output("--json", args.json, "json")
    names = runnable(args.experiments, args.data_dir)
    line = _StatusLine()
    try:
        result = run_bench(names, args.frameworks, args.data_dir, args.dtype, line.out,
                           args.repeat, line.status)  # fmt: skip
    finally:
        line.clear()
    if args.json is not None:
        write_json(args.json, result)
    return 0


COMMANDS = {"sweep": cmd_sweep, "tune": cmd_tune, "bench": cmd_bench}
