"""What the command families share: the parser that turns argparse's errors into one line, the
argument types, the options train and compare share, and small output helpers."""

from __future__ import annotations

import argparse
import json

from dlparity.core.errors import DlparityError
from dlparity.runtime import devices, frameworks
from dlparity.tools.runs import split_framework


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2, no usage dump
        raise DlparityError(f"{message} (see `{self.prog} --help`)")


def framework_help() -> str:
    """numpy | jax | tf | keras | keras-jax (keras-stock, keras-jax-stock: as --stock)"""
    stock = ", ".join(frameworks.stock_names())
    return " | ".join(frameworks.names()) + (f" ({stock}: as --stock)" if stock else "")


def frameworks_arg(text: str) -> list[str]:
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


def list_arg(kind):
    """A comma-separated list of kind (str or int) for argparse."""

    def parse(text: str) -> list:
        try:
            values = [kind(item.strip()) for item in text.split(",") if item.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind.__name__}s, got {text!r}") from None
        if not values:
            raise argparse.ArgumentTypeError(f"give at least one {kind.__name__}, got {text!r}")
        twice = next((v for i, v in enumerate(values) if v in values[:i]), None)
        if twice is not None:
            raise argparse.ArgumentTypeError(f"{twice!r} given twice")
        return values

    return parse


def device_count(text: str) -> int:
    count = positive_int(text)
    try:
        return devices.check_count(count)
    except DlparityError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("devices: ")) from None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def lr_range(text: str) -> tuple[float, float]:
    try:
        low, high = (float(item) for item in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW,HIGH, e.g. 1e-4,1, got {text!r}") from None
    return low, high


def add_run_options(p) -> None:
    """What train and compare share: devices, data, dtype and the outputs."""
    sharding = ", ".join(frameworks.names(lambda f: f.devices))
    p.add_argument("--devices", type=device_count, default=None, metavar="N",
                   help=f"{sharding}: shard each mini-batch over N devices (simulated on a "
                   "CPU-only machine)")  # fmt: skip
    p.add_argument("--data-dir", default=None, help="folder with the course's data files")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--json", metavar="PATH", help="write the results as JSON")
    p.add_argument("--plot", metavar="PATH", help="save a PNG of the cost curves")
    p.add_argument("--quiet", action="store_true", help="no per-step cost lines")


def check_outputs(args) -> None:
    """--json, --plot (and train's --save) must be writable before any work starts."""
    from dlparity.tools.outputs import check_output

    if args.json is not None:
        args.json = check_output("--json", args.json, "json")
    if args.plot is not None:
        args.plot = check_output("--plot", args.plot, "plot")
    if getattr(args, "save", None) is not None:
        args.save = check_output("--save", args.save, "checkpoint")


def installed_or_fail(names) -> list[str]:
    """The named frameworks (default: all) that are installed; the others named and skipped."""
    usable = []
    for name in names or frameworks.defaults():
        base, _ = split_framework(name)
        if frameworks.available(base):
            usable.append(name)
        else:
            needs = ", ".join(frameworks.missing_packages(base))
            print(f"{name}: skipped, not installed here (needs {needs})")
    if not usable:
        raise DlparityError("none of the requested frameworks is installed")
    return usable


def write_json(path, obj) -> None:
    from dlparity.tools.outputs import atomic

    with atomic(path) as temporary:
        temporary.write_text(json.dumps(obj, indent=2) + "\n")
    print(f"wrote {path}")
