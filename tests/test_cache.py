"""The compilation cache folder: where, switched off, bad values; JAX's programs land there."""

import subprocess
import sys
from pathlib import Path

import pytest

from dlparity.core.errors import DlparityError
from dlparity.runtime import cache


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.ENV_VAR, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return monkeypatch


def test_default_folder_follows_xdg(env, tmp_path):
    assert cache.cache_folder() == tmp_path / "home" / ".cache" / "dlparity"
    env.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_folder() == tmp_path / "xdg" / "dlparity"
    env.setenv("XDG_CACHE_HOME", "relative/path")  # the XDG spec: relative paths are ignored
    assert cache.cache_folder() == tmp_path / "home" / ".cache" / "dlparity"


def test_dlparity_cache_redirects_or_switches_off(env, tmp_path):
    env.setenv(cache.ENV_VAR, str(tmp_path / "mine"))
    assert cache.cache_folder() == tmp_path / "mine"
    assert cache.jax_folder() == tmp_path / "mine" / "jax" and (tmp_path / "mine" / "jax").is_dir()
    for off in ("off", "OFF", "0", "none"):
        env.setenv(cache.ENV_VAR, off)
        assert cache.cache_folder() is None and cache.jax_folder() is None


def test_bad_folders(env, tmp_path):
    (tmp_path / "file").write_text("")
    env.setenv(cache.ENV_VAR, str(tmp_path / "file"))
    with pytest.raises(DlparityError, match="DLPARITY_CACHE: .*file is a file"):
        cache.cache_folder()
    env.setenv(cache.ENV_VAR, str(tmp_path / "file" / "below"))
    with pytest.raises(DlparityError, match="DLPARITY_CACHE: cannot write to"):
        cache.jax_folder()
    env.delenv(cache.ENV_VAR)
    env.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # the default folder: no cache, no error
    assert cache.jax_folder() is None


def test_command_names_a_bad_cache_folder_before_any_work(env, tmp_path, capsys):
    from dlparity.cli import main

    (tmp_path / "file").write_text("")
    env.setenv(cache.ENV_VAR, str(tmp_path / "file"))
    assert main(["train", "planar", "--framework", "jax"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("dlparity: error: DLPARITY_CACHE:") and err.count("\n") == 1


JAX_RUN = """
from dataclasses import replace
from dlparity.course import data, experiments
from dlparity.tools.runs import initial_parameters
from jax_impl.train import train
e = experiments.get("planar")
X, Y, _, _ = data.load(e.dataset)
print(train(e.spec, replace(e.config, num_iterations=3), (X, Y), initial_parameters(e)).costs[2])
"""


def test_jax_programs_are_kept_and_found_again(tmp_path):
    """A run writes its compiled programs to the folder; the same run again writes none."""

    def run():
        env = {"DLPARITY_CACHE": str(tmp_path), "PATH": "", "HOME": str(tmp_path)}
        out = subprocess.run([sys.executable, "-c", JAX_RUN], capture_output=True, text=True,
                             env=env, check=True)  # fmt: skip
        return out.stdout, sorted(p.name for p in Path(tmp_path, "jax").iterdir())

    cost, entries = run()
    assert any(name.startswith("jit_run-") for name in entries)
    assert run() == (cost, entries)
