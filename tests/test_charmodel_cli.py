"""dlparity charmodel: the course's reports from one framework, and bad input refused in one line
(status 2) before any work."""

import json
from types import SimpleNamespace

import pytest

from dlparity.cli import main


def run(capsys, *argv):
    code = main(["charmodel", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_the_course_reports(capsys):
    code, out, _ = run(capsys, "--iterations", "3", "--every", "2", "--names", "2", "--n-a", "8")
    assert code == 0
    # the smoothing starts from -log(1/27) per sampled name: 6.59 for two
    assert "Iteration: 0, Loss: 6.63" in out and "Iteration: 2, Loss: " in out
    assert "\nNkzxwtdmfqoeyhsqwasjkjvu\nKneb\n" in out  # seeds 0 and 1 on near-uniform odds


def test_compare_of_the_reference_alone(capsys):
    code, out, _ = run(capsys, "--compare", "numpy", "--iterations", "2", "--n-a", "4")
    assert code == 0
    assert "numpy: max |loss - numpy's| over 2 iterations = 0" in out
    assert "every framework: Nkzxwtdmfqoeyhsqwasjkjvu" in out


def test_compare_writes_json_and_plot(capsys, tmp_path):
    out_json, out_png = tmp_path / "charmodel.json", tmp_path / "charmodel.png"
    argv = ["--compare", "numpy,jax", "--iterations", "3", "--n-a", "4", "--names", "2",
            "--json", str(out_json), "--plot", str(out_png)]  # fmt: skip
    code, out, _ = run(capsys, *argv)
    assert code == 0 and f"wrote {out_json}" in out and f"wrote {out_png}" in out
    result = json.loads(out_json.read_text())
    assert [r["framework"] for r in result["runs"]] == ["numpy", "jax"]
    numpy_run, jax_run = result["runs"]
    assert result["reference"] == "numpy" and numpy_run["max_abs_loss_diff"] == 0
    assert len(numpy_run["losses"]) == len(numpy_run["smoothed"]) == 3
    assert jax_run["max_abs_loss_diff"] == max(
        abs(a - b) for a, b in zip(jax_run["losses"], numpy_run["losses"], strict=True)
    )
    assert result["max_abs_loss_diff"] == jax_run["max_abs_loss_diff"]
    assert list(numpy_run["samples"]) == ["0", "2"]  # every --every and the last iteration
    assert numpy_run["samples"]["0"] == ["Nkzxwtdmfqoeyhsqwasjkjvu", "Kneb"]
    assert result["same_names"] and jax_run["samples"] == numpy_run["samples"]
    assert out_png.read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["charmodel.json", "charmodel.png"]


def test_one_framework_writes_its_json(capsys, tmp_path):
    path = tmp_path / "one.json"
    code, _, _ = run(capsys, "--iterations", "2", "--n-a", "4", "--json", str(path))
    result = json.loads(path.read_text())
    assert code == 0 and [r["framework"] for r in result["runs"]] == ["numpy"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--framework", "pytorch"], "the character model runs on numpy, jax, tf, keras"),
        (["--framework", "keras-jax"], "in float32"),
        (["--compare", "numpy,numpy"], "name each framework once"),
        (["--compare", ","], "expected frameworks separated by commas"),
        (["--framework", "jax", "--compare", "numpy"], "--framework: --compare names"),
        (["--gradcheck", "--iterations", "5"], "--iterations: --gradcheck checks the first name"),
        (["--iterations", "0"], "expected a positive integer"),
        (["--n-a", "x"], "expected a positive integer"),
        (["--words", "birds"], "invalid choice"),
        (
            ["--words", "dinos", "--data-dir", "/nonexistent-folder"],
            "missing course file dinos.txt",
        ),
        (["--compare", "--json", "/nonexistent-folder/out.json"], "--json: folder"),
        (["--compare", "--plot", "/nonexistent-folder/out.png"], "--plot: folder"),
        (["--plot", "out.xyz"], "--plot: cannot draw a .xyz file"),
        (["--json", "/proc/version"], "--json: cannot create a file in /proc"),
        (["--gradcheck", "--plot", "out.png"], "--gradcheck draws nothing"),
        (["--gradcheck", "--json", "/nonexistent-folder/g.json"], "--json: folder"),
    ],
)
def test_bad_input_is_one_line_with_status_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err


def test_gradcheck_of_every_framework_on_the_first_name(capsys, tmp_path):
    path = tmp_path / "gradcheck.json"
    code, out, _ = run(capsys, "--gradcheck", "--compare", "numpy,jax,tf,keras", "--n-a", "5",
                       "--json", str(path))  # fmt: skip
    assert code == 0
    assert "'scelidosaurus': 14 steps" in out and "(327)" in out  # 5*27 + 25 + 27*5 + 5 + 27
    result = json.loads(path.read_text())
    assert result["threshold"] == 1e-7 and result["epsilon"] == 1e-7
    numpy_run, *others = result["runs"]
    assert numpy_run["max_abs_diff_to_numpy"] == 0 and numpy_run["difference"] < 1e-7
    for other in others:
        # autodiff against the hand-written BPTT: the same sums in other orders, a few ulps
        assert other["max_abs_diff_to_numpy"] < 1e-14 and other["passed"]
        assert other["framework"] + ": backward propagation works: difference < 1e-07" in out


def test_gradcheck_finds_a_wrong_gradient(capsys, monkeypatch):
    import pure_numpy.charmodel as reference

    def wrong(X, Y, a_prev, parameters):
        loss, grads = reference.gradients(X, Y, a_prev, parameters)
        return loss, {**grads, "dby": grads["dby"] * 1.01}

    broken = SimpleNamespace(gradients=wrong)  # a package whose backward pass is off in dby
    monkeypatch.setattr("dlparity.course.charmodel.module", lambda name: broken)
    code, out, _ = run(capsys, "--gradcheck", "--compare", "numpy", "--n-a", "3")
    assert code == 1
    assert "At eps 1e-05, where the differences' rounding is 100 times smaller" in out
    assert "numpy: backward propagation has a mistake: difference >= 1e-07" in out
