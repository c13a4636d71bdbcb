"""Output files are checked before any training, and written whole or not at all."""

import json

import pytest

from dlparity import cli
from dlparity.cli import runs


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
    code, out, _ = run(capsys, "train", "init-zeros", "--quiet", "--plot", str(path))
    assert code == 0 and f"wrote {path}\n" in out
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plotfile"]


def test_interrupted_writes_leave_no_file(capsys, tmp_path, monkeypatch):
    def interrupted(path, *args):
        path.write_bytes(b"half a PNG")
        raise KeyboardInterrupt

    monkeypatch.setattr("dlparity.tools.plots.save_plot", interrupted)
    code, _, err = run(capsys, "train", "init-zeros", "--quiet", "--plot", str(tmp_path / "p.png"))
    assert code == 130 and "interrupted" in err
    assert list(tmp_path.iterdir()) == []


def test_json_is_written_whole(capsys, tmp_path):
    path = tmp_path / "r.json"
    assert run(capsys, "train", "init-zeros", "--quiet", "--json", str(path))[0] == 0
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
