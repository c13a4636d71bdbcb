"""dlparity tune: C2W3's random search, coarse then fine, seeded."""

import json
import math

import numpy as np
import pytest

from dlparity.cli import main
from dlparity.course import experiments
from dlparity.tools.tune import (
    FINE_SHRINK,
    Box,
    best_trial,
    beta_name,
    coarse_box,
    fine_box,
    ranked,
    run_tune,
    sample,
    table,
    trial_experiment,
    tune_json,
)


def quiet(line):
    pass


def test_the_course_box_draws_the_course_formula():
    """With the box 1e-4 .. 1 the learning rates are the course's alpha = 10**(-4 * rand())."""
    box = Box((-4.0, 0.0), None)
    drawn = [lr for lr, _ in sample(box, 50, np.random.RandomState(3))]
    assert drawn == list(10 ** (-4 * np.random.RandomState(3).rand(50)))


def test_learning_rates_spread_uniformly_over_the_decades():
    lrs = np.array([lr for lr, _ in sample(Box((-4.0, 0.0), None), 4000, np.random.RandomState(0))])
    r = np.log10(lrs)
    assert r.min() >= -4 and r.max() <= 0
    counts = np.histogram(r, bins=4, range=(-4, 0))[0]
    # binomial(4000, 1/4): sd 27.4; 5 sd apart fails once in about 3 million seeds
    assert np.all(np.abs(counts - 1000) < 5 * 27.4), counts


def test_beta_is_drawn_through_one_minus_beta_on_a_log_scale():
    box = coarse_box(experiments.get("opt-momentum"))
    assert box.one_minus_beta == (math.log10(1 - 0.999), math.log10(1 - 0.9))
    betas = np.array([b for _, b in sample(box, 4000, np.random.RandomState(1))])
    assert betas.min() >= 0.9 and betas.max() <= 0.999
    # as many in 0.9 .. 0.99 as in 0.99 .. 0.999: binomial(4000, 1/2), sd 31.6, 5 sd
    assert abs(np.sum(betas < 0.99) - 2000) < 5 * 31.6


def test_the_searched_beta_is_the_optimizers():
    assert beta_name(experiments.get("opt-momentum")) == "beta"
    assert beta_name(experiments.get("opt-adam")) == "beta1"
    assert beta_name(experiments.get("planar")) is None
    trial = trial_experiment(experiments.get("opt-adam"), 0.01, 0.95, 7)
    assert (trial.config.learning_rate, trial.config.beta1, trial.config.num_epochs) == (
        0.01,
        0.95,
        7,
    )
    assert trial.config.beta2 == 0.999 and trial.published == {}


def test_default_box_is_around_the_experiments_rate():
    box = coarse_box(experiments.get("planar")).describe()
    assert box["learning_rate"] == pytest.approx([0.012, 12.0], rel=1e-12)  # 10**log10 round trip
    assert box["beta"] is None


@pytest.mark.parametrize("best_lr, best_beta", [(0.3, 0.95), (1e-4, 0.999), (1.0, 0.9)])
def test_the_fine_box_is_a_quarter_of_the_coarse_one_around_the_best(best_lr, best_beta):
    coarse = Box((-4.0, 0.0), (-3.0, -1.0))
    fine = fine_box(coarse, {"learning_rate": best_lr, "beta": best_beta})
    for (low, high), (c_low, c_high), center in (
        (fine.lr, coarse.lr, math.log10(best_lr)),
        (fine.one_minus_beta, coarse.one_minus_beta, math.log10(1 - best_beta)),
    ):
        assert c_low <= low <= center <= high <= c_high
        assert high - low == pytest.approx(FINE_SHRINK * (c_high - c_low), rel=1e-12)


def test_a_search_is_reproducible_and_the_fine_round_lies_in_its_box():
    first = run_tune("opt-momentum", 4, steps=3, seed=7, out=quiet)
    again = run_tune("opt-momentum", 4, steps=3, seed=7, out=quiet)
    assert table(first) == table(again)
    assert [t["costs"] for t in first["trials"]] == [t["costs"] for t in again["trials"]]
    other = run_tune("opt-momentum", 4, steps=3, seed=8, out=quiet)
    assert [t["learning_rate"] for t in other["trials"]] != [
        t["learning_rate"] for t in first["trials"]
    ]
    coarse, fine = (r["box"] for r in first["rounds"])
    rounds = [t["round"] for t in first["trials"]]
    assert rounds == ["coarse"] * 4 + ["fine"] * 4
    best_coarse = ranked(first["trials"][:4])[0]
    assert fine == fine_box(coarse, best_coarse)
    for t in first["trials"][4:]:
        assert fine.lr[0] <= math.log10(t["learning_rate"]) <= fine.lr[1]
        assert fine.one_minus_beta[0] <= math.log10(1 - t["beta"]) <= fine.one_minus_beta[1]


def _trial(number, cost):
    return {"trial": number, "round": "coarse", "learning_rate": 0.1, "beta": None,
            "final_cost": cost, "train_accuracy": 0.5, "costs": {0: 0.7, 9: cost}}  # fmt: skip


def test_diverged_trials_rank_last_and_are_null_in_json():
    trials = [_trial(1, float("nan")), _trial(2, 0.4), _trial(3, float("inf")), _trial(4, 0.2)]
    assert [t["trial"] for t in ranked(trials)] == [4, 2, 1, 3]
    result = {"experiment": "planar", "framework": "numpy", "seed": 1, "steps": 10,
              "step_name": "iteration", "beta_name": None, "trials": trials, "best": 4,
              "rounds": [{"round": "coarse", "box": Box((-2.0, 0.0), None)}]}  # fmt: skip
    lines = table(result)
    assert lines[1].split()[0] == "4" and lines[-1].split()[-2:] == ["diverged", "0.5000"]
    written = json.loads(json.dumps(tune_json(result), allow_nan=False))
    assert written["trials"][0]["final_cost"] is None
    assert written["trials"][2]["costs"]["9"] is None


def test_a_cost_that_rose_is_diverged_and_does_not_run_into_its_neighbour():
    """--lr-range 1e-300,1e300 once ended a trial at 2.08e49: a 50-digit number in the table."""
    trials = [{**_trial(1, 2.08e49), "diverged": True}, {**_trial(2, 0.4), "diverged": False}]
    result = {"experiment": "planar", "framework": "numpy", "seed": 1, "steps": 10,
              "step_name": "iteration", "beta_name": None, "trials": trials, "best": 2,
              "rounds": [{"round": "coarse", "box": Box((-2.0, 0.0), None)}]}  # fmt: skip
    lines = table(result)
    assert lines[1].split()[0] == "2" and lines[2].split()[-2:] == ["diverged", "0.5000"]
    assert max(len(line) for line in lines) == len(lines[0])
    assert best_trial(trials)["trial"] == 2


def test_tune_command_prints_a_table_sorted_by_cost_and_writes_json_and_plot(tmp_path, capsys):
    out_json, out_png = tmp_path / "tune.json", tmp_path / "tune.png"
    argv = ["tune", "opt-adam", "--trials", "3", "--steps", "2", "--seed", "5"]
    assert main([*argv, "--json", str(out_json), "--plot", str(out_png)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["trial", "round"])
    rows = [line.split() for line in lines[header + 1 : header + 7]]
    costs = [float(row[4]) for row in rows]
    assert costs == sorted(costs) and sorted(int(row[0]) for row in rows) == [1, 2, 3, 4, 5, 6]
    result = json.loads(out_json.read_text())
    assert (result["experiment"], result["framework"], result["seed"], result["steps"]) == (
        "opt-adam", "numpy", 5, 2)  # fmt: skip
    assert result["beta_name"] == "beta1" and [r["round"] for r in result["rounds"]] == [
        "coarse", "fine"]  # fmt: skip
    assert result["rounds"][0]["beta"] == [0.9, pytest.approx(0.999, abs=1e-15)]  # 1 - 10**-3
    trial = result["trials"][0]
    assert set(trial) == {"trial", "round", "learning_rate", "beta", "final_cost",
                          "train_accuracy", "costs", "diverged"}  # fmt: skip
    assert trial["diverged"] is False
    assert trial["final_cost"] == trial["costs"]["1"] and result["best"] == int(rows[0][0])
    assert f"best: trial {rows[0][0]} " in out
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tune_figure_marks_rounds_beta_and_the_best():
    from dlparity.tools.plots import _pyplot, tune_figure

    result = run_tune("opt-momentum", 3, steps=2, seed=2, out=quiet)
    fig = tune_figure(result)
    try:
        ax, bar = fig.get_axes()
        assert ax.get_xscale() == "log" and ax.get_xlabel().startswith("learning rate")
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels == ["coarse round", "fine round", "fine box", f"best: trial {result['best']}"]
        grey = (0.6, 0.6, 0.6, 1.0)  # the round markers: colour is beta's, not the round's
        handles = ax.get_legend().legend_handles[:2]
        assert all(tuple(h.get_facecolor()[0]) == grey for h in handles)
        assert [tick.get_text() for tick in bar.get_yticklabels()] == ["0.999", "0.99", "0.9"]
        assert ax.get_ylabel() == "final cost after 2 epochs"
    finally:
        _pyplot().close(fig)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["tune", "planar", "--trials", "0"], "--trials: give 1 to 1000 trials per round"),
        (["tune", "planar", "--trials", "10000000"], "--trials: give 1 to 1000 trials per round"),
        (["tune", "nope"], "unknown experiment 'nope'"),
        (["tune", "planar", "--framework", "torch"], "unknown framework"),
        (["tune", "planar", "--steps", "0"], "--steps: must be in 1..10000"),
        (["tune", "opt-adam", "--steps", "5001"], "--steps: must be in 1..5000 (epochs"),
        (["tune", "planar", "--seed", "-1"], "--seed: must be an integer in 0..4294967295"),
        (["tune", "planar", "--lr-range", "1,0.1"], "--lr-range: need 0 < low < high"),
        (["tune", "planar", "--lr-range", "0,1"], "--lr-range: need 0 < low < high"),
        (["tune", "planar", "--lr-range", "fast"], "expected LOW,HIGH"),
        (["tune", "planar", "--trials", "many"], "invalid int value"),
        (["tune", "planar", "--json", "no-such-folder/t.json"], "--json: folder no-such-folder"),
        (["tune", "planar", "--plot", "t.nope"], "--plot: cannot draw a .nope file"),
    ],
)
def test_bad_tune_arguments_are_one_line_errors_before_training(capsys, argv, message):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.count("\n") == 1
    assert captured.out == ""  # nothing trained


def test_jax_draws_the_same_trials_and_agrees_on_their_costs():
    numpy_search = run_tune("planar", 2, "numpy", steps=3, out=quiet)
    jax_search = run_tune("planar", 2, "jax", steps=3, out=quiet)
    pairs = list(zip(numpy_search["trials"], jax_search["trials"], strict=True))
    assert all(n["learning_rate"] == j["learning_rate"] for n, j in pairs)
    # AGREEMENT (1e-10): the parity suite's bar for recorded costs
    assert all(abs(n["final_cost"] - j["final_cost"]) < 1e-10 for n, j in pairs)
