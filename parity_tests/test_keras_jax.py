"""keras-jax: the same Keras code on Keras' JAX backend, proven like the TensorFlow one.

Keras fixes its backend once per process, so the Keras parity and unit tests run again in a
pytest of their own with KERAS_BACKEND=jax: the same tests, tolerances and Keras code. The
command's route (a worker process, dlparity.runtime.worker) is tested from this process, whose Keras,
if loaded, is on TensorFlow.
"""

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("jax")
pytest.importorskip("keras")

import pure_numpy.train as ref_train  # noqa: E402
from dlparity.core.errors import DlparityError
from dlparity.core.init import initialize_parameters
from dlparity.course import data, experiments
from dlparity.runtime import frameworks
from parity_tests.conftest import TRAJECTORY_TOLERANCE  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# every Keras test that does not measure stock Keras on TensorFlow (test_keras_stock) or the
# backend choice itself (test_keras_backend); they run with -k keras: every test of the
# test_keras_* files (their module names say keras) and test_models' keras cases
ON_BOTH_BACKENDS = [
    "parity_tests/test_models.py",
    "parity_tests/test_keras_only.py",
    "parity_tests/test_keras_optimizers.py",
    "parity_tests/test_keras_training.py",
    "tests/test_keras_models.py",
    "tests/test_keras_errors.py",
    "tests/test_keras_private.py",
]


@pytest.mark.slow  # the whole Keras table again, in a process of its own (50-60 s on 2 cores)
def test_the_keras_tests_pass_on_the_jax_backend():
    assert all("keras" in path for path in ON_BOTH_BACKENDS[1:]), "-k keras would leave one out"
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-k", "keras", *ON_BOTH_BACKENDS],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    assert " passed" in done.stdout.splitlines()[-1]


def _run(name, **changes):
    e = experiments.get(name)
    X, Y, _, _ = data.load(e.dataset)
    params0 = initialize_parameters(e.spec, e.init_scheme, seed=e.init_seed, scale=e.init_scale)
    return e.spec, replace(e.config, **changes), (X, Y), params0


@pytest.mark.parametrize(
    "name, changes",
    [("opt-adam", {"num_epochs": 30, "record_every": 10}),
     # the worker again, with batch norm and with convolutions: -m slow, beside the whole Keras
     # table on the JAX backend (4 s each on 2 cores)
     pytest.param("digits-bn", {"num_epochs": 3, "record_every": 1}, marks=pytest.mark.slow),
     pytest.param("digits-convnet", {"num_epochs": 2, "record_every": 1},
                  marks=pytest.mark.slow)],
)  # fmt: skip
def test_keras_jax_through_the_worker_matches_the_reference(name, changes):
    spec, config, data_, params0 = _run(name, **changes)
    want = ref_train.train(spec, config, data_, params0)
    seen = []
    framework = frameworks.load("keras-jax")
    got = framework.train(spec, config, data_, params0, progress=lambda s, c: seen.append(s))
    assert got.extra["framework"] == "keras-jax"
    assert seen == list(want.costs) == list(got.costs)
    worst = max(abs(got.costs[s] - want.costs[s]) for s in want.costs)
    assert worst <= TRAJECTORY_TOLERANCE
    X = data_[0]
    labels = framework.predict(got.params, X, spec, bn_state=got.bn_state)
    import pure_numpy.models as ref

    assert np.array_equal(labels, ref.predict(want.params, X, spec, bn_state=want.bn_state))


def test_a_worker_error_arrives_as_one_line():
    spec, config, data_, params0 = _run("opt-adam", num_epochs=2, record_every=1)
    framework = frameworks.load("keras-jax")
    with pytest.raises(DlparityError, match="model.fit trains the whole run here"):
        framework.train(spec, config, data_, params0, start=object())


def test_keras_jax_on_several_devices_is_one_line():
    spec, config, data_, params0 = _run("opt-adam", num_epochs=2, record_every=1)
    with pytest.raises(DlparityError, match="devices: keras-jax trains on one device"):
        frameworks.load("keras-jax").train(spec, config, data_, params0, devices=2)
