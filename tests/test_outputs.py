"""Output files are checked before any training, and written whole or not at all."""

import io
import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dlparity import cli
from dlparity.cli import runs
from dlparity.core.errors import DlparityError
from dlparity.course.experiments import get
from dlparity.tools import outputs
from dlparity.tools.outputs import check_output


@pytest.fixture
def no_training(monkeypatch):
    """Any training attempt fails the test: the checks must come first."""

    def trained(*args, **kwargs):
        raise AssertionError("training started before the output paths were checked")

    monkeypatch.setattr(runs, "run_experiment", trained)


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "option, name, message",
    [
        ("--plot", "p.txt", "--plot: cannot draw a .txt file; use one of:"),
        ("--plot", "missing/p.png", "--plot: folder"),
        ("--json", "missing/r.json", "--json: folder"),
        ("--json", "", "--json: empty path"),
        ("--plot", "", "--plot: empty path"),
        ("--plot", ".", "is a folder"),
    ],
)
@pytest.mark.parametrize("command", ["train", "compare"])
def test_bad_output_paths_fail_before_training(
    capsys, tmp_path, monkeypatch, no_training, command, option, name, message
):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, command, "init-zeros", option, name)
    assert code == 2 and message in err and err.count("\n") == 1
    assert "Traceback" not in err and "Cost after" not in out
    assert list(tmp_path.iterdir()) == []


def test_plot_without_extension_is_written_as_png_under_the_given_name(capsys, tmp_path):
    path = tmp_path / "plotfile"
    code, out, _ = run(
        capsys, "train", "init-zeros", "--stop-after", "100", "--quiet", "--plot", str(path)
    )
    assert code == 0 and f"wrote {path}\n" in out
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plotfile"]


def test_interrupted_writes_leave_no_file(capsys, tmp_path, monkeypatch):
    def interrupted(path, *args):
        path.write_bytes(b"half a PNG")
        raise KeyboardInterrupt

    monkeypatch.setattr("dlparity.tools.plots.save_plot", interrupted)
    code, _, err = run(
        capsys,
        "train",
        "init-zeros",
        "--stop-after",
        "100",
        "--quiet",
        "--plot",
        str(tmp_path / "p.png"),
    )
    assert code == 130 and "interrupted" in err
    assert list(tmp_path.iterdir()) == []


def test_json_is_written_whole(capsys, tmp_path):
    path = tmp_path / "r.json"
    assert (
        run(capsys, "train", "init-zeros", "--stop-after", "100", "--quiet", "--json", str(path))[0]
        == 0
    )
    assert json.loads(path.read_text())["experiment"] == "init-zeros"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_bench_succeeds_with_status_0(capsys, monkeypatch):
    monkeypatch.setattr(
        "dlparity.tools.bench.run_bench", lambda *args, **kw: {"runs": [], "pairs": []}
    )
    code, _, err = run(capsys, "bench", "planar")
    assert code == 0 and err == ""


def test_bench_without_course_data_fails_before_any_run(capsys, tmp_path, no_training):
    code, _, err = run(capsys, "bench", "planar", "dnn-cats-deep", "--data-dir", str(tmp_path))
    assert code == 2 and "dnn-cats-deep needs train_catvnoncat.h5" in err


def test_bench_default_set_skips_what_has_no_data(tmp_path):
    from dlparity.tools.bench import runnable

    lines = []
    assert runnable(None, tmp_path, out=lines.append) == ["planar", "opt-adam"]
    assert lines == [
        "dnn-cats-deep: skipped, needs train_catvnoncat.h5, test_catvnoncat.h5 "
        "(--data-dir or DLPARITY_DATA)"
    ]


def test_interrupt_while_the_command_loads_is_one_line(capsys, monkeypatch):
    import builtins
    import sys

    from dlparity.__main__ import main

    real_import = builtins.__import__

    def interrupted(name, *args, **kwargs):
        if name == "dlparity.cli":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "dlparity.cli")
    monkeypatch.setattr(builtins, "__import__", interrupted)
    assert main() == 130
    assert capsys.readouterr().err == "dlparity: interrupted\n"


def test_long_gradcheck_shows_progress(capsys):
    code, out, err = run(capsys, "gradcheck", "digits-bn", "--max-params", "300")
    assert code == 0 and "300 of" in out
    lines = err.splitlines()
    assert len(lines) == 10 and lines[-1] == "gradcheck: 300 of 300 coordinates"


def test_long_runs_report_each_tenth_on_stderr_when_not_a_terminal(capsys):
    code, out, err = run(capsys, "train", "planar", "--quiet")
    assert code == 0 and "Cost after" not in out
    assert err.splitlines() == [
        f"numpy: iteration {s} of 10000" for s in range(1000, 10000, 1000)
    ] + ["numpy: iteration 9999 of 10000"]


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_bar_starts_its_clock_at_the_first_recorded_cost(monkeypatch):
    """jax and tf report their costs when the compiled run ends: a bar started before would
    take start-up and compiling for the first step's time (1/10000 [00:01<3:17:30])."""
    monkeypatch.setattr(sys, "stderr", _Terminal())
    progress = runs._Progress(get("planar"), "jax", quiet=True)
    assert progress.bar is None
    before = time.time()
    progress(0, 0.69)
    assert progress.bar.n == 1 and progress.bar.start_t >= before and not progress.bar.disable
    progress.close()


# ---------------------------------------------------------------- targets that are not plain files

ROOT = os.geteuid() == 0


def _forbid_work(monkeypatch, *, data=True):
    def worked(*args, **kwargs):
        raise AssertionError("work started before the output paths were checked")

    for module in ("dlparity.cli.runs", "dlparity.tools.sweep", "dlparity.tools.tune",
                   "dlparity.tools.bench"):  # fmt: skip
        monkeypatch.setattr(f"{module}.run_experiment", worked)
    if data:
        monkeypatch.setattr("dlparity.course.data.load", worked)


@pytest.fixture
def no_work(monkeypatch):
    """Any training or data loading fails the test: the output checks must come first."""
    _forbid_work(monkeypatch)


def device(tmp_path, name, minor):
    """A character device like /dev/<name>: as root a node of our own (mknod) in tmp_path, so a
    write that replaced it would replace nothing of the system's; as a user the system's, which
    a user cannot replace (/dev is not theirs)."""
    if not ROOT:
        if os.access("/dev", os.W_OK):
            pytest.skip("/dev is writable by this user")
        return Path(f"/dev/{name}")
    path = tmp_path / name
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except (PermissionError, OSError) as error:
        pytest.skip(f"cannot make a device node here: {error}")
    return path


def files_beside(path):
    return sorted(p.name for p in path.parent.iterdir())


def test_a_device_is_written_in_place_and_stays_a_device(capsys, tmp_path):
    null = device(tmp_path, "null", 3)
    before = files_beside(null)
    code, out, err = run(
        capsys, "train", "init-zeros", "--stop-after", "100", "--quiet", "--json", str(null)
    )
    assert code == 0 and f"wrote {null}\n" in out
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert files_beside(null) == before  # no temporary file left


def test_a_full_device_is_one_line_and_status_2(capsys, tmp_path):
    full = device(tmp_path, "full", 7)
    before = files_beside(full)
    code, out, err = run(
        capsys, "train", "init-zeros", "--stop-after", "100", "--quiet", "--json", str(full)
    )
    assert code == 2 and err.endswith(
        f"dlparity: error: cannot write {full}: No space left on device\n"
    )
    assert err.count("dlparity: error:") == 1
    assert "Traceback" not in err
    assert stat.S_ISCHR(os.stat(full).st_mode) and files_beside(full) == before


def test_a_fifo_is_written_in_place_and_stays_a_fifo(capsys, tmp_path):
    fifo = tmp_path / "results"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    try:
        code, out, _ = run(
            capsys, "train", "init-zeros", "--stop-after", "100", "--quiet", "--json", str(fifo)
        )
    finally:
        if reader.is_alive():  # the run failed before opening the FIFO: release the reader
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=30)
    assert code == 0 and received and json.loads(received[0])["experiment"] == "init-zeros"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and files_beside(fifo) == ["results"]


def test_a_symlink_is_written_through_and_stays_a_link(capsys, tmp_path):
    (tmp_path / "real").mkdir()
    real, link = tmp_path / "real" / "r.json", tmp_path / "link.json"
    real.write_text("{}")
    real.chmod(0o600)
    link.symlink_to(real)
    code, _, _ = run(
        capsys, "train", "init-zeros", "--stop-after", "100", "--quiet", "--json", str(link)
    )
    assert code == 0 and link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["experiment"] == "init-zeros"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600  # the file keeps its permissions
    assert files_beside(real) == ["r.json"]


def test_a_dangling_symlink_creates_its_target(capsys, tmp_path):
    link, real = tmp_path / "link.json", tmp_path / "made.json"
    link.symlink_to(real)
    assert (
        run(capsys, "train", "init-zeros", "--stop-after", "100", "--quiet", "--json", str(link))[0]
        == 0
    )
    assert link.is_symlink() and json.loads(real.read_text())["experiment"] == "init-zeros"


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "planar", "--json", "{dir}/r.json"],
        ["train", "planar", "--plot", "{dir}/p.png"],
        ["train", "planar", "--save", "{dir}/c.npz"],
        ["train", "planar", "--framework", "keras-jax", "--json", "{dir}/r.json"],
        ["compare", "planar", "--json", "{dir}/r.json"],
        ["report", "planar", "--out", "{dir}/r.html"],
        ["sweep", "--plot", "{dir}/s.png"],
        ["sweep", "--json", "{dir}/s.json"],
        ["tune", "opt-adam", "--json", "{dir}/t.json"],
        ["tune", "opt-adam", "--plot", "{dir}/t.png"],
        ["bench", "planar", "--json", "{dir}/b.json"],
    ],
    ids=lambda argv: " ".join(argv[:-1]),
)
@pytest.mark.parametrize("folder", ["/proc", "/sys/kernel"])
def test_outputs_under_proc_and_sys_fail_before_any_work(capsys, monkeypatch, argv, folder):
    """os.access says yes to root there; creating a file says no, to root and to a user.
    (train checks --save after loading the data, still before training.)"""
    if not Path(folder).is_dir():
        pytest.skip(f"no {folder} here")
    _forbid_work(monkeypatch, data="--save" not in argv)
    argv = [a.replace("{dir}", folder) for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith(f"dlparity: error: {argv[-2]}: cannot create a file in {folder}: ")


def test_an_immutable_file_fails_before_any_work(capsys, tmp_path, no_work):
    target = tmp_path / "r.json"
    target.write_text("{}")
    if subprocess.run(["chattr", "+i", str(target)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not permitted here")
    try:
        code, _, err = run(capsys, "train", "planar", "--json", str(target))
    finally:
        subprocess.run(["chattr", "-i", str(target)], check=True)
    assert (
        code == 2
        and err == f"dlparity: error: --json: cannot write {target}: Operation not permitted\n"
    )
    assert target.read_text() == "{}" and files_beside(target) == ["r.json"]


NOBODY = 65534


def as_a_user(check):
    """check() run as a normal user: in this process when the tests are not root, else in a child
    that drops to uid/gid 65534 (only what is imported already runs there); returns what check
    returns, a string."""
    if not ROOT:
        return check()
    import pickle

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no pytest machinery from here on, only os._exit
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            result = check()
        except BaseException as error:  # noqa: BLE001  (reported to the parent as text)
            result = f"raised {type(error).__name__}: {error}"
        os.write(write, pickle.dumps(result))
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return pickle.loads(data)


def refused(option, path, kind="json"):
    """check_output's answer: 'ok', or its DlparityError's message."""
    try:
        check_output(option, path, kind)
    except DlparityError as error:
        return str(error)
    return "ok"


@pytest.fixture
def shared_folder():
    """A folder a normal user reaches: (root's own folder inside, theirs inside)."""
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="dlparity-outputs-"))
    base.chmod(0o755)
    mine, theirs = base / "root", base / "user"
    mine.mkdir(mode=0o755)
    theirs.mkdir(mode=0o755)
    if ROOT:
        os.chown(theirs, NOBODY, NOBODY)
    yield mine, theirs
    shutil.rmtree(base)


def test_as_a_user_read_only_files_and_folders_are_refused(shared_folder):
    mine, theirs = shared_folder
    if not ROOT:  # a user's own folder: make the two cases by permissions
        mine.chmod(0o555)
    (theirs / "read-only.json").write_text("{}")
    (theirs / "read-only.json").chmod(0o444)
    assert as_a_user(lambda: refused("--json", theirs / "read-only.json")) == (
        f"--json: cannot write {theirs / 'read-only.json'}: Permission denied"
    )
    assert as_a_user(lambda: refused("--plot", mine / "p.png", "plot")) == (
        f"--plot: cannot create a file in {mine}: Permission denied"
    )
    assert as_a_user(lambda: refused("--json", theirs / "new.json")) == "ok"
    assert sorted(p.name for p in theirs.iterdir()) == ["read-only.json"]  # no probe left
    mine.chmod(0o755)


def test_as_a_user_dev_null_is_accepted_and_proc_refused():
    """A user cannot create files in /dev, and needs not: /dev/null is written in place."""
    outputs.plot_formats()  # imported here, before a child of root's drops to a user
    assert as_a_user(lambda: refused("--json", "/dev/null")) == "ok"
    assert as_a_user(lambda: refused("--json", "/proc/r.json")).startswith(
        "--json: cannot create a file in /proc: "
    )


def test_the_check_leaves_nothing_behind(tmp_path):
    assert check_output("--json", tmp_path / "new.json", "json") == tmp_path / "new.json"
    (tmp_path / "old.json").write_text("kept")
    check_output("--json", tmp_path / "old.json", "json")
    assert files_beside(tmp_path / "old.json") == ["old.json"]
    assert (tmp_path / "old.json").read_text() == "kept"  # opened for writing, not truncated


def test_a_socket_is_refused(tmp_path):
    import socket

    path = tmp_path / "s.json"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(DlparityError, match=r"--json: .*s\.json is a socket, not a file"):
            check_output("--json", path, "json")


def test_an_open_descriptor_is_written_where_it_stands(capsys, tmp_path):
    """/dev/fd/N (and so /dev/stdout redirected to a file): written through the descriptor, after
    what it holds, not over the file's start nor renamed over."""
    log = tmp_path / "log.txt"
    with open(log, "w") as f:
        f.write("before\n")
        f.flush()
        path = f"/dev/fd/{f.fileno()}"
        code, out, _ = run(
            capsys, "train", "init-zeros", "--stop-after", "100", "--quiet", "--json", path
        )
        f.write("after\n")
    assert code == 0 and f"wrote {path}" in out
    text = log.read_text()
    assert text.startswith("before\n{") and text.endswith("}\nafter\n")
    assert json.loads(text[len("before\n") : -len("after\n")])["experiment"] == "init-zeros"
    assert files_beside(log) == ["log.txt"]


def test_a_descriptor_open_for_reading_is_refused_before_any_work(capsys, tmp_path, no_work):
    source = tmp_path / "in.txt"
    source.write_text("x")
    with open(source) as f:
        path = f"/dev/fd/{f.fileno()}"
        code, _, err = run(capsys, "train", "planar", "--json", path)
    assert (
        code == 2
        and err == f"dlparity: error: --json: cannot write {path}: open for reading only\n"
    )
