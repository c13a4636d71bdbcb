"""Data parallelism: a run with every mini-batch sharded over N devices is the one-device run.

Sharding the examples changes only the order of sums (each device sums its columns, then an
all-reduce sums the devices), the same kind of difference as between two frameworks' kernels:
conftest's error model holds, and recorded costs, final parameters and running statistics agree
to TRAJECTORY_TOLERANCE. The runs happen in a subprocess (parallel_runs.py) with 4 simulated host
devices, since a process's device count is fixed when its framework starts.
"""

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pure_numpy.models as nm
from parity_tests.conftest import TOLERANCES, TRAJECTORY_TOLERANCE, first_difference
from parity_tests.parallel_runs import BN_M, BN_SPEC, FRAMEWORK_CASES, bn_problem

HOST_DEVICES = 4
ROOT = Path(__file__).resolve().parents[1]
# every framework's N-device runs are a process of their own (JAX's mesh 22 s, TF's and Keras'
# MirroredStrategy 30 and 40 s on 2 cores): they run with the slow suite, beside the course's
# full-length runs
SLOW = {"jax", "tf", "keras"}


def marked(framework, *values):
    """A parameter set, marked slow where the framework's runs are."""
    return pytest.param(framework, *values, marks=pytest.mark.slow if framework in SLOW else ())


@functools.cache
def _parallel_runs(framework: str) -> dict:
    pytest.importorskip({"jax": "jax", "tf": "tensorflow", "keras": "keras"}[framework])
    command = [sys.executable, "-m", "parity_tests.parallel_runs", framework, str(HOST_DEVICES)]
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def _arrays(tree: dict) -> dict:
    return {k: np.asarray(v) for k, v in tree.items()}


@pytest.mark.parametrize("devices", [2, 4])
@pytest.mark.parametrize(
    "framework, case", [marked(f, case) for f, cases in FRAMEWORK_CASES.items() for case in cases]
)
def test_n_devices_give_the_one_device_run(framework, case, devices):
    runs = _parallel_runs(framework)["runs"].get(case)
    if runs is None:
        pytest.skip(f"{case}: needs the course's data (DLPARITY_DATA)")
    one, many = runs["1"], runs[str(devices)]
    assert many["devices"] == devices and one["devices"] == 1
    assert list(many["costs"]) == list(one["costs"])
    costs = {f"cost at step {s}": c for s, c in one["costs"].items()}
    got = {f"cost at step {s}": c for s, c in many["costs"].items()}
    problem = first_difference(costs, got, rtol=0.0, atol=TRAJECTORY_TOLERANCE)
    tolerance = {"rtol": TRAJECTORY_TOLERANCE, "atol": TRAJECTORY_TOLERANCE}
    for key in ("params", "bn_state"):
        problem = problem or first_difference(_arrays(one[key]), _arrays(many[key]), **tolerance)
    assert problem is None, f"{framework} on {devices} devices: {problem}"


@pytest.mark.slow  # jax's process of N devices (SLOW)
def test_xla_inserts_the_cross_device_sums():
    """The sharded run is partitioned, not computed whole on every device: XLA summed across
    devices (the gradients' and batch norm's sums over the batch axis) with all-reduces."""
    assert _parallel_runs("jax")["all_reduces"] > 0


@pytest.mark.slow  # tf's process of N devices (SLOW)
def test_tf_splits_each_batch_over_the_replicas():
    """Blocks of columns whose sizes differ by at most one, every example in one block."""
    blocks = _parallel_runs("tf")["blocks"]
    assert blocks == {"64": [16, 16, 16, 16], "3": [0, 1, 1, 1]}


@pytest.mark.slow  # tf's process of N devices (SLOW)
def test_tf_names_the_remedy_when_its_devices_are_fixed():
    message = _parallel_runs("tf")["too_few"]
    assert message.startswith(f"devices: {2 * HOST_DEVICES} asked, but tf has {HOST_DEVICES} CPU")
    assert "set_logical_device_configuration" in message


@pytest.mark.parametrize("framework", [marked(f) for f in ("jax", "tf", "keras")])
def test_batch_norm_uses_the_whole_batchs_statistics(framework):
    """A batch whose halves differ (the first shifted by BN_SHIFT), one half per device: the
    sharded pass equals the reference on the whole batch, and per-device statistics would not."""
    case, tolerance = bn_problem(), TOLERANCES["float64"]
    sharded = _parallel_runs(framework)["batchnorm"]
    kwargs = {"bn_state": case.bn_state}
    cost, grads, bn_state = nm.gradients(case.params, case.X, case.Y, BN_SPEC, **kwargs)
    problem = first_difference({"cost": cost}, {"cost": sharded["cost"]}, **tolerance)
    problem = problem or first_difference(bn_state, _arrays(sharded["bn_state"]), **tolerance)
    problem = problem or first_difference(grads, _arrays(sharded["grads"]), **tolerance)
    assert problem is None, problem
    # per-device statistics: each half normalized by its own, then gradients and running
    # statistics averaged over the devices; the comparison above would have failed
    halves = [slice(0, BN_M // 2), slice(BN_M // 2, BN_M)]
    local = [
        nm.gradients(case.params, case.X[:, h], case.Y[:, h], BN_SPEC, **kwargs) for h in halves
    ]
    local_state = {k: np.mean([state[k] for _, _, state in local], axis=0) for k in bn_state}
    local_grads = {k: np.mean([g[k] for _, g, _ in local], axis=0) for k in grads}
    assert first_difference(bn_state, local_state, **tolerance) is not None
    assert first_difference(grads, local_grads, **tolerance) is not None
