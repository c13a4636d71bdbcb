"""dlparity charmodel: the course's reports from one framework, and bad input refused in one line
(status 2) before any work."""

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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--framework", "pytorch"], "the character model runs on numpy, jax, tf, keras"),
        (["--framework", "keras-jax"], "in float32"),
        (["--compare", "numpy,numpy"], "name each framework once"),
        (["--iterations", "0"], "expected a positive integer"),
        (["--n-a", "x"], "expected a positive integer"),
        (["--words", "birds"], "invalid choice"),
        (
            ["--words", "dinos", "--data-dir", "/nonexistent-folder"],
            "missing course file dinos.txt",
        ),
    ],
)
def test_bad_input_is_one_line_with_status_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err
