"""KERAS_BACKEND: keras_impl runs on TensorFlow (the default) or JAX, and says so for any other."""

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


def test_keras_impl_defaults_to_tensorflow():
    code = "import keras_impl, keras; print(keras.backend.backend())"
    done = _python(code, "")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "tensorflow"


def test_keras_impl_on_jax_keeps_float64():
    pytest.importorskip("jax")
    code = (
        "import keras_impl, keras, numpy as np\n"
        "from keras_impl import backend\n"
        "backend.configure('float64')\n"
        "x = keras.ops.convert_to_tensor(np.array([0.1]))\n"
        "print(keras.backend.backend(), keras.backend.standardize_dtype(x.dtype), float(x[0]))"
    )
    done = _python(code, "jax")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["jax", "float64", "0.1"]


@pytest.mark.parametrize("backend", ["torch", "numpy", "nonsense"])
def test_an_unsupported_backend_is_one_line(backend):
    code = (
        "from dlparity.core.errors import DlparityError\n"
        "try:\n    import keras_impl\nexcept DlparityError as e:\n    print(e)\n"
    )
    done = _python(code, backend)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"keras_impl runs Keras on tensorflow or jax, but KERAS_BACKEND is {backend!r}: "
        "set KERAS_BACKEND=tensorflow or KERAS_BACKEND=jax"
    )


def test_keras_loaded_on_another_backend_first_is_named():
    pytest.importorskip("jax")
    code = (
        "import keras\n"
        "from dlparity.core.errors import DlparityError\n"
        "try:\n    import tf_impl\nexcept DlparityError as e:\n    print(e)\n"
    )
    done = _python(code, "jax")
    assert "Keras was imported on 'jax'" in done.stdout, done.stderr
    assert "set KERAS_BACKEND=tensorflow" in done.stdout


def test_the_command_notes_the_ignored_backend(monkeypatch):
    from dlparity.runtime.keras_backend import note as keras_backend_note

    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert "KERAS_BACKEND=jax applies to your own Keras code" in keras_backend_note("keras")
    assert keras_backend_note("tf") is None
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    assert keras_backend_note("keras") is None
    assert "--framework keras-jax runs Keras on JAX; KERAS_BACKEND=tensorflow" in (
        keras_backend_note("keras-jax")
    )
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert keras_backend_note("keras-jax") is None
