"""The speed harness reports times, ratios and the bare-GEMM limit; it never asserts a speed."""

import io
import json
import runpy
import sys
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from dlparity import cli
from dlparity.core.errors import DlparityError
from dlparity.core.spec import ModelSpec
from dlparity.course import experiments
from dlparity.tools.bench import (
    GemmTiming,
    _experiment_rows,
    _pair_rows,
    _usable,
    gemm_operands,
    run_bench,
    time_gemms,
    time_loops,
)

RUN_KEYS = {"experiment": str, "framework": str, "dtype": str, "seconds": float,
            "compile_seconds": float, "repeat": int, "speedup_vs_numpy": float,
            "gemm_seconds": float, "gemm_steps_timed": int, "limit_ratio": float}  # fmt: skip


def test_bench_json_has_every_run_with_its_limit(capsys, tmp_path):
    path = tmp_path / "bench.json"
    argv = ["bench", "digits-bn", "--frameworks", "numpy,jax", "--repeat", "2"]
    code = cli.main([*argv, "--json", str(path)])
    out = capsys.readouterr().out
    assert code == 0 and f"wrote {path}" in out
    lines = out.splitlines()
    assert lines[0] == "run s and gemm s: the fastest of 2 rounds; compile s: the first round's"
    assert "x numpy" in lines[1] and "gemm s" in lines[1] and "limit x" in lines[1]
    assert "the fastest of 100 timed steps, times 50" in lines[2]  # 50 epochs, all timed twice
    assert sum(line.startswith("digits-bn  ") for line in lines) == 2
    runs = json.loads(path.read_text())["runs"]
    assert [r["framework"] for r in runs] == ["numpy", "jax"]
    for row in runs:
        assert {k: type(v) for k, v in row.items()} == RUN_KEYS
        assert row["experiment"] == "digits-bn" and row["dtype"] == "float64"
        assert row["repeat"] == 2 and row["gemm_steps_timed"] == 100
        assert row["gemm_seconds"] > 0 and row["seconds"] > 0 and row["compile_seconds"] >= 0
        assert row["limit_ratio"] == row["seconds"] / row["gemm_seconds"]
    assert runs[0]["speedup_vs_numpy"] == 1.0
    assert runs[0]["gemm_seconds"] == runs[1]["gemm_seconds"]  # measured once per experiment


@pytest.fixture
def no_bench(monkeypatch):
    """Any run attempt fails the test: --json must be checked first."""

    def ran(*args, **kwargs):
        raise AssertionError("the bench ran before --json was checked")

    monkeypatch.setattr("dlparity.tools.bench.run_bench", ran)


def test_bad_json_path_fails_before_any_run(capsys, tmp_path, no_bench):
    code = cli.main(["bench", "planar", "--json", str(tmp_path / "missing" / "b.json")])
    err = capsys.readouterr().err
    assert (
        code == 2
        and err.startswith("dlparity: error: --json: folder")
        and len(err.splitlines()) == 1
    )


def test_the_script_checks_json_before_any_run(capsys, monkeypatch, tmp_path, no_bench):
    argv = ["bench.py", "planar", "--json", str(tmp_path)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as stop:
        runpy.run_path("benchmarks/bench.py", run_name="__main__")
    assert stop.value.code == 2 and "--json: " in capsys.readouterr().err


def test_gemm_products_are_the_forward_then_backward_pass_of_each_batch():
    # layer_dims (3, 4, 1), mini-batches of 5 and 2; no dA_0 = W1^T dZ1 (no update needs it)
    forward = lambda m_b: [((4, 3), (3, m_b)), ((1, 4), (4, m_b))]  # noqa: E731
    backward = lambda m_b: [((1, m_b), (m_b, 4)), ((4, 1), (1, m_b)),  # noqa: E731
                            ((4, m_b), (m_b, 3))]  # fmt: skip
    expected = forward(5) + backward(5) + forward(2) + backward(2)
    operands = gemm_operands(ModelSpec("deep", (3, 4, 1)), [5, 2], np.float32)
    assert [(a.shape, b.shape) for a, b in operands] == expected
    assert {a.dtype for pair in operands for a in pair} == {np.dtype(np.float32)}
    (W1, A0), (W2, _) = operands[:2]
    assert operands[3][0].base is W2 and operands[4][1].base is A0  # W2^T, A0^T: views
    assert all(left.base is not W1 for left, _ in operands)  # W1^T: never


def test_a_convolution_is_its_windows_times_its_kernel():
    """digits-convnet: conv 3x3 1 -> 8 on 8 x 8, pool to 4 x 4, conv 3x3 8 -> 16, pool, dense
    64 -> 10; a batch of 2 (K = f f n_C_prev rows of the kernel matrix)."""
    spec = experiments.get("digits-convnet").spec
    shapes = [(a.shape, b.shape) for a, b in gemm_operands(spec, [2], np.float64)]
    forward = [((128, 9), (9, 8)), ((32, 72), (72, 16)), ((10, 64), (64, 2))]
    backward = [((10, 2), (2, 64)), ((64, 10), (10, 2)), ((72, 32), (32, 16)),
                ((32, 16), (16, 72)), ((9, 128), (128, 8))]  # fmt: skip
    assert shapes == forward + backward


def test_loops_are_timed_on_every_convolution_and_pool():
    timing = time_loops(experiments.get("digits-resnet"), 2)
    assert timing.batch == 2 and timing.loops_seconds > 0 and timing.vectorized_seconds > 0


def test_gemm_time_is_scaled_from_the_steps_timed():
    experiment = experiments.get("digits-bn")
    timing = time_gemms(experiment, 100, budget=0.0)
    assert timing.steps_timed == 1 and timing.steps == 50 and timing.seconds > 0
    assert timing.products_per_step == 2 * (3 + 3 + 2)  # batches of 64 and 36: 3 layers, no dA_0
    short = replace(experiment, config=replace(experiment.config, num_epochs=3))
    assert time_gemms(short, 100, budget=60.0).steps_timed == 3  # all steps: nothing to scale


def test_gemm_time_is_the_fastest_timed_step_times_the_steps(monkeypatch):
    step_seconds = iter([9.0, 3.0, 1.0, 2.0])  # the first step is untimed
    monkeypatch.setattr("dlparity.tools.bench._one_step", lambda operands: next(step_seconds))
    experiment = experiments.get("digits-bn")
    short = replace(experiment, config=replace(experiment.config, num_epochs=3))
    timing = time_gemms(short, 100, budget=60.0)
    assert (timing.seconds, timing.steps_timed) == (1.0 * 3, 3)


def test_repeat_keeps_each_ones_fastest_round_and_the_first_compile(monkeypatch):
    gemm_seconds = iter([4.0, 2.0, 3.0])
    runs = iter([(3.0, 5.0), (6.0, 7.0), (1.0, 0.0), (8.0, 0.0), (2.0, 0.0), (4.0, 0.0)])

    def gemms(experiment, m):
        return GemmTiming(next(gemm_seconds), 10, 100, 6)

    def run(experiment, framework, arrays):
        seconds, compile_seconds = next(runs)  # rounds: numpy then jax
        return SimpleNamespace(
            result=SimpleNamespace(seconds=seconds, compile_seconds=compile_seconds)
        )

    monkeypatch.setattr("dlparity.tools.bench.time_gemms", gemms)
    monkeypatch.setattr("dlparity.tools.bench.run_experiment", run)
    lines, started = [], []
    arrays = (np.zeros((2, 5)),)
    numpy_row, jax_row = _experiment_rows(
        experiments.get("planar"), ["numpy", "jax"], arrays, 3, lines.append, started.append
    )
    assert started[:3] == ["planar: timing the bare GEMMs (round 1 of 3)",
                           "planar: training numpy (round 1 of 3)",
                           "planar: training jax (round 1 of 3)"]  # fmt: skip
    assert len(started) == 9
    assert (numpy_row["seconds"], numpy_row["compile_seconds"]) == (1.0, 5.0)
    assert (jax_row["seconds"], jax_row["compile_seconds"]) == (4.0, 7.0)
    assert jax_row["speedup_vs_numpy"] == 1.0 / 4.0 and jax_row["repeat"] == 3
    assert (jax_row["gemm_seconds"], jax_row["gemm_steps_timed"]) == (2.0, 30)
    assert (
        lines[0]
        == "planar: bare GEMMs 2.000 s (6 matmuls a step; the fastest of 30 timed steps, times 100)"
    )
    assert len(lines) == 3  # the last round prints


def test_numpy_runs_first_whatever_the_order_given():
    assert _usable(["jax", "numpy"])[0] == "numpy"
    assert _usable(["jax"])[0] == "numpy"


@pytest.mark.parametrize("repeat", [0, -1, 1.5, True, "2"])
def test_bad_repeat_fails_before_any_run(repeat):
    with pytest.raises(DlparityError, match=r"^repeat: must be a positive integer, got "):
        run_bench(["planar"], ["numpy"], repeat=repeat, out=pytest.fail)


@pytest.mark.parametrize("text", ["0", "two", "-3"])
def test_bad_repeat_option_is_one_line(capsys, text, no_bench):
    code = cli.main(["bench", "planar", "--repeat", text])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith(
        f"dlparity: error: argument --repeat: expected a positive integer, got '{text}'"
    )


def test_the_script_checks_repeat_before_any_run(capsys, monkeypatch, no_bench):
    monkeypatch.setattr(sys, "argv", ["bench.py", "planar", "--repeat", "0"])
    with pytest.raises(SystemExit) as stop:
        runpy.run_path("benchmarks/bench.py", run_name="__main__")
    err = capsys.readouterr().err
    assert (
        stop.value.code == 2 and err == "bench: error: repeat: must be a positive integer, got 0\n"
    )


def test_keras_is_measured_against_tf():
    lines = []
    rows = [
        {"experiment": "planar", "framework": "tf", "seconds": 0.5, "compile_seconds": 0.5},
        {"experiment": "planar", "framework": "keras", "seconds": 1.5, "compile_seconds": 1.5},
        {"experiment": "other", "framework": "keras", "seconds": 9.0, "compile_seconds": 0.0},
    ]
    (pair,) = _pair_rows("planar", rows, lines.append)
    assert pair == {"experiment": "planar", "framework": "keras/tf", "ratio": 3.0,
                    "ratio_end_to_end": 3.0}  # fmt: skip
    assert lines[0].startswith("planar") and "keras/tf" in lines[0] and "3.0" in lines[0]
    assert _pair_rows("other", rows, lines.append) == []


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_status_line_is_cleared_before_each_row(capsys):
    from dlparity.cli.search import _StatusLine

    terminal = _Terminal()
    line = _StatusLine(terminal)
    line.status("planar: training jax")
    line.out("planar          jax ...")
    assert terminal.getvalue() == "\r\x1b[Kplanar: training jax ...\r\x1b[K"
    assert capsys.readouterr().out == "planar          jax ...\n"


def test_off_a_terminal_only_the_rows_print(capsys):
    from dlparity.cli.search import _StatusLine

    piped = io.StringIO()
    line = _StatusLine(piped)
    line.status("planar: training jax")
    line.out("a row")
    assert piped.getvalue() == "" and capsys.readouterr().out == "a row\n"


def test_charmodel_rows_with_the_limit_of_its_matmuls(capsys, tmp_path, monkeypatch):
    from dlparity.tools import bench

    monkeypatch.setitem(bench.CHARMODEL_SETTINGS, "iterations", 3)
    monkeypatch.setitem(bench.CHARMODEL_SETTINGS, "n_a", 4)
    monkeypatch.setattr(bench, "time_charmodel_gemms",
                        lambda steps, n_a: GemmTiming(1e-6 * steps, 5, steps, 8))  # fmt: skip
    path = tmp_path / "bench.json"
    code = cli.main(["bench", "charmodel", "--frameworks", "numpy,jax,keras-jax",
                     "--json", str(path)])  # fmt: skip
    out = capsys.readouterr().out
    runs = json.loads(path.read_text())["runs"]
    assert code == 0 and [r["framework"] for r in runs] == ["numpy", "jax"]
    for row in runs:
        assert {k: type(v) for k, v in row.items()} == RUN_KEYS
        assert (
            row["experiment"] == "charmodel"
            and row["limit_ratio"] == row["seconds"] / (row["gemm_seconds"])
        )
    steps = runs[0]["gemm_seconds"] / 1e-6  # the first three names after the shuffle, + 1 each
    assert round(steps) == len("scelidosaurus") + len("seismosaurus") + len("alectrosaurus") + 3
    assert "charmodel: keras-jax skipped: it runs on numpy, jax" in out
    assert "  jax: " in out and "lax.scan over the padded steps" in out


def test_one_time_step_is_three_products_forward_and_five_backward():
    from dlparity.tools.bench import charmodel_operands

    shapes = [(a.shape, b.shape) for a, b in charmodel_operands(4, 27, np.float64)]
    assert shapes == [((4, 27), (27, 1)), ((4, 4), (4, 1)), ((27, 4), (4, 1)),
                      ((27, 1), (1, 4)), ((4, 27), (27, 1)), ((4, 1), (1, 27)),
                      ((4, 1), (1, 4)), ((4, 4), (4, 1))]  # fmt: skip
