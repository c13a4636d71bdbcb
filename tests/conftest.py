"""Shared fixtures: small seeded problems for every architecture, and the course-data folder."""

import pytest

from dlparity.core.spec import ModelSpec
from dlparity.course.data import resolve_data_dir
from parity_tests.conftest import seeded_problem

SPECS = {
    "logistic": ModelSpec("logistic", (3, 1)),
    "two_layer_tanh": ModelSpec("two_layer", (3, 4, 1), hidden_activation="tanh"),
    "deep": ModelSpec("deep", (3, 5, 4, 1)),
    "deep_l2": ModelSpec("deep", (3, 5, 4, 1), lambd=0.7),
    "deep_dropout": ModelSpec("deep", (3, 5, 4, 1), keep_prob=0.8),
    "deep_softmax": ModelSpec("deep", (3, 5, 4, 3), output="softmax"),
    "softmax_bn": ModelSpec("softmax_bn", (3, 5, 4, 3), output="softmax", batchnorm=True),
}


def small_problem(spec: ModelSpec, m: int = 7, seed: int = 0):
    """He-initialized params with biases, gammas and betas perturbed, and random X, Y."""
    case = seeded_problem(spec, m=m, seed=seed)
    return case.params, case.X, case.Y


@pytest.fixture(params=list(SPECS))
def spec_name(request):
    return request.param


def course_file_dir(*names):
    """The data folder when it holds every named course file, else skip the test."""
    folder = resolve_data_dir()
    missing = [n for n in names if not (folder / n).exists()]
    if missing:
        pytest.skip(f"course file(s) {', '.join(missing)} not in {folder} (set DLPARITY_DATA)")
    return folder
