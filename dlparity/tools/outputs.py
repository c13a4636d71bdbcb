"""Files the command writes: checked before any work starts, written atomically.

A run that cannot write its result says so before it trains, and an interrupted write never
leaves half a file: everything goes to a temporary file in the same folder, renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from dlparity.core.errors import DlparityError

SUFFIXES = {"checkpoint": (".npz",), "report": (".html", ".htm")}  # JSON may have any name


def plot_formats() -> set[str]:
    """The file extensions matplotlib can write, e.g. {'png', 'pdf', 'svg', ...}."""
    from matplotlib.backend_bases import FigureCanvasBase

    return set(FigureCanvasBase.get_supported_filetypes())


def check_output(option: str, path: str | os.PathLike, kind: str) -> Path:
    """The path of an output file given as `option`, or a DlparityError naming the problem.

    kind: "json", "checkpoint", "report" or "plot". A plot without an extension is PNG.
    """
    if not str(path).strip():
        raise DlparityError(f"{option}: empty path")
    path = Path(path).expanduser()
    folder = path.parent
    if path.is_dir():
        raise DlparityError(f"{option}: {path} is a folder, expected a file name")
    if not folder.is_dir():
        raise DlparityError(f"{option}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise DlparityError(f"{option}: cannot write into {folder}: permission denied")
    _check_suffix(option, path, kind)
    return path


def _check_suffix(option: str, path: Path, kind: str) -> None:
    suffix = path.suffix.lower()
    if kind == "plot":
        formats = plot_formats()
        if suffix and suffix[1:] not in formats:
            known = ", ".join(sorted(formats))
            raise DlparityError(f"{option}: cannot draw a {suffix} file; use one of: {known}")
    elif kind in SUFFIXES and suffix not in SUFFIXES[kind]:
        raise DlparityError(f"{option}: {path.name} should end in {' or '.join(SUFFIXES[kind])}")


@contextlib.contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` (same extension, PNG when none) to write to; on success
    it is renamed to `path`, on any failure removed."""
    suffix = path.suffix or ".png"
    temporary = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.partial{suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as error:
        raise DlparityError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
