"""Start-up: the command imports the heavy libraries only where a command uses them."""

import subprocess
import sys
from dataclasses import replace

from dlparity.runtime import frameworks

DESCRIPTORS = frameworks.descriptors()
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


def test_reading_the_descriptors_imports_no_framework_package():
    code = (
        "from dlparity.runtime import frameworks\n"
        "assert frameworks.names() and frameworks.available('jax')\n"
        "import sys\n"
        "assert not {'pure_numpy', 'jax_impl', 'tf_impl', 'keras_impl'} & set(sys.modules)"
    )
    assert imported_after(code) == []


def _with(monkeypatch, name, **changes):
    """The descriptors as they are, but name's with changes."""
    changed = tuple(replace(f, **changes) if f.name == name else f for f in DESCRIPTORS)
    monkeypatch.setattr(frameworks, "descriptors", lambda: changed)


def test_missing_packages_are_found_without_importing(monkeypatch):
    _with(monkeypatch, "jax", needs=("jax", "no_such_package"))
    assert frameworks.missing_packages("jax") == ["no_such_package"]
    _with(monkeypatch, "jax", train="jax_impl.no_such_module:train")
    assert frameworks.missing_packages("jax") == ["jax_impl.no_such_module"]
    assert frameworks.missing_packages("numpy") == []
