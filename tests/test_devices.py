"""--devices and devices=: checked counts, simulated host devices, one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dlparity.cli import main
from dlparity.core.errors import DlparityError
from dlparity.core.spec import ModelSpec, TrainConfig
from dlparity.runtime import devices

ROOT = Path(__file__).resolve().parents[1]
SPEC = ModelSpec("deep", (2, 3, 1))
CONFIG = TrainConfig(learning_rate=0.1, optimizer="adam", num_epochs=2, mini_batch_size=4)


def _data():
    import numpy as np

    rng = np.random.RandomState(0)
    return rng.randn(2, 8), (rng.rand(1, 8) < 0.5).astype(float)


def _params():
    from dlparity.core.init import initialize_parameters

    return initialize_parameters(SPEC, "he", seed=3)


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_device_count_must_be_a_positive_integer(bad):
    with pytest.raises(DlparityError, match=r"^devices: must be a positive integer"):
        devices.check_count(bad)


def test_host_flags_set_the_count_once_keeping_other_flags():
    flags = "--xla_cpu_enable_fast_math=false --xla_force_host_platform_device_count=1"
    assert devices.host_flags(flags, 4) == (
        "--xla_cpu_enable_fast_math=false --xla_force_host_platform_device_count=4"
    )
    assert devices.host_flags("", 2) == "--xla_force_host_platform_device_count=2"


def test_no_flag_is_set_once_jax_is_imported(monkeypatch):
    pytest.importorskip("jax")
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    devices.simulate_host_devices(2)  # too late for this process: its JAX has started
    assert "XLA_FLAGS" not in os.environ


@pytest.mark.parametrize("framework", ["jax", "tf"])
@pytest.mark.parametrize("bad", [0, "2"])
def test_train_refuses_a_bad_device_count(framework, bad):
    pytest.importorskip({"jax": "jax", "tf": "tensorflow"}[framework])
    train = __import__(f"{framework}_impl.train", fromlist=["train"]).train
    with pytest.raises(DlparityError, match=r"^devices: must be a positive integer"):
        train(SPEC, CONFIG, _data(), _params(), devices=bad)


def test_jax_train_names_the_flag_when_devices_are_missing():
    jax = pytest.importorskip("jax")
    import jax_impl.train as jt

    asked = jax.device_count() + 1
    flag = f"XLA_FLAGS=--xla_force_host_platform_device_count={asked}"
    with pytest.raises(DlparityError, match=rf"^devices: {asked} asked, but jax has .*{flag}"):
        jt.train(SPEC, CONFIG, _data(), _params(), devices=asked)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "planar", "--devices", "0"], "--devices: expected a positive integer, got '0'"),
        (["compare", "planar", "--devices", "two"], "expected a positive integer, got 'two'"),
        (["train", "opt-adam", "--framework", "jax", "--devices", "1024"], "--devices: at most 64"),
        (["train", "planar", "--devices", "2"], "--devices applies to jax, tf or keras, not numpy"),
        (["train", "planar", "--framework", "keras-jax", "--devices", "2"], "not keras-jax"),
        (
            ["compare", "planar", "--frameworks", "numpy,keras-jax", "--devices", "2"],
            "not keras-jax",
        ),
        (
            ["train", "planar", "--framework", "keras", "--devices", "2", "--save", "c.npz"],
            "--save: model.fit trains the whole run here",
        ),
    ],
)
def test_device_errors_are_one_line_with_status_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def _command(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_command_simulates_the_devices_before_jax_starts(tmp_path):
    """--devices 3 on a CPU-only machine: JAX, imported later by the run, has 3 host devices."""
    pytest.importorskip("jax")
    bad_json = tmp_path / "no-such-folder" / "out.json"  # stops the command before training
    done = _command(
        "from dlparity.cli import main\n"
        f"assert main(['train', 'planar', '--framework', 'jax', '--devices', '3', "
        f"'--json', {str(bad_json)!r}]) == 2\n"
        "import jax\n"
        "print(jax.device_count() if jax.default_backend() == 'cpu' else 3)\n"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "3"


@pytest.mark.slow
def test_train_on_two_devices_from_the_command_line(tmp_path):
    pytest.importorskip("jax")
    path = tmp_path / "run.json"
    argv = ["train", "opt-adam", "--framework", "jax", "--devices", "2", "--json", str(path)]
    done = _command(f"from dlparity.cli import main; raise SystemExit(main({argv!r}))")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "cost at epoch 0: course 0.702166, here 0.702166 ok" in done.stdout
    assert json.loads(path.read_text())["devices"] == 2
