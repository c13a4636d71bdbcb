"""KERAS_BACKEND in the environment: the Keras framework still runs on TensorFlow, or says why not."""

import os
import subprocess
import sys

import pytest

pytest.importorskip("keras")


def _python(code: str, backend: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )


def test_tf_impl_puts_keras_on_tensorflow_whatever_the_environment_says():
    code = "import tf_impl.keras_models, keras; print(keras.backend.backend())"
    done = _python(code, "jax")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "tensorflow"


def test_keras_loaded_on_another_backend_first_is_named():
    pytest.importorskip("jax")
    code = (
        "import keras\n"
        "from dlparity import DlparityError\n"
        "try:\n    import tf_impl\nexcept DlparityError as e:\n    print(e)\n"
    )
    done = _python(code, "jax")
    assert "Keras was imported on 'jax'" in done.stdout, done.stderr
    assert "set KERAS_BACKEND=tensorflow" in done.stdout


def test_the_command_notes_the_ignored_backend(monkeypatch):
    from dlparity.frameworks import keras_backend_note

    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert "KERAS_BACKEND=jax applies to your own Keras code" in keras_backend_note("keras")
    assert keras_backend_note("tf") is None
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    assert keras_backend_note("keras") is None
