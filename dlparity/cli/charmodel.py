"""charmodel: C5W1's character-level language model ("Dinosaurus Island") trained in one framework
with the course's reports, or in several with their losses side by side and their names."""

from __future__ import annotations

from dlparity.cli.args import positive_int

ALL = "numpy,jax,tf,keras"


def add_parsers(sub) -> None:
    from dlparity.course.charmodel import FRAMEWORKS, WORDLISTS

    p = sub.add_parser("charmodel", help="C5W1's character model: dinosaur names, any framework")
    p.add_argument("--framework", default=None,
                   help=" | ".join(FRAMEWORKS) + " (default numpy)")  # fmt: skip
    p.add_argument("--compare", nargs="?", const=ALL, metavar="LIST",
                   help=f"train each framework of LIST (default {ALL}) and compare")  # fmt: skip
    p.add_argument("--iterations", type=positive_int, default=2000,
                   help="training steps, one name each (the course: 35000)")  # fmt: skip
    p.add_argument("--n-a", type=positive_int, default=50, help="hidden units (the course: 50)")
    p.add_argument("--names", type=positive_int, default=7, help="names sampled at each report")
    p.add_argument("--every", type=positive_int, default=2000, help="iterations between reports")
    p.add_argument("--words", choices=tuple(WORDLISTS), default="dinosaurs",
                   help="; ".join(f"{k}: {v}" for k, v in WORDLISTS.items()))  # fmt: skip
    p.add_argument("--data-dir", default=None, help="folder with the course's dinos.txt")
    p.add_argument("--gradcheck", action="store_true",
                   help="the course's gradient check on the first name instead of training: "
                   "centered differences against each framework's gradients")  # fmt: skip
    p.add_argument("--json", metavar="PATH",
                   help="write the losses, the sampled names and the differences as JSON")  # fmt: skip
    p.add_argument("--plot", metavar="PATH", help="save a PNG of the loss curves")


def _frameworks(args) -> list[str]:
    """The frameworks to run, each checked (a one-line error) before any work."""
    from dlparity.core.errors import DlparityError
    from dlparity.course.charmodel import check_framework

    if args.compare is None:
        return [check_framework(args.framework or "numpy")]
    if args.framework is not None:
        raise DlparityError("--framework: --compare names the frameworks; leave one out")
    chosen = [name.strip() for name in args.compare.split(",") if name.strip()]
    if not chosen:
        raise DlparityError(
            f"--compare: expected frameworks separated by commas, got {args.compare!r}"
        )
    if len(set(chosen)) != len(chosen):
        raise DlparityError(f"--compare: name each framework once, got {args.compare!r}")
    return [check_framework(name) for name in chosen]


def cmd_charmodel(args) -> int:
    from dlparity.cli.args import check_outputs
    from dlparity.core.errors import DlparityError
    from dlparity.course import charmodel

    names = _frameworks(args)
    if args.gradcheck and args.plot is not None:
        raise DlparityError("--plot: --gradcheck draws nothing; leave one out")
    training = {"--iterations": (args.iterations, 2000), "--every": (args.every, 2000),
                "--names": (args.names, 7)}  # fmt: skip
    for option, (value, default) in training.items():
        if args.gradcheck and value != default:
            raise DlparityError(
                f"{option}: --gradcheck checks the first name and trains nothing; leave one out"
            )
    check_outputs(args)
    words = charmodel.names(args.words, args.data_dir)
    if args.gradcheck:
        return _gradcheck(args, names, words)
    settings = charmodel.Settings(args.iterations, args.n_a, args.names, args.every)
    if args.compare is None:
        print(f"{names[0]}: {len(words)} names ({args.words}), n_a = {args.n_a}\n")
        runs = {names[0]: charmodel.run(names[0], words, settings)}
    else:
        runs = {}
        for name in names:
            print(f"training {name} ...", flush=True)
            runs[name] = charmodel.run(name, words, settings, out=None)
        print("\n" + charmodel.compare(runs))
    _write(args, runs, settings)
    return 0


def _gradcheck(args, names, words) -> int:
    """The course's gradient check of each framework; status 1 if one fails."""
    from dlparity.cli.args import write_json
    from dlparity.core.gradcheck import PASS_THRESHOLD
    from dlparity.course import charmodel

    print(f"Gradient check of the character model on the first name, n_a = {args.n_a}, float64 "
          "(centered differences of the reference's summed loss) ...", flush=True)  # fmt: skip
    check = charmodel.gradient_check(names, words, args.n_a)
    print(f"{check.example!r}: {check.steps} steps from a zero hidden state, the initial "
          f"parameters ({check.parameters}), J = {check.loss:.6f}\n")  # fmt: skip
    width = max(map(len, names))
    for name in names:
        print(f"{name:<{width}}  difference = {check.differences[name]:.3e} at eps "
              f"{check.epsilon:g}  max |gradient - numpy's| = {check.from_reference[name]:.2g}"
              f"  ({charmodel.AUTODIFF[name]})")  # fmt: skip
    if check.rounded is not None:
        if all(check.rounded[name] < PASS_THRESHOLD for name in names):
            print(f"\nAt eps {check.epsilon:g} the difference is the centered differences' own "
                  f"rounding: J = {check.loss:.0f} is rounded to 1.1e-16 relative, up to "
                  f"{check.loss * 1.1e-16 / check.epsilon:.1e} in a coordinate's (J+ - J-) / "
                  f"2 eps. At eps {charmodel.ROUNDING_EPSILON:g} that is 100 times smaller, and "
                  "the truncation (eps² / 6) J‴ stays below it:")  # fmt: skip
        else:
            print(f"\nAt eps {charmodel.ROUNDING_EPSILON:g}, where the differences' rounding is "
                  "100 times smaller:")  # fmt: skip
        for name in names:
            print(f"{name:<{width}}  difference = {check.rounded[name]:.3e}")
    print()
    for name in names:
        verdict = "works" if check.passed(name) else "has a mistake"
        print(f"{name}: backward propagation {verdict}: difference "
              f"{'<' if check.passed(name) else '>='} {PASS_THRESHOLD:g}")  # fmt: skip
    if args.json is not None:
        write_json(args.json, {
            "model": "charmodel", "gradcheck": check.example, "steps": check.steps,
            "parameters": check.parameters, "n_a": args.n_a, "loss": check.loss,
            "epsilon": check.epsilon, "threshold": PASS_THRESHOLD,
            "rounding_epsilon": charmodel.ROUNDING_EPSILON if check.rounded else None,
            "runs": [{"framework": n, "difference": check.differences[n],
                      "difference_at_rounding_epsilon": (check.rounded or {}).get(n),
                      "max_abs_diff_to_numpy": check.from_reference[n],
                      "passed": check.passed(n)} for n in names],
        })  # fmt: skip
    return 0 if all(check.passed(name) for name in names) else 1


def _write(args, runs, settings) -> None:
    """--json and --plot, each written whole or not at all."""
    from dlparity.cli.args import write_json
    from dlparity.course import charmodel

    if args.json is not None:
        write_json(args.json, charmodel.as_json(runs, args.words, settings))
    if args.plot is not None:
        from dlparity.tools.outputs import atomic
        from dlparity.tools.plots import save_charmodel_plot

        title = f"charmodel ({args.words}, n_a = {args.n_a})"
        with atomic(args.plot) as temporary:
            save_charmodel_plot(temporary, runs, title)
        print(f"wrote {args.plot}")


COMMANDS = {"charmodel": cmd_charmodel}
