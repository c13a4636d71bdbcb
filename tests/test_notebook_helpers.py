"""DLPARITY_QUICK (dlparity.tools.quick) and the notebooks' helpers (dlparity.tools.notebook), without a kernel."""

import numpy as np
import pytest

from dlparity.core.errors import DlparityError
from dlparity.core.layers import parameter_shapes
from dlparity.core.results import TrainResult
from dlparity.course import experiments, lessons
from dlparity.course.experiments import get
from dlparity.course.migration import TABLE
from dlparity.tools import notebook, quick, show, sweep
from dlparity.tools.runs import Run


@pytest.mark.parametrize("value, expected", [(None, False), ("", False), ("0", False),
                                             ("1", True), ("yes", True)])  # fmt: skip
def test_quick_is_on_when_the_variable_says_so(monkeypatch, value, expected):
    monkeypatch.delenv(quick.ENV_VAR, raising=False)
    if value is not None:
        monkeypatch.setenv(quick.ENV_VAR, value)
    assert quick.enabled() is expected


def test_without_quick_every_run_is_the_course_s(monkeypatch):
    monkeypatch.delenv(quick.ENV_VAR, raising=False)
    assert quick.shorten(get("planar")) is get("planar")
    hidden = sweep.get("planar-hidden")
    assert quick.shorten_sweep(hidden) is hidden


def test_quick_keeps_the_first_recorded_costs_and_the_published_numbers_they_reach(monkeypatch):
    monkeypatch.setenv(quick.ENV_VAR, "1")
    planar = quick.shorten(get("planar"))
    assert planar.config.num_iterations == 101 and planar.config.recorded_steps() == [0, 100]
    assert planar.published == {"costs": {0: get("planar").published["costs"][0]}}
    assert planar.summary.endswith("(DLPARITY_QUICK: 101 of 10000 iterations)")
    assert planar.spec == get("planar").spec
    adam = quick.shorten(get("opt-adam"))
    assert adam.config.num_epochs == 101 and adam.config.num_iterations is None
    digits = quick.shorten(get("digits-bn"))  # recorded every epoch
    assert digits.config.num_epochs == 2 and digits.config.recorded_steps() == [0, 1]
    assert quick.shorten(get("opt-adam-decay")).published == {}, "only a final accuracy"


def test_quick_sweep_keeps_two_sizes_and_no_course_accuracies(monkeypatch):
    monkeypatch.setenv(quick.ENV_VAR, "1")
    hidden = quick.shorten_sweep(sweep.get("planar-hidden"))
    assert hidden.sizes == (1, 2) and hidden.iterations == 101
    assert hidden.published == {} and hidden.chaotic == {}


def fake_run(framework, costs, train_accuracy=None, test_accuracy=None, experiment="logreg-cats"):
    result = TrainResult({}, {}, dict(costs), np.zeros(1), 0.5, 0.25)
    return Run(experiment, framework, "float64", result, train_accuracy, test_accuracy)


def test_published_table_names_every_framework_s_verdict():
    experiment = get("logreg-cats")
    course = experiment.published["costs"]
    good = fake_run("numpy", {0: course[0], 100: course[100]}, 0.9904306220095693, 0.7)
    off = fake_run("jax", {0: course[0], 100: course[100] + 1e-5}, 0.9904306220095693, 0.72)
    table = notebook.published(experiment, [good, off])
    assert table.columns == ("", "course", "numpy", "jax")
    assert [row[0] for row in table.rows] == ["cost at iteration 0", "cost at iteration 100",
                                              "train accuracy", "test accuracy"]  # fmt: skip
    assert table.rows[1][2].endswith(" ok") and table.rows[1][3].endswith(" DIFFERS")
    assert table.notes[-1] == "2 frameworks x 4 published numbers: DIFFERS in places: see the rows"
    assert "DIFFERS" in table._repr_html_() and "DIFFERS" in str(table)


def test_published_table_says_when_there_is_nothing_to_check(monkeypatch):
    monkeypatch.setenv(quick.ENV_VAR, "1")  # what the course prints is said, quick or not
    run = fake_run("numpy", {0: 1.0}, experiment="digits-bn")
    table = notebook.published(quick.shorten(get("digits-bn")), [run])
    assert table.rows == () and table.notes == ("the course prints no numbers for digits-bn",)
    assert str(table) == "digits-bn: the course's published numbers\n" + table.notes[0]
    assert "<table>" not in table._repr_html_()
    monkeypatch.delenv(quick.ENV_VAR)
    changed = notebook.variant(get("planar"), learning_rate=0.5)
    table = notebook.published(changed, [fake_run("numpy", {0: 1.0}, experiment="planar")])
    assert table.notes == (
        "the course's numbers are those of planar unchanged; this run is changed",
    )


def test_costs_table_shows_the_printed_steps_and_the_distance_to_the_first():
    experiment = get("logreg-cats")
    runs = [fake_run("numpy", {0: 0.7, 100: 0.5}, 0.9), fake_run("tf", {0: 0.7, 100: 0.5 + 2e-9})]
    experiment = notebook.variant(experiment, num_iterations=101)
    table = notebook.costs(experiment, runs)
    assert [row[0] for row in table.rows[:2]] == ["0", "100"]
    assert table.rows[1] == ("100", "0.500000000", "0.500000002")
    assert ("train accuracy", "0.9000", "n/a") in table.rows
    assert table.notes == (
        "max |cost - numpy| for tf: 2.000e-09; first beyond 1e-10 at iteration 100",
    )


def test_table_escapes_html_and_aligns_text():
    table = notebook.Table(("a", "b"), (("<x>", "1.5"), ("yy", "10.25")), "t", ("n & m",))
    html = table._repr_html_()
    assert "&lt;x&gt;" in html and "<x>" not in html and "n &amp; m" in html
    assert str(table).splitlines() == ["t", "a        b", "<x>    1.5", "yy   10.25", "n & m"]


def test_variant_changes_the_network_training_or_initialization():
    base = get("planar")
    changed = notebook.variant(base, learning_rate=0.5, layer_dims=(2, 10, 1), init_seed=3)
    assert changed.config.learning_rate == 0.5 and changed.spec.layer_dims == (2, 10, 1)
    assert changed.init_seed == 3 and changed.published == {}
    assert changed.summary.endswith(
        "changed: learning_rate=0.5, layer_dims=(2, 10, 1), init_seed=3"
    )
    assert base.config.learning_rate == 1.2, "the registered experiment is untouched"


@pytest.mark.parametrize("changes, message", [
    ({"learnign_rate": 0.5}, "variant: 'learnign_rate' is not a field"),
    ({"learning_rate": -1.0}, "learning_rate: must be > 0"),
    ({"keep_prob": 0.0}, "keep_prob: must be > 0"),
])  # fmt: skip
def test_variant_names_a_bad_change_in_one_line(changes, message):
    with pytest.raises(DlparityError, match=message) as error:
        notebook.variant(get("planar"), **changes)
    assert "\n" not in str(error.value)


def test_bad_topic_or_trap_is_one_line():
    with pytest.raises(DlparityError, match="unknown topic 'adamw'"):
        notebook.code("adamw")
    with pytest.raises(DlparityError, match="traps: give rows of the migration table"):
        notebook.traps("adam", "nesterov")
    with pytest.raises(DlparityError, match="traps: give rows"):
        notebook.traps()


def test_missing_course_files_skip_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DLPARITY_DATA", str(tmp_path))
    assert notebook.course_data("cats") is None
    line = capsys.readouterr().out
    assert line.startswith(f"{notebook.SKIPPED} missing course file train_catvnoncat.h5")
    experiment = get("logreg-cats")
    assert notebook.run(experiment, None) == []
    assert notebook.costs(experiment, []) is None
    assert notebook.published(experiment, []) is None
    assert notebook.figure(experiment, [], None) is None
    assert notebook.gradient_checks(["reg-none"], None) is None
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and all(line.startswith(notebook.SKIPPED) for line in lines)
    assert lines[3] == "skipped: the figure of logreg-cats: it needs the course's cats files"
    assert notebook.course_data("flower") is not None, "generated data needs no files"
    with pytest.raises(DlparityError, match="unknown dataset"):
        notebook.course_data("flowers")


def test_code_view_is_the_lesson_of_dlparity_show():
    view = notebook.code("adam")
    assert str(view) == show.plain_text("adam")
    html = view._repr_html_()
    for package in lessons.columns():
        assert f"{package}: " in html
    for refs in lessons.get("adam").code.values():
        for ref in refs:
            src = lessons.source(ref)
            assert f"{src.path}:{src.line}" in html
            name = ref.rpartition(".")[2].rpartition(":")[2]
            assert name in html
    assert TABLE["adam"].keras.split(":")[0] in html, "the lesson's migration row"


def test_traps_show_the_measured_sizes():
    traps = notebook.traps("adam", "layout")
    rows = traps.table().rows
    assert rows[0][4].startswith("stock Keras: 4.5e-05 (")
    assert rows[1][4] == "exact with the mapping"
    assert str(traps) == "\n\n".join("\n".join(show.row_lines(k, show.PIPED_WIDTH))
                                     for k in ("adam", "layout"))  # fmt: skip


def test_every_experiment_can_be_shortened(monkeypatch):
    monkeypatch.setenv(quick.ENV_VAR, "1")
    for experiment in experiments.EXPERIMENTS.values():
        short = quick.shorten(experiment)
        assert short.config.steps <= experiment.config.steps
        assert short.config.recorded_steps() == experiment.config.recorded_steps()[:2]


def test_a_course_file_that_is_there_but_wrong_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DLPARITY_DATA", str(tmp_path))
    (tmp_path / "data.mat").write_bytes(b"not a MATLAB file")
    with pytest.raises(DlparityError, match="data.mat"):
        notebook.course_data("football")


def test_quick_published_check_says_what_it_leaves_out(monkeypatch):
    monkeypatch.setenv(quick.ENV_VAR, "1")
    planar = quick.shorten(get("planar"))
    run = fake_run("numpy", {0: planar.published["costs"][0]}, experiment="planar")
    table = notebook.published(planar, [run])
    assert [row[0] for row in table.rows] == ["cost at iteration 0"]
    assert table.notes[0].startswith("DLPARITY_QUICK: only the published costs this short run")
    assert table.notes[-1] == "1 framework x 1 published number: ok everywhere"


# ---------------------------------------------------------------- wrong arguments: one line each

PLANAR = get("planar")


@pytest.fixture(scope="module")
def flower():
    return notebook.course_data("flower")


def wrong_calls(flower):
    run = fake_run("numpy", {0: 0.69}, experiment="planar")
    return [
        (lambda: notebook.variant("planar", learning_rate=0.5),
         "variant: experiment should be an Experiment, got the str 'planar': get it with "
         "dlparity.course.experiments.get('planar')"),
        (lambda: notebook.variant(None), "variant: experiment should be an Experiment, got None"),
        (lambda: notebook.variant(PLANAR, learning_rate="x"),
         "variant: learning_rate: must be a finite number, got 'x'"),
        (lambda: notebook.variant(PLANAR, init_seed="a"),
         "variant: init_seed should be an integer in [0, 2**32), got the str 'a'"),
        (lambda: notebook.variant(PLANAR, init_scheme="glorot"),
         "variant: init_scheme should be one of zeros, random, he, xavier, inv_sqrt, got the str "
         "'glorot'"),
        (lambda: notebook.variant(PLANAR, init_scale=-1.0),
         "variant: init_scale should be a finite number > 0 (or None), got the float -1.0"),
        (lambda: notebook.run("planar", flower), "run: experiment should be an Experiment"),
        (lambda: notebook.run(PLANAR, None),
         "run: arrays is None, but planar's flower data need no course files (generated): pass "
         "course_data('flower')"),
        (lambda: notebook.run(PLANAR, "flower"),
         "run: arrays should be course_data(...)'s (X, Y, X_test, Y_test), got the str 'flower'"),
        (lambda: notebook.run(PLANAR, flower[:2]),
         "run: arrays should be course_data(...)'s (X, Y, X_test, Y_test), got a tuple of 2"),
        (lambda: notebook.run(PLANAR, (flower[0].tolist(), *flower[1:])),
         "run: arrays' X should be a 2-D NumPy array, got a list"),
        (lambda: notebook.run(PLANAR, notebook.course_data("digits")),
         "run: arrays' X has 64 features per example (rows), planar's network takes 2: pass "
         "course_data('flower')"),
        (lambda: notebook.run(PLANAR, flower, names="numpy"),
         "run: names should be a list of frameworks such as ['numpy', 'jax'], or None for every "
         "installed one; got the str 'numpy'"),
        (lambda: notebook.run(PLANAR, flower, names=["numpy", "torch"]),
         "run: names: unknown framework 'torch'"),
        (lambda: notebook.run(PLANAR, flower, names=["numpy", "numpy"]),
         "run: names: 'numpy' is named twice"),
        (lambda: notebook.published("planar", []), "published: experiment should be an Experiment"),
        (lambda: notebook.published(PLANAR, "numpy"),
         "published: runs should be the list run() returns, got the str 'numpy'"),
        (lambda: notebook.published(PLANAR, [1]),
         "published: runs[0] should be a Run (an item of what run() returns), got the int 1"),
        (lambda: notebook.published(PLANAR, [fake_run("numpy", {})]),
         "published: runs[0] is a run of logreg-cats, not of planar"),
        (lambda: notebook.published(PLANAR, None),
         "published: no runs, but planar's flower data need no course files (generated): pass "
         "course_data('flower') to run() and its runs here"),
        (lambda: notebook.costs(PLANAR, [run, 2]), "costs: runs[1] should be a Run"),
        (lambda: notebook.figure(PLANAR, [run], "flower"),
         "figure: arrays should be course_data(...)'s"),
        (lambda: notebook.gradient_checks("planar", flower),
         "gradient_checks: names should be a list of experiment names such as ['planar'], got "
         "the str 'planar'"),
        (lambda: quick.shorten("planar"), "shorten: experiment should be an Experiment, got the "
         "str 'planar': get it with dlparity.course.experiments.get('planar')"),
        (lambda: quick.shorten(None), "shorten: experiment should be an Experiment, got None"),
        (lambda: quick.shorten_sweep("planar-hidden"), "shorten_sweep: sweep should be a Sweep, "
         "got the str 'planar-hidden': get it with dlparity.tools.sweep.get('planar-hidden')"),
    ]  # fmt: skip


def test_each_wrong_argument_is_one_dlparity_error_naming_it(flower, monkeypatch, capsys):
    monkeypatch.setattr(notebook, "run_experiment", lambda *a, **k: pytest.fail("trained"))
    for call, message in wrong_calls(flower):
        with pytest.raises(DlparityError) as error:
            call()
        assert str(error.value).startswith(message) and "\n" not in str(error.value)
    assert capsys.readouterr().out == ""  # nothing started, nothing skipped


def test_quick_shortens_with_the_variable_set_and_still_checks(monkeypatch):
    monkeypatch.setenv(quick.ENV_VAR, "1")
    with pytest.raises(DlparityError, match="shorten: experiment should be an Experiment"):
        quick.shorten(3)


# ---------------------------------------------------------------- convolutions (C4W1, C4W2)


def test_image_arrays_are_checked_against_the_network_s_images():
    convnet = get("digits-convnet")
    notebook._check_arrays(notebook.course_data("digit-images"), convnet, "run")
    with pytest.raises(DlparityError, match=r"run: arrays' X should be a 4-D NumPy array, got an "
                       r"array of shape \(64, 1347\)"):  # fmt: skip
        notebook._check_arrays(notebook.course_data("digits"), convnet, "run")
    X, *rest = notebook.course_data("digit-images")
    with pytest.raises(DlparityError, match=r"X holds images \(8, 4, 1\), digits-convnet's "
                       r"network takes \(8, 8, 1\): pass course_data\('digit-images'\)"):  # fmt: skip
        notebook._check_arrays((X[:, :, :4], *rest), convnet, "run")


def test_printed_arrays_are_checked_to_the_bound_given(monkeypatch):
    monkeypatch.setattr(notebook, "installed", lambda: ["numpy", "jax"])
    rows = [("Z[0]", ([1.5, -2.25], 5e-9), {"numpy": np.array([1.5, -2.25 + 4e-9]),
                                             "jax": np.array([1.5, -2.25])})]  # fmt: skip
    table = notebook.printed("conv_forward", rows)
    assert table.rows[0] == ("Z[0]", "(2,) array", "4.0e-09", "0.0e+00", "ok")
    rows[0][2]["jax"] = np.array([1.5])
    assert notebook.printed("conv_forward", rows).rows[0][-2:] == ("shape (1,)", "DIFFERS")


def test_layer_modules_and_vjp_of_every_framework_with_layers():
    modules = notebook.layer_modules()
    assert "keras" not in modules and modules["numpy"].__name__ == "pure_numpy.layers"
    A, dA = np.ones((1, 2, 2, 1)), np.full((1, 1, 1, 1), 3.0)
    for name in set(modules) - {"numpy"}:
        (got,) = notebook.vjp(name, lambda x, m=modules[name]: m.pool_forward(x, {"f": 2, "stride": 2}), (A,), dA)  # fmt: skip
        assert got.sum() == 3.0 and np.count_nonzero(got) == 1, name
    with pytest.raises(DlparityError, match="vjp: the framework differentiates in jax and tf"):
        notebook.vjp("numpy", np.sum, (A,), dA)


def test_with_conv_biases_gives_every_convolution_a_bias():
    resnet = get("digits-resnet")
    biased = notebook.with_conv_biases(resnet)
    keys = list(parameter_shapes(biased.spec.layers))
    assert {"b2", "b3", "b4"} <= set(keys) and "b2" not in parameter_shapes(resnet.spec.layers)
    assert biased.spec != resnet.spec and biased.published == {}
    assert biased.spec.with_dtype("float32").layers[3].layers[0].use_bias


def test_printed_values_are_checked_to_their_last_digit(monkeypatch):
    monkeypatch.setattr(notebook, "installed", lambda: ["numpy", "jax", "tf"])
    table = notebook.printed("t", [
        ("a", "0.59584544", {"numpy": 0.595845444, "jax": 0.595845444, "tf": None}),
        ("b", "0.17211776753291672", {"numpy": 0.17211776753291672,
                                      "jax": 0.17211776753291672 + 2**-55}),
        ("c", "-1.38", {"numpy": -1.386}),
    ])  # fmt: skip
    assert table.columns == ("value", "the course prints", "numpy", "jax", "tf", "check")
    assert table.rows[0] == ("a", "0.59584544", "0.59584544399999995", "= numpy", "", "ok")
    assert table.rows[1][3] == "+2.8e-17" and table.rows[1][-1] == "ok"
    assert table.rows[2][-1] == "DIFFERS"  # 6e-3 from -1.38, which is good to 5e-3
