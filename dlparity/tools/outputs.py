"""Files the command writes: proven writable before any work starts, written atomically.

A run that cannot write its result says so before it trains: check_output() really tries, by
creating and removing a probe file beside the target and opening an existing target for writing
(without truncating it), since os.access answers yes for root on /proc, /sys, a read-only mount
or an immutable file. An interrupted write never leaves half a file: everything goes to a
temporary file in the target's folder, renamed into place. A target that is not a regular file
(/dev/null, a FIFO) is never renamed over: it is written in place; /dev/stdout (an open file
descriptor) is written through the descriptor. A symlink is followed: its target is written, the
link stays.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from dlparity.core.errors import DlparityError

SUFFIXES = {"checkpoint": (".npz",), "report": (".html", ".htm")}  # JSON may have any name
_REFUSED = {stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


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
    if path.is_dir():
        raise DlparityError(f"{option}: {path} is a folder, expected a file name")
    descriptor = _descriptor(path)
    if descriptor is not None:
        _check_suffix(option, path, kind)
        _check_descriptor(option, path, descriptor)
        return path
    target = _target(path)
    if not target.parent.is_dir():
        raise DlparityError(f"{option}: folder {target.parent} does not exist")
    _check_suffix(option, path, kind)
    _check_writable(option, target)
    return path


def _check_descriptor(option: str, path: Path, descriptor: int) -> None:
    import fcntl

    try:
        flags = fcntl.fcntl(descriptor, fcntl.F_GETFL)
    except OSError as error:
        raise DlparityError(f"{option}: cannot write {path}: {error.strerror}") from None
    if flags & os.O_ACCMODE not in (os.O_WRONLY, os.O_RDWR):
        raise DlparityError(f"{option}: cannot write {path}: open for reading only")


def _descriptor(path: Path) -> int | None:
    """The file descriptor of this process that path names (/dev/stdout, /dev/fd/3,
    /proc/self/fd/1), else None. Such a target is written through the descriptor, where the
    shell opened it (a pipe, or the end of a file that `> out.txt` made): reopening it would
    write at the file's start, and renaming over it would lose what the command printed."""
    here = f"/proc/{os.getpid()}/fd"
    current = os.path.abspath(path)
    for _ in range(40):  # a chain of links, as the kernel follows it
        name = os.path.basename(current)
        if os.path.realpath(os.path.dirname(current)) == here and name.isdigit():
            return int(name)
        if not os.path.islink(current):
            return None
        current = os.path.join(os.path.dirname(current), os.readlink(current))
    return None


def _target(path: Path) -> Path:
    """The file a write to path reaches: path with every symlink followed (it may not exist)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _check_writable(option: str, target: Path) -> None:
    """Prove that target can be written the way atomic() will, by doing it: nothing is left."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise DlparityError(f"{option}: cannot write {target}: {error.strerror}") from None
    if mode is not None and stat.S_IFMT(mode) in _REFUSED:
        raise DlparityError(f"{option}: {target} is {_REFUSED[stat.S_IFMT(mode)]}, not a file")
    if mode is not None and stat.S_ISFIFO(mode):
        # opening a FIFO's write end and closing it would end the input of a reader already
        # there; access() is right for a FIFO, whose writes reach no file system
        if not os.access(target, os.W_OK):
            raise DlparityError(f"{option}: cannot write {target}: permission denied")
        return
    if mode is None or stat.S_ISREG(mode):  # the temporary file and the rename need the folder
        _probe_folder(option, target.parent)
    if mode is not None:
        _probe_open(option, target)


def _probe_folder(option: str, folder: Path) -> None:
    probe = folder / f".dlparity-probe-{secrets.token_hex(4)}"
    try:
        descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise DlparityError(
            f"{option}: cannot create a file in {folder}: {error.strerror}"
        ) from None
    os.close(descriptor)
    with contextlib.suppress(FileNotFoundError):
        probe.unlink()


def _probe_open(option: str, target: Path) -> None:
    """Open an existing file or device for writing, without truncating or writing anything."""
    flags = os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK
    try:
        descriptor = os.open(target, flags)
    except OSError as error:
        raise DlparityError(f"{option}: cannot write {target}: {error.strerror}") from None
    os.close(descriptor)


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
    """A temporary path (same extension as `path`, PNG when none) to write to; on success it
    becomes `path`, on any failure it is removed and `path` is left as it was.

    A regular file (or none yet) is replaced by renaming the temporary file, made beside it, over
    it; a symlink's target is, the link kept. A device or FIFO is written in place from a
    temporary file elsewhere: renaming over /dev/null would replace the device with a file.
    """
    path = Path(path)
    target = _target(path)
    suffix = path.suffix or ".png"
    descriptor = _descriptor(path)
    if descriptor is not None or (target.exists() and not target.is_file()):
        with tempfile.TemporaryDirectory(prefix="dlparity-") as folder:
            temporary = Path(folder) / f"output{suffix}"
            try:
                yield temporary
                _write_in_place(temporary, target, descriptor)
            except OSError as error:
                raise DlparityError(f"cannot write {path}: {error.strerror or error}") from None
        return
    temporary = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.partial{suffix}")
    try:
        yield temporary
        with contextlib.suppress(OSError):  # an existing file keeps its permissions
            os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temporary, target)
    except OSError as error:
        raise DlparityError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _write_in_place(source: Path, target: Path, descriptor: int | None) -> None:
    """source's bytes through the descriptor given, else into the device or FIFO target, opened
    for writing as it is."""
    data = memoryview(source.read_bytes())
    if descriptor is not None:
        for stream in (sys.stdout, sys.stderr):  # what was printed before comes first
            with contextlib.suppress(Exception):
                stream.flush()
        _write_all(descriptor, data)
        return
    opened = os.open(target, os.O_WRONLY | os.O_NOCTTY)
    try:
        _write_all(opened, data)
    finally:
        os.close(opened)


def _write_all(descriptor: int, data: memoryview) -> None:
    while data:
        data = data[os.write(descriptor, data) :]
