"""Quiet frameworks: a command's output is dlparity's own lines, errors included."""

import os
import re
import subprocess
import sys

import pytest

from dlparity.runtime import quiet

# TensorFlow's C++ log lines (I0000 00:00:... file.cc:12] ...), absl's notice, the CUDA probe
FOREIGN = re.compile(r"^[IWEF]\d{4} |absl::|cuInit|oneDNN|GPU will not be used|DT_DOUBLE")


def command(*argv, **env):
    environ = {k: v for k, v in os.environ.items() if k not in (quiet.TF_LOG_ENV, "KERAS_BACKEND")}
    return subprocess.run([sys.executable, "-m", "dlparity.cli", *argv], capture_output=True,
                          text=True, env={**environ, **env})  # fmt: skip


def test_compare_prints_only_its_own_lines_and_its_errors(tmp_path):
    """JAX (which sets TF_CPP_MIN_LOG_LEVEL=1 on import), then TF and Keras, in one process:
    nothing on stderr; a bad output path is the project's one line, before any run."""
    run = command("compare", "planar", "--frameworks", "jax,tf,keras",
                  "--json", str(tmp_path / "cmp.json"))  # fmt: skip
    # stderr holds the project's progress lines alone (not a terminal: one per tenth of a run)
    progress = re.compile(r"^(jax|tf|keras): iteration \d+ of 10000$")
    assert run.returncode == 0
    assert [line for line in run.stderr.splitlines() if not progress.match(line)] == []
    assert len(run.stderr.splitlines()) == 30
    assert run.stdout.startswith("== jax: training planar") and "for keras" in run.stdout
    assert not [line for line in run.stdout.splitlines() if FOREIGN.search(line)]
    folder = tmp_path / "no"
    bad = command("compare", "planar", "--frameworks", "jax,tf,keras",
                  "--json", str(folder / "cmp.json"))  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [f"dlparity: error: --json: folder {folder} does not exist"]


@pytest.mark.parametrize("framework", ["keras", "keras-jax"])
def test_keras_alone_prints_only_its_own_lines(framework):
    """Keras imported first (on TensorFlow, or on JAX in the worker): no start-up logging."""
    pytest.importorskip("keras")
    run = command("train", "planar", "--framework", framework)
    progress = re.compile(rf"^{framework}: iteration \d+ of 10000$")
    assert run.returncode == 0, run.stderr[-2000:]
    assert [line for line in run.stderr.splitlines() if not progress.match(line)] == []
    assert not [line for line in run.stdout.splitlines() if FOREIGN.search(line)]


def test_an_explicit_tf_log_level_is_the_users():
    environ = {k: v for k, v in os.environ.items() if k != quiet.TF_LOG_ENV}
    probe = "import os, tf_impl; print(os.environ['TF_CPP_MIN_LOG_LEVEL'])"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env={**environ, quiet.TF_LOG_ENV: "0"}, check=True)  # fmt: skip
    assert run.stdout.strip() == "0"


def test_quiet_import_drops_what_a_module_writes_and_shows_it_when_it_fails(
    tmp_path, monkeypatch, capfd
):
    write = "import os\nos.write(2, b'loading libnoise\\n')\n"
    (tmp_path / "noisy_ok.py").write_text(write)
    (tmp_path / "noisy_broken.py").write_text(write + "raise ImportError('libnoise missing')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert quiet.quiet_import("noisy_ok").__name__ == "noisy_ok"
    assert capfd.readouterr().err == ""
    with pytest.raises(ImportError, match="libnoise missing"):
        quiet.quiet_import("noisy_broken")
    assert capfd.readouterr().err == "loading libnoise\n"


def test_jax_notices_are_dropped_and_other_warnings_kept(caplog):
    import logging

    quiet.quiet_jax()
    logger = logging.getLogger("jax._src.xla_bridge")
    with caplog.at_level(logging.WARNING, logger="jax._src.xla_bridge"):
        logger.warning("An NVIDIA GPU may be present on this machine, but ...")
        logger.warning("CUDA backend failed to initialize: ...")
    assert [r.getMessage() for r in caplog.records] == ["CUDA backend failed to initialize: ..."]
