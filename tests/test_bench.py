"""The speed harness reports times and ratios; it never asserts a speed."""

from dlparity.bench import _pair_rows, run_bench


def test_run_bench_prints_ratios_against_numpy():
    lines = []
    rows = run_bench(["digits-bn"], ["numpy", "jax"], out=lines.append)
    assert [r["framework"] for r in rows] == ["numpy", "jax"]
    assert rows[0]["speedup"] == 1.0 and rows[1]["seconds"] > 0 and rows[1]["compile_seconds"] >= 0
    assert "x numpy" in lines[0] and any(line.startswith("digits-bn") for line in lines[1:])


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
