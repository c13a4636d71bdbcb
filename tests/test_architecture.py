"""The import contract of pyproject.toml ([tool.importlinter]): the spine's layers point down, the
framework packages import the core and the runtime only, the reference the core alone. Checked on
the tree as it is, and on a copy with one wrong import, which must break it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter")

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("dlparity", "pure_numpy", "jax_impl", "tf_impl", "keras_impl")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """lint-imports on tree, its packages found in tree (no framework is imported: grimp parses)."""
    script = (
        "import sys; sys.path.insert(0, sys.argv.pop(1)); "
        "from importlinter.cli import lint_imports_command; lint_imports_command()"
    )
    return subprocess.run(
        [sys.executable, "-c", script, str(tree), str(tree / "pyproject.toml")],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_of_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(ROOT / "pyproject.toml", tree)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tree


def test_the_contract_is_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "broken"),
    [
        # the reference reaching up into the tools
        ("pure_numpy/layers.py", "from dlparity.tools import runs", "pure_numpy imports the core"),
        # one framework package importing another
        (
            "keras_impl/course.py",
            "import tf_impl.layers",
            "keras_impl is not allowed to import tf_impl",
        ),
        # the core importing the file format above it
        ("dlparity/core/plan.py", "from dlparity.tools import checkpoint", "dlparity.core is not"),
        # the reference reaching the runtime (allowed to the other packages, not to it)
        (
            "pure_numpy/models.py",
            "from dlparity.runtime import quiet",
            "pure_numpy imports the core",
        ),
    ],
)
def test_a_wrong_import_breaks_it(tmp_path, module, wrong_import, broken):
    tree = copy_of_tree(tmp_path)
    path = tree / module
    path.write_text(path.read_text() + f"\n{wrong_import}  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert broken in result.stdout, result.stdout
