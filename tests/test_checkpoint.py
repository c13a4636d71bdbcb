"""dlparity.tools.checkpoint: training checkpoints written, read back exactly, and every bad one refused
in one line before training (API and command)."""

import dataclasses
import json

import numpy as np
import pytest

import pure_numpy.train as nt
from dlparity.cli import main
from dlparity.core.errors import DlparityError
from dlparity.core.state import TrainState
from dlparity.course import data, experiments
from dlparity.tools import checkpoint
from dlparity.tools.runs import initial_parameters

# opt-adam shortened: 6 epochs of 5 mini-batches, costs recorded every 2nd epoch and the last
SHORT = dataclasses.replace(
    experiments.get("opt-adam"),
    config=dataclasses.replace(experiments.get("opt-adam").config, num_epochs=6, record_every=2),
)


def _moons():
    X, Y, _, _ = data.load("moons")
    return X, Y


@pytest.fixture(scope="module")
def runs():
    """The uninterrupted run, and the run stopped after 3 epochs."""
    params0 = initial_parameters(SHORT)
    full = nt.train(SHORT.spec, SHORT.config, _moons(), params0)
    half = nt.train(SHORT.spec, SHORT.config, _moons(), params0, stop=3)
    return full, half


@pytest.fixture
def saved(runs, tmp_path):
    _, half = runs
    path = tmp_path / "half.npz"
    checkpoint.save(path, SHORT, half.end, framework="numpy", costs=half.costs)
    return path


def _entries(path) -> dict:
    with np.load(path, allow_pickle=False) as stored:
        return {key: stored[key] for key in stored.files}


def test_round_trip_is_exact_and_resumes_the_same_run(runs, saved):
    full, half = runs
    loaded = checkpoint.load(saved, SHORT, framework="jax")
    state = loaded.state
    assert state.step == 3 and state.optimizer["t"] == 15  # 3 epochs of 5 mini-batches
    for key in half.end.params:
        np.testing.assert_array_equal(state.params[key], half.end.params[key])
        for slot in ("v", "s"):
            np.testing.assert_array_equal(state.optimizer[slot][key], half.end.optimizer[slot][key])
    assert list(loaded.costs.items()) == [(0, full.costs[0]), (2, full.costs[2])]
    rest = nt.train(SHORT.spec, SHORT.config, _moons(), None, start=state)
    assert list(rest.costs) == [4, 5]
    assert {**loaded.costs, **rest.costs} == full.costs  # to the last bit
    for key in full.params:
        np.testing.assert_array_equal(rest.params[key], full.params[key])


def test_file_is_plain_arrays_with_a_json_header(saved):
    entries = _entries(saved)  # allow_pickle=False reads every entry
    assert entries["header"].dtype.kind == "U" and entries["header"].shape == (1,)
    header = json.loads(str(entries["header"][0]))
    assert header["format"] == checkpoint.FORMAT and header["version"] == checkpoint.VERSION
    assert header["experiment"] == "opt-adam" and header["framework"] == "numpy"
    assert header["step"] == 3 and header["spec"]["layer_dims"] == [2, 5, 2, 1]
    assert header["config"]["num_epochs"] == 6 and header["randomness"] == "parity"
    assert {"python", "dlparity", "numpy"} <= set(header["versions"])
    assert set(entries) == {"header", "optimizer/t"} | {
        f"{prefix}{k}"
        for prefix in ("", "optimizer/v/", "optimizer/s/")
        for k in ("W1", "b1", "W2", "b2", "W3", "b3")
    }


def test_save_is_atomic_and_replaces(runs, saved):
    _, half = runs
    checkpoint.save(saved, SHORT, half.end, framework="tf")
    assert [p.name for p in saved.parent.iterdir()] == ["half.npz"]  # no temporary left
    assert checkpoint.load(saved, SHORT, framework="numpy").header["framework"] == "tf"


def test_weights_of_a_training_checkpoint(runs, saved):
    params, bn_state = checkpoint.load_weights(saved, SHORT.spec)
    np.testing.assert_array_equal(params["W3"], runs[1].end.params["W3"])
    assert bn_state == {}


def _rewrite(source, target, edit):
    """source's entries, edited by edit(entries, header), written to target as plain .npz."""
    entries = _entries(source)
    header = json.loads(str(entries.pop("header")[0]))
    edit(entries, header)
    entries.setdefault("header", np.array([json.dumps(header)]))
    with open(target, "wb") as f:
        np.savez(f, **entries)
    return target


def _set(mapping, key, value):
    mapping[key] = value


BAD_CONTENTS = {
    "missing parameter": (lambda e, h: e.pop("W3"), "missing W3"),
    "missing optimizer s": (lambda e, h: e.pop("optimizer/s/W1"), "missing optimizer/s/W1"),
    "missing t": (lambda e, h: e.pop("optimizer/t"), "missing optimizer/t"),
    "extra entry": (lambda e, h: _set(e, "W9", np.zeros(1)), "unexpected entries W9"),
    "wrong shape": (
        lambda e, h: _set(e, "W2", np.zeros((5, 2))),
        r"W2 has shape \(5, 2\), expected \(2, 5\)",
    ),
    "wrong dtype": (
        lambda e, h: _set(e, "b1", e["b1"].astype(np.float32)),
        "b1 has dtype float32, expected float64",
    ),
    "nan": (
        lambda e, h: _set(e, "optimizer/v/W1", np.full((5, 2), np.nan)),
        "optimizer/v/W1 contains NaN",
    ),
    "negative t": (
        lambda e, h: _set(e, "optimizer/t", np.array(-1)),
        "optimizer/t must be a non-negative integer",
    ),
    "float t": (
        lambda e, h: _set(e, "optimizer/t", np.array(15.0)),
        "optimizer/t must be a non-negative integer",
    ),
    "other experiment": (
        lambda e, h: _set(h, "experiment", "opt-gd"),
        "a checkpoint of experiment opt-gd, not of opt-adam",
    ),
    "other layer_dims": (
        lambda e, h: _set(h["spec"], "layer_dims", [2, 6, 2, 1]),
        r"written with spec layer_dims = \[2, 6, 2, 1\], this run has layer_dims = \[2, 5, 2, 1\]",
    ),
    "other dtype": (
        lambda e, h: _set(h["spec"], "dtype", "float32"),
        "spec dtype = float32, this run has dtype = float64",
    ),
    "other config": (
        lambda e, h: _set(h["config"], "learning_rate", 0.01),
        "config learning_rate = 0.01, this run has learning_rate = 0.0007",
    ),
    "step beyond the end": (lambda e, h: _set(h, "step", 7), "step 7 is beyond the run's end"),
    "step at the end": (lambda e, h: _set(h, "step", 6), "nothing to train"),
    "negative step": (lambda e, h: _set(h, "step", -1), "step: must be a non-negative integer"),
    "newer version": (
        lambda e, h: _set(h, "version", 2),
        "format version 2; this dlparity reads version 1",
    ),
    "other format": (lambda e, h: _set(h, "format", "other"), "not a dlparity-checkpoint header"),
    "weights only": (lambda e, h: _set(h, "contents", "weights"), "holds weights alone"),
    "header not json": (
        lambda e, h: _set(e, "header", np.array(["{not json"])),
        "header: not JSON",
    ),
    "header not a string": (
        lambda e, h: _set(e, "header", np.zeros(1)),
        "header: expected one JSON string",
    ),
    "header without spec": (lambda e, h: h.pop("spec"), "header: spec missing"),
    "native draws of jax": (
        lambda e, h: h.update(randomness="native", framework="jax"),
        "native draws continue only in the framework and seed that made them",
    ),
    "costs not numbers": (lambda e, h: _set(h, "costs", {"x": 1}), "costs must map steps"),
    "costs after the step": (lambda e, h: _set(h, "costs", {"5": 0.1}), "outside \\[0, 3\\)"),
}


@pytest.mark.parametrize("case", list(BAD_CONTENTS))
def test_bad_contents_are_named(saved, tmp_path, case):
    edit, message = BAD_CONTENTS[case]
    path = _rewrite(saved, tmp_path / "bad.npz", edit)
    with pytest.raises(DlparityError, match=message) as error:
        checkpoint.load(path, SHORT, framework="numpy")
    assert str(error.value).startswith(f"checkpoint {path}: ") and "\n" not in str(error.value)


def _truncated(raw: bytes, entries) -> bytes:
    return raw[: len(raw) // 2]


def _flipped(raw: bytes, entries) -> bytes:
    where = raw.find(entries["W1"].tobytes())
    return raw[:where] + bytes([raw[where] ^ 0xFF]) + raw[where + 1 :]


@pytest.mark.parametrize(
    "damage", [_truncated, _flipped, lambda raw, entries: b"not a zip file at all"]
)
def test_damaged_files_are_refused(saved, tmp_path, damage):
    path = tmp_path / "damaged.npz"
    path.write_bytes(damage(saved.read_bytes(), _entries(saved)))
    with pytest.raises(DlparityError, match="not a valid .npz file"):
        checkpoint.load(path, SHORT, framework="numpy")


@pytest.mark.parametrize(
    "content, why",
    [
        (bytes(np.random.RandomState(0).randint(0, 256, 2000, dtype=np.uint8)),
         "its bytes are not a zip archive"),
        (b"", "empty"),
        (b"\x93NUMPY\x01\x00v\x00{'descr': '<f8'}", "a single .npy array"),
    ],
    ids=["random-bytes", "empty", "npy"],
)  # fmt: skip
def test_a_file_that_is_no_zip_is_not_a_valid_npz(tmp_path, content, why):
    """np.load takes bytes that are neither a zip nor a .npy for a pickle: not what they are."""
    path = tmp_path / "random.npz"
    path.write_bytes(content)
    with pytest.raises(DlparityError) as error:
        checkpoint.load(path, SHORT, framework="numpy")
    assert str(error.value) == (
        f"checkpoint {path}: not a valid .npz file: {why}; a checkpoint is a zip archive of .npy "
        "arrays, as train --save writes it"
    )


def test_random_bytes_on_the_command_line_are_one_line(capsys, tmp_path):
    path = tmp_path / "random.npz"
    path.write_bytes(bytes(np.random.RandomState(1).randint(0, 256, 500, dtype=np.uint8)))
    code, out, err = run(capsys, "train", "opt-adam", "--resume", str(path))
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert "not a valid .npz file: its bytes are not a zip archive" in err and "pickle" not in err


def test_missing_pickled_and_headerless_files(tmp_path, runs):
    with pytest.raises(DlparityError, match="no such file"):
        checkpoint.load(tmp_path / "none.npz", SHORT, framework="numpy")
    pickled = tmp_path / "pickled.npz"
    with open(pickled, "wb") as f:
        np.savez(f, header=np.array([{"format": 1}], dtype=object))
    with pytest.raises(DlparityError, match="not a valid .npz file: an entry holds pickled"):
        checkpoint.load(pickled, SHORT, framework="numpy")
    weights = checkpoint.save_weights(tmp_path / "w.npz", runs[1].params, spec=SHORT.spec)
    with pytest.raises(DlparityError, match="holds weights alone"):
        checkpoint.load(weights, SHORT, framework="numpy")
    bare = tmp_path / "bare.npz"
    with open(bare, "wb") as f:
        np.savez(f, **runs[1].params)
    with pytest.raises(DlparityError, match="no header"):
        checkpoint.load(bare, SHORT, framework="numpy")


def test_save_refuses_bad_states(runs, tmp_path):
    end = runs[1].end
    with pytest.raises(DlparityError, match="unknown framework 'torch'"):
        checkpoint.save(tmp_path / "a.npz", SHORT, end, framework="torch")
    with pytest.raises(DlparityError, match="expected a TrainState"):
        checkpoint.save(tmp_path / "a.npz", SHORT, end.params, framework="numpy")
    late = dataclasses.replace(end, step=7)
    with pytest.raises(DlparityError, match="beyond the run's end"):
        checkpoint.save(tmp_path / "a.npz", SHORT, late, framework="numpy")
    with pytest.raises(DlparityError, match="does not exist"):
        checkpoint.save(tmp_path / "no" / "a.npz", SHORT, end, framework="numpy")
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- train(start=, stop=)


def _momentum_state(state: TrainState) -> TrainState:
    return dataclasses.replace(state, optimizer={"v": state.optimizer["v"]})


@pytest.mark.parametrize(
    "params0, start, stop, message",
    [
        ("params0", "half", None, "params0: give None"),
        (None, "params", None, "start: expected a TrainState"),
        (None, "momentum", None, r"optimizer state: adam has \['v', 's', 't'\]"),
        (None, "wrong shape", None, r"optimizer v: W1 has shape \(2, 5\), expected \(5, 2\)"),
        (None, "at the end", None, "step 6 is the run's end"),
        ("params0", None, 0, "stop: must be after the start's epoch 0 and at most 6, got 0"),
        ("params0", None, 7, "at most 6, got 7"),
        (None, "half", 3, "after the start's epoch 3"),
        ("params0", None, True, "stop: must be an integer"),
    ],
)
def test_train_start_and_stop_are_checked(runs, params0, start, stop, message):
    end = runs[1].end
    starts = {
        None: None,
        "half": end,
        "params": end.params,
        "momentum": _momentum_state(end),
        "wrong shape": dataclasses.replace(
            end,
            optimizer={**end.optimizer, "v": {**end.optimizer["v"], "W1": np.zeros((2, 5))}},
        ),
        "at the end": dataclasses.replace(end, step=6),
    }
    params0 = initial_parameters(SHORT) if params0 else None
    with pytest.raises(DlparityError, match=message):
        nt.train(SHORT.spec, SHORT.config, _moons(), params0, start=starts[start], stop=stop)


def test_keras_refuses_to_resume(runs):
    pytest.importorskip("keras")
    import keras_impl.train as kt

    end = runs[1].end
    with pytest.raises(DlparityError, match="model.fit trains the whole run"):
        kt.train(SHORT.spec, SHORT.config, _moons(), None, start=end)
    with pytest.raises(DlparityError, match="model.fit trains the whole run"):
        kt.train(SHORT.spec, SHORT.config, _moons(), initial_parameters(SHORT), stop=3)


# ---------------------------------------------------------------- the command


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_command_stops_saves_and_resumes_the_same_run(capsys, tmp_path):
    half, resumed, direct = (str(tmp_path / n) for n in ("half.npz", "resumed.npz", "direct.npz"))
    code, out, _ = run(capsys, "train", "opt-adam", "--stop-after", "150", "--save", half)
    assert code == 0 and "Stopped after epoch 150 of 5000" in out
    assert f"wrote {half} (epoch 150 of 5000)" in out and "train accuracy" not in out
    code, out, _ = run(capsys, "train", "opt-adam", "--resume", half, "--stop-after", "1050",
                       "--save", resumed, "--json", str(tmp_path / "r.json"))  # fmt: skip
    assert code == 0 and f"Resuming from {half} after epoch 150 (written by numpy)" in out
    lines = [line for line in out.splitlines() if line.startswith("Cost after")]
    # the course prints opt-adam's cost every 1000 epochs
    assert [line.split(":")[0] for line in lines] == ["Cost after epoch 1000"]
    costs = json.loads((tmp_path / "r.json").read_text())["costs"]
    # the checkpoint's costs kept, then the resumed run's, at the recorded steps
    assert list(costs) == [str(step) for step in range(0, 1001, 100)]
    assert run(capsys, "train", "opt-adam", "--stop-after", "1050", "--save", direct)[0] == 0
    want, got = _entries(direct), _entries(resumed)
    assert set(got) == set(want)
    for key in want:
        if key != "header":
            np.testing.assert_array_equal(got[key], want[key], err_msg=key)


@pytest.fixture(scope="module")
def command_checkpoint(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("command")
    path = tmp_path / "two.npz"
    assert main(["train", "opt-adam", "--quiet", "--stop-after", "2", "--save", str(path)]) == 0
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[:1000])
    return path


@pytest.mark.parametrize(
    "argv, message",
    [
        (["opt-adam", "--framework", "keras", "--save", "{dir}/k.npz"], "--save: model.fit"),
        (["opt-adam", "--framework", "keras", "--stop-after", "3"], "--stop-after: model.fit"),
        (["opt-adam", "--stop-after", "0"], "--stop-after: must be in 1..5000"),
        (["opt-adam", "--stop-after", "5001"], "got 5001"),
        (["opt-adam", "--resume", "{ckpt}", "--stop-after", "2"], "must be in 3..5000"),
        (["opt-adam", "--save", "{dir}/no/x.npz"], "--save: folder"),
        (["opt-adam", "--save", "{dir}/x.json"], "--save: x.json should end in .npz"),
        (["opt-adam", "--resume", "{dir}/none.npz"], "no such file"),
        (["opt-adam", "--resume", "{dir}/truncated.npz"], "not a valid .npz file"),
        (["opt-gd", "--resume", "{ckpt}"], "a checkpoint of experiment opt-adam, not of opt-gd"),
        (["opt-adam", "--resume", "{ckpt}", "--dtype", "float32"], "spec dtype = float64"),
        (["opt-adam", "--resume", "{ckpt}", "--framework", "jax", "--randomness", "native"],
         "native draws continue only"),
    ],
)  # fmt: skip
def test_command_errors_are_one_line_before_training(capsys, command_checkpoint, argv, message):
    folder = command_checkpoint.parent
    argv = [a.format(dir=folder, ckpt=command_checkpoint) for a in argv]
    code, out, err = run(capsys, "train", *argv)
    assert code == 2 and message in err, err
    assert err.count("\n") == 1 and "Cost after" not in out


def test_a_resumed_runs_plot_marks_the_checkpoint(capsys, monkeypatch, command_checkpoint):
    drawn = {}

    def save_plot(path, *args):
        drawn["resumed"] = args[-1]
        path.write_bytes(b"a png")

    monkeypatch.setattr("dlparity.tools.plots.save_plot", save_plot)
    png = command_checkpoint.parent / "resumed.png"
    argv = ["opt-adam", "--quiet", "--resume", str(command_checkpoint), "--stop-after", "3"]
    code, _, err = run(capsys, "train", *argv, "--plot", str(png))
    assert code == 0 and drawn == {"resumed": (2, "numpy")}, err
