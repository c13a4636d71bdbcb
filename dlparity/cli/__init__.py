"""The `dlparity` command: list, train, compare, report, gradcheck, migration, show, sweep,
tune, bench, diagnose, charmodel."""

from __future__ import annotations

import argparse
import os
import sys

from dlparity.cli import browse, charmodel, diagnose, runs, search
from dlparity.cli.args import Parser
from dlparity.core.errors import DlparityError
from dlparity.runtime import cache, devices

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="dlparity", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    # --help lists the commands in the order they are added here
    browse.add_parsers(sub)  # list, migration, show
    search.add_parsers(sub, "sweep")
    runs.add_parsers(sub)  # train, compare, report, gradcheck
    search.add_parsers(sub, "bench")
    diagnose.add_parsers(sub)
    search.add_parsers(sub, "tune")
    charmodel.add_parsers(sub)
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


COMMANDS = {
    **browse.COMMANDS,
    **charmodel.COMMANDS,
    **runs.COMMANDS,
    **search.COMMANDS,
    **diagnose.COMMANDS,
}
