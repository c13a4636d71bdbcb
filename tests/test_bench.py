"""The speed harness reports times, ratios and the bare-GEMM limit; it never asserts a speed."""

import json
import runpy
import sys
from dataclasses import replace

import numpy as np
import pytest

from dlparity import cli, experiments
from dlparity.bench import _pair_rows, gemm_operands, time_gemms

RUN_KEYS = {"experiment": str, "framework": str, "dtype": str, "seconds": float,
            "compile_seconds": float, "speedup_vs_numpy": float, "gemm_seconds": float,
            "limit_ratio": float}  # fmt: skip


def test_bench_json_has_every_run_with_its_limit(capsys, tmp_path):
    path = tmp_path / "bench.json"
    code = cli.main(["bench", "digits-bn", "--frameworks", "numpy,jax", "--json", str(path)])
    out = capsys.readouterr().out
    assert code == 0 and f"wrote {path}" in out
    lines = out.splitlines()
    assert "x numpy" in lines[0] and "gemm s" in lines[0] and "limit x" in lines[0]
    assert sum(line.startswith("digits-bn  ") for line in lines) == 2
    runs = json.loads(path.read_text())["runs"]
    assert [r["framework"] for r in runs] == ["numpy", "jax"]
    for row in runs:
        assert {k: type(v) for k, v in row.items()} == RUN_KEYS
        assert row["experiment"] == "digits-bn" and row["dtype"] == "float64"
        assert row["gemm_seconds"] > 0 and row["seconds"] > 0 and row["compile_seconds"] >= 0
        assert row["limit_ratio"] == row["seconds"] / row["gemm_seconds"]
    assert runs[0]["speedup_vs_numpy"] == 1.0
    assert runs[0]["gemm_seconds"] == runs[1]["gemm_seconds"]  # measured once per experiment


@pytest.fixture
def no_bench(monkeypatch):
    """Any run attempt fails the test: --json must be checked first."""

    def ran(*args, **kwargs):
        raise AssertionError("the bench ran before --json was checked")

    monkeypatch.setattr("dlparity.bench.run_bench", ran)


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
    # layer_dims (3, 4, 1), mini-batches of 5 and 2
    forward = lambda m_b: [((4, 3), (3, m_b)), ((1, 4), (4, m_b))]  # noqa: E731
    backward = lambda m_b: [((1, m_b), (m_b, 4)), ((4, 1), (1, m_b)),  # noqa: E731
                            ((4, m_b), (m_b, 3)), ((3, 4), (4, m_b))]  # fmt: skip
    expected = forward(5) + backward(5) + forward(2) + backward(2)
    operands = gemm_operands((3, 4, 1), [5, 2], np.float32)
    assert [(a.shape, b.shape) for a, b in operands] == expected
    assert {a.dtype for pair in operands for a in pair} == {np.dtype(np.float32)}
    W1, A0 = operands[0]
    assert operands[5][0].base is W1 and operands[4][1].base is A0  # W1^T, A0^T: views


def test_gemm_time_is_scaled_from_the_steps_timed():
    experiment = experiments.get("digits-bn")
    timing = time_gemms(experiment, 100, budget=0.0)
    assert timing.steps_timed == 1 and timing.steps == 50 and timing.seconds > 0
    assert timing.products_per_step == 2 * 3 * 3  # batches of 64 and 36, 3 layers, 3 matmuls
    short = replace(experiment, config=replace(experiment.config, num_epochs=3))
    assert time_gemms(short, 100, budget=60.0).steps_timed == 3  # all steps: nothing to scale


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
