"""Reruns are bit-identical: the same training twice gives the same costs and parameters to the
last bit, in every framework, on one machine with the same settings (README: what breaks it)."""

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from dlparity.core.errors import DlparityError
from dlparity.course import data, experiments
from dlparity.runtime import frameworks
from dlparity.tools.runs import initial_parameters

# opt-adam shortened to 8 epochs (40 shuffled mini-batches), every cost recorded;
# reg-dropout to 30 iterations: full batch, dropout masks and a deeper network
SHORT = {
    "opt-adam": {"num_epochs": 8, "record_every": 1},
    "reg-dropout": {"num_iterations": 30, "record_every": 1},
}


def _experiment(name):
    e = experiments.get(name)
    return dataclasses.replace(e, config=dataclasses.replace(e.config, **SHORT[name]))


def _train_twice(framework, name, **options):
    if not frameworks.available(framework):
        pytest.skip(f"{framework} is not installed")
    impl = frameworks.load(framework)
    experiment = _experiment(name)
    try:
        X, Y, _, _ = data.load(experiment.dataset)
    except DlparityError as error:  # a course file that is not here
        pytest.skip(str(error))
    results = []
    for _ in range(2):
        if framework == "jax":  # compile again, as a second command would
            import jax_impl.train as jt

            jt._compiled_runs.clear()
        results.append(
            impl.train(
                experiment.spec,
                experiment.config,
                (X, Y),
                initial_parameters(experiment),
                **options,
            )  # fmt: skip
        )
    return results


RUNS = [
    ("numpy", "opt-adam", {}),
    ("numpy", "reg-dropout", {}),
    ("jax", "opt-adam", {}),
    ("jax", "reg-dropout", {}),
    ("jax", "opt-adam", {"randomness": "native"}),
    ("tf", "opt-adam", {}),
    ("tf", "reg-dropout", {}),
    ("tf", "opt-adam", {"randomness": "native"}),
    ("keras", "opt-adam", {}),
    ("keras", "opt-adam", {"stock": True}),
]


@pytest.mark.parametrize("framework, name, options", RUNS)
def test_rerun_is_bit_identical(framework, name, options):
    first, second = _train_twice(framework, name, **options)
    assert list(first.costs) == list(second.costs)
    assert [c.hex() for c in first.costs.values()] == [c.hex() for c in second.costs.values()]
    for key in first.params:
        np.testing.assert_array_equal(second.params[key], first.params[key], err_msg=key)


@pytest.mark.parametrize(
    "framework",
    [
        "numpy",
        pytest.param("jax", marks=pytest.mark.slow),
        pytest.param("tf", marks=pytest.mark.slow),
    ],
)
def test_the_same_command_twice_writes_the_same_numbers(tmp_path, framework):
    """Two processes of `dlparity train`: equal JSON costs and checkpoints (jax and tf take
    seconds to start and compile: slow)."""
    if not frameworks.available(framework):
        pytest.skip(f"{framework} is not installed")
    outputs = []
    for n in range(2):
        json_path, saved = tmp_path / f"run{n}.json", tmp_path / f"run{n}.npz"
        argv = ["train", "opt-adam", "--framework", framework, "--stop-after", "201", "--quiet",
                "--json", str(json_path), "--save", str(saved)]  # fmt: skip
        code = "import sys; from dlparity.cli import main; sys.exit(main(sys.argv[1:]))"
        subprocess.run([sys.executable, "-c", code, *argv], check=True, capture_output=True)
        with np.load(saved, allow_pickle=False) as stored:
            arrays = {k: stored[k] for k in stored.files if k != "header"}
        outputs.append((json.loads(json_path.read_text())["costs"], arrays))
    (costs, arrays), (costs_again, arrays_again) = outputs
    assert list(costs) == ["0", "100", "200"] and costs == costs_again
    for key in arrays:
        np.testing.assert_array_equal(arrays_again[key], arrays[key], err_msg=key)
