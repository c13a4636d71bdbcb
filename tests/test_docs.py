"""The README documents what the code has: every experiment and every migration row."""

from pathlib import Path

from dlparity.course.experiments import EXPERIMENTS
from dlparity.course.migration import TABLE

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_experiment_is_in_the_readme():
    missing = [name for name in EXPERIMENTS if name not in README]
    assert not missing, missing


def test_every_migration_row_is_in_the_readme():
    missing = [row.knob for row in TABLE.values() if row.knob.lower() not in README.lower()]
    assert not missing, missing
