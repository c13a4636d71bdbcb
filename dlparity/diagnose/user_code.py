"""The user's code named on the command line as MODULE:NAME, found and checked in one line each.

load("mymodule:make_adam", "FACTORY") -> the object; optimizer_pair(factory, text) -> (init, update).
MODULE is imported with the current directory first on sys.path, so a file beside the user works.
"""

from __future__ import annotations

import importlib
import os
import sys

from dlparity.core.errors import DlparityError
from dlparity.diagnose.common import call_user


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    name = type(error).__name__
    return f"{name}: {text.splitlines()[0]}" if text else name


def _split(text: str, what: str) -> tuple[str, str]:
    module, colon, name = text.partition(":")
    if not colon or not module or not name:
        raise DlparityError(f"{what}: expected MODULE:{what}, got {text!r}")
    return module, name


def _import(module: str):
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    importlib.invalidate_caches()  # a module written since the last import is seen
    try:
        return importlib.import_module(module)
    except (Exception, SystemExit) as error:  # the user's module: whatever it raises is theirs
        raise DlparityError(f"module {module!r} does not import: {_first_line(error)}") from None


def load(text: str, what: str):
    """The object MODULE:NAME names (NAME may be dotted: MODULE:obj.attr)."""
    module_name, name = _split(text, what)
    found = _import(module_name)
    for part in name.split("."):
        if not hasattr(found, part):
            raise DlparityError(f"{text}: module {module_name!r} has no attribute {name!r}")
        found = getattr(found, part)
    return found


def load_function(text: str, what: str):
    """load, and the object must be callable."""
    function = load(text, what)
    if not callable(function):
        raise DlparityError(f"{text}: not callable ({type(function).__name__})")
    return function


def optimizer_pair(factory, text: str):
    """factory() -> (init, update): a pair of callables, or an object with .init and .update."""
    made = call_user(factory, f"{text}()")
    if callable(getattr(made, "init", None)) and callable(getattr(made, "update", None)):
        return made.init, made.update
    if isinstance(made, tuple | list) and len(made) == 2 and all(map(callable, made)):
        return tuple(made)
    raise DlparityError(
        f"{text}() returned {_describe(made)}; expected (init, update), two functions, "
        "or an object with .init and .update"
    )


def _describe(value) -> str:
    if isinstance(value, tuple | list):
        kinds = ", ".join(type(item).__name__ for item in value[:4])
        more = ", ..." if len(value) > 4 else ""
        return f"a {type(value).__name__} of {len(value)} ({kinds}{more})"
    return f"a {type(value).__name__}"
