"""The dlparity command, run in-process through cli.main."""

import io
import json
import re
import sys

import pytest

from dlparity.cli import main
from dlparity.course.experiments import EXPERIMENTS, get


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_datasets_experiments_and_frameworks(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for word in ("flower", "digits", "dnn-cats-deep", "opt-adam-decay", "C2W2", "numpy"):
        assert word in out


def test_migration_prints_the_table(capsys):
    code, out, _ = run(capsys, "migration")
    assert code == 0 and "RMSprop" in out and "optax" in out and "Keras 3" in out
    assert "W -= α v" in out and "λ / 2m" in out and "ε-hat" in out
    assert max(len(line) for line in out.splitlines()) <= 100, "piped: wrapped to 100 columns"


def test_migration_spells_greek_letters_out_where_stdout_cannot_encode_them(capsys, monkeypatch):
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main(["migration"]) == 0
    stdout.flush()
    out = stdout.buffer.getvalue().decode("ascii")
    assert "W -= alpha v" in out and "(lambda / 2m)" in out and "eps-hat" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_train_prints_course_lines_and_writes_json_and_plot(capsys, tmp_path):
    path, png = tmp_path / "run.json", tmp_path / "run.png"
    code, out, _ = run(capsys, "train", "init-he", "--json", str(path), "--plot", str(png))
    assert code == 0
    assert "Cost after iteration 0: 0.883054" in out
    assert "Train accuracy: 0.9933" in out and "Test accuracy: 0.9600" in out
    assert "Training time:" in out and "DIFFERS" not in out
    result = json.loads(path.read_text())
    assert set(result) >= {"experiment", "framework", "dtype", "costs", "train_accuracy",
                           "test_accuracy", "seconds", "compile_seconds"}  # fmt: skip
    assert result["framework"] == "numpy" and result["dtype"] == "float64"
    assert result["costs"]["0"] == pytest.approx(0.8830537463419761, rel=1e-12)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_numpy_only(capsys, tmp_path):
    path = tmp_path / "cmp.json"
    code, out, _ = run(
        capsys, "compare", "init-zeros", "--frameworks", "numpy", "--json", str(path)
    )
    assert code == 0 and "iteration" in out
    result = json.loads(path.read_text())
    assert result["experiment"] == "init-zeros" and len(result["runs"]) == 1
    assert result["max_abs_cost_diff"] == 0.0


def test_gradcheck_passes(capsys):
    code, out, _ = run(capsys, "gradcheck", "planar")
    assert code == 0 and "Backward propagation works" in out


def test_gradcheck_on_a_convnet_names_the_relu_kinks(capsys):
    """digits' blank background with zero biases puts ReLU inputs exactly at 0: the check is not
    conclusive there, and passes once the biases move off 0."""
    argv = ("gradcheck", "digits-convnet", "--examples", "2", "--max-params", "300")
    code, out, _ = run(capsys, *argv)
    assert code == 1 and "Not conclusive:" in out and "mistake" not in out
    code, out, _ = run(capsys, *argv, "--shift-biases", "0.01")
    assert code == 0 and "Backward propagation works" in out and "biases + 0.01" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "nope"], "unknown experiment 'nope'"),
        (["train", "planar", "--framework", "torch"], "unknown framework 'torch'"),
        (["train", "planar", "--dtype", "float16"], "invalid choice"),
        (["train", "planar", "--stock"], "--stock applies to --framework keras"),
        (["compare", "planar", "--frameworks", "numpy,mxnet"], "unknown framework 'mxnet'"),
        (
            ["compare", "planar", "--frameworks", "jax-stock"],
            "only keras and keras-jax have a stock variant",
        ),
        (["train", "dnn-cats-deep", "--data-dir", "/nonexistent"], "train_catvnoncat.h5"),
        (["gradcheck", "planar", "--framework", "keras"], "gradcheck: framework"),
        (["gradcheck", "planar", "--examples", "0"], "--examples"),
        (["gradcheck", "planar", "--shift-biases", "inf"], "--shift-biases"),
        (["frobnicate"], "invalid choice"),
        (["train", "planar", "--randomness", "native"], "--randomness native applies"),
        (["compare", "planar", "--frameworks", "numpy,jax,numpy"], "duplicate framework 'numpy'"),
    ],
)
def test_errors_are_one_line_with_status_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_json_to_unwritable_path_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(
        capsys, "train", "init-zeros", "--quiet", "--json", str(tmp_path / "no" / "x.json")
    )
    assert code == 2 and "--json: folder" in err and "does not exist" in err


def test_signs_softmax_runs_on_user_supplied_files(capsys, tmp_path):
    from tests.test_data import _write_signs

    _write_signs(tmp_path)
    path = tmp_path / "signs.json"
    code, out, _ = run(
        capsys, "train", "signs-softmax", "--data-dir", str(tmp_path), "--json", str(path)
    )
    assert code == 0 and "Cost after epoch 0:" in out
    result = json.loads(path.read_text())
    assert list(result["costs"])[:3] == ["0", "10", "20"] and result["costs"]["99"] > 0


def test_compare_all_frameworks_side_by_side(capsys, tmp_path):
    path = tmp_path / "cmp.json"
    code, out, _ = run(capsys, "compare", "digits-bn", "--frameworks", "numpy,jax,tf,keras,keras-stock",
                       "--json", str(path))  # fmt: skip
    assert code == 0
    assert "max |cost - numpy| for jax" in out and "for keras-stock" in out
    result = json.loads(path.read_text())
    assert [r["framework"] for r in result["runs"]] == [
        "numpy",
        "jax",
        "tf",
        "keras",
        "keras-stock",
    ]
    first = [r["costs"]["0"] for r in result["runs"]]
    assert max(abs(c - first[0]) for c in first[:4]) < 1e-10  # course-exact ones agree
    assert all(r["compile_seconds"] >= 0 for r in result["runs"])


def test_train_jax_native_randomness(capsys):
    code, out, _ = run(capsys, "train", "digits-bn", "--framework", "jax", "--randomness", "native")
    assert code == 0 and "with jax" in out and "Train accuracy" in out


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_printed_steps_include_every_published_step(name):
    experiment = get(name)
    assert experiment.print_every % experiment.config.record_every == 0
    missing = set(experiment.published.get("costs", {})) - set(experiment.printed_steps())
    assert not missing, f"published costs at {sorted(missing)} would not be printed"


def test_train_prints_cost_lines_at_the_course_interval(capsys):
    code, out, _ = run(capsys, "train", "planar")
    printed = [int(step) for step in re.findall(r"Cost after iteration (\d+):", out)]
    assert code == 0 and printed == [*range(0, 10000, 1000), 9999]


def test_published_table_keeps_its_columns_apart_for_wide_values(capsys):
    """init-random's exact first cost, 1773.585955 (note), is wider than the default column."""
    code, out, _ = run(capsys, "compare", "init-random", "--frameworks", "numpy,jax")
    table = out[out.index("Course's published results:") :].splitlines()
    row = next(line for line in table if line.startswith("cost at iteration 0"))
    assert code == 0
    assert row.split() == ["cost", "at", "iteration", "0", "inf", *["1773.585955", "(note)"] * 2]


def test_compare_announces_frameworks_and_checks_the_published_numbers(capsys):
    code, out, _ = run(capsys, "compare", "planar", "--frameworks", "numpy,jax")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "== numpy: training planar, 10000 iterations"
    assert re.fullmatch(r"   numpy: finished in [\d.]+ s \(training [\d.]+ s, compile [\d.]+ s, "
                        r"other [\d.]+ s\)", lines[1])  # fmt: skip
    assert lines[2] == "== jax: training planar, 10000 iterations"
    assert lines[3].startswith("   jax: finished in ")
    rows = [int(line.split()[0]) for line in lines if re.match(r"\s+\d+ \d\.\d{9}", line)]
    assert rows == [*range(0, 10000, 1000), 9999]
    table = out[out.index("Course's published results:") :]
    for step in get("planar").published["costs"]:
        assert re.search(rf"cost at iteration {step} +[\d.]+ +[\d.]+ ok +[\d.]+ ok", table)
    # planar is chaotic from iteration 7800 (Experiment.chaotic_from): a framework's rounding may
    # move one of the 400 points across the boundary, which is a note, not a difference
    row = re.search(r"train accuracy +0\.907500 +0\.907500 ok +(0\.9\d{5}) (ok|\(note\))", table)
    assert row and abs(float(row.group(1)) - 0.9075) <= 1 / 400 + 1e-12
    assert row.group(2) == "ok" or "note: chaotic from iteration 7800 on" in table
