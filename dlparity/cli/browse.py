"""list, migration and show: what the course and the frameworks hold, printed without training."""

from __future__ import annotations

import sys

from dlparity.course import data, experiments
from dlparity.runtime import frameworks


def add_parsers(sub) -> None:
    sub.add_parser("list", help="datasets and experiments with their course week")
    sub.add_parser("migration", help="the migration table: course vs JAX (optax, lax) vs Keras")
    p = sub.add_parser("show", help="one idea's code in every framework, side by side")
    p.add_argument("topic", nargs="?", help="e.g. adam, dropout, batchnorm (none: list them)")


def cmd_list(args) -> int:
    print("Datasets:")
    for info in data.DATASETS.values():
        print(f"  {info.name:<20} {info.course:<10} {info.source:<10} {info.description}")
    print("\nExperiments:")
    for e in experiments.EXPERIMENTS.values():
        dims = ", ".join(map(str, e.spec.layer_dims))
        print(f"  {e.name:<20} {e.course:<5} {e.dataset:<12} [{dims}] {e.summary}")
    print("\nFrameworks:")
    for name in frameworks.names():
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


COMMANDS = {"list": cmd_list, "migration": cmd_migration, "show": cmd_show}
