"""Start-up: the command imports the heavy libraries only where a command uses them."""

import subprocess
import sys

from dlparity.runtime import frameworks

HEAVY = ("sklearn", "scipy", "h5py", "matplotlib", "tqdm", "jax", "optax", "tensorflow", "keras")


def imported_after(code: str) -> list[str]:
    """The HEAVY top-level modules a fresh interpreter holds after running code."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.split() if m in HEAVY]


def test_importing_the_command_imports_no_heavy_library():
    assert imported_after("import dlparity.cli") == []


def test_help_and_list_import_no_heavy_library():
    code = (
        "import contextlib, io\nfrom dlparity.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['list'])\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass"
    )
    assert imported_after(code) == []


def test_missing_packages_are_found_without_importing(monkeypatch):
    monkeypatch.setitem(frameworks.FRAMEWORKS, "jax", ("jax_impl.train", "jax_impl.models",
                                                       ("jax", "no_such_package")))  # fmt: skip
    assert frameworks.missing_packages("jax") == ["no_such_package"]
    monkeypatch.setitem(frameworks.FRAMEWORKS, "jax", ("jax_impl.no_such_module", "", ("jax",)))
    assert frameworks.missing_packages("jax") == ["jax_impl.no_such_module"]
    assert frameworks.missing_packages("numpy") == []
