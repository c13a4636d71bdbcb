"""The speed harness reports times and ratios; it never asserts a speed."""

from dlparity.bench import run_bench


def test_run_bench_prints_ratios_against_numpy():
    lines = []
    rows = run_bench(["digits-bn"], ["numpy", "jax"], out=lines.append)
    assert [r["framework"] for r in rows] == ["numpy", "jax"]
    assert rows[0]["speedup"] == 1.0 and rows[1]["seconds"] > 0 and rows[1]["compile_seconds"] >= 0
    assert "x numpy" in lines[0] and any(line.startswith("digits-bn") for line in lines[1:])
