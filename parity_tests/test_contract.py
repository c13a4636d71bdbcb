"""One contract in every package: the same signatures, return structures and input rules.

Every package checks its inputs through dlparity.core.contract, so a bad input gets the same one-line
DlparityError everywhere, and a convertible one (a list, integer labels) the same conversion.
"""

import importlib
import inspect

import numpy as np
import pytest

from dlparity.core.errors import DlparityError
from dlparity.core.init import initial_bn_state
from dlparity.core.layers import ConvBlock
from dlparity.core.spec import ModelSpec
from parity_tests.conftest import seeded_problem

PACKAGES = {
    "numpy": ("pure_numpy.models", None),
    "jax": ("jax_impl.models", "jax"),
    "tf": ("tf_impl.models", "tensorflow"),
    "keras": ("keras_impl.models", "keras"),
}
CONTRACT = ("forward", "compute_cost", "gradients", "predict")
DEEP = ModelSpec("deep", (3, 5, 4, 1), keep_prob=0.8)
BN = ModelSpec("softmax_bn", (3, 5, 4, 3), output="softmax", batchnorm=True)


@pytest.fixture
def models(framework):
    """Each framework's models module: the parity suite's framework fixture (conftest)."""
    return framework


def _parameters(function):
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_contract_functions_have_one_signature():
    reference = importlib.import_module("pure_numpy.models")
    reference_train = importlib.import_module("pure_numpy.train").train
    for name, needs in PACKAGES.values():
        if needs and importlib.util.find_spec(needs) is None:
            continue
        module = importlib.import_module(name)
        for function in CONTRACT:
            assert _parameters(getattr(module, function)) == _parameters(
                getattr(reference, function)
            ), f"{name}.{function}"
        train = importlib.import_module(name.replace(".models", ".train")).train
        assert _parameters(train) == _parameters(reference_train), f"{name}: train"


@pytest.mark.parametrize("spec", [DEEP, BN], ids=["dropout", "batchnorm"])
def test_return_structures(models, spec):
    case = seeded_problem(spec, m=6)
    bn_state = case.bn_state
    AL, state = models.forward(case.params, case.X, spec, training=True, bn_state=bn_state)
    assert np.shape(AL) == case.Y.shape and isinstance(state, dict)
    assert list(state) == list(initial_bn_state(spec))
    cost, grads, state = models.gradients(case.params, case.X, case.Y, spec, bn_state=bn_state)
    assert np.shape(cost) == () and list(grads) == list(case.params)
    assert list(state) == list(initial_bn_state(spec))
    labels = models.predict(case.params, case.X, spec, bn_state=bn_state)
    assert type(labels) is np.ndarray and labels.dtype == np.float64 and labels.shape == (1, 6)


def _call(models, X=None, Y=None, spec=DEEP, **options):
    case = seeded_problem(spec, m=6)
    X = case.X if X is None else X
    Y = case.Y if Y is None else Y
    return models.compute_cost(case.params, X, Y, spec, **options)


X6 = seeded_problem(DEEP, m=6).X


@pytest.mark.parametrize(
    "X, message",
    [
        (X6.astype(str), "X: dtype <U"),
        (np.where(X6 > 0, np.nan, X6), "X: contains NaN or infinite values"),
        (np.zeros((3, 0)), r"X: no examples \(m = 0\)"),
        (X6.astype(np.float32), "X: float32 values under a float64 spec"),
        (np.round(X6 * 10).astype(int), r"X: dtype int64, expected floating-point numbers \("),
        ([[1.0, 2.0], [3.0]], "X: not an array of numbers"),
    ],
    ids=["strings", "nan", "empty", "float32", "int", "ragged"],
)
def test_bad_X_is_one_line_everywhere(models, X, message):
    with pytest.raises(DlparityError, match=message):
        _call(models, X=X, Y=np.zeros((1, 6)))


CONVNET = ModelSpec("convnet", (8, 3), output="softmax", input_shape=(4, 4, 2),
                    conv_blocks=(ConvBlock(3, 2, pad=1),))  # fmt: skip


@pytest.mark.parametrize(
    "shape, message",
    [
        ((32, 5), r"X: shape \(32, 5\), expected \(m, 4, 4, 2\) with examples first"),
        ((4, 4, 2, 5), r"X: shape \(4, 4, 2, 5\), expected \(m, 4, 4, 2\)"),
        ((0, 4, 4, 2), r"X: no examples \(m = 0\)"),
    ],
    ids=["columns", "examples-last", "empty"],
)
def test_bad_images_are_one_line_everywhere(models, shape, message):
    p = seeded_problem(CONVNET, m=5)
    with pytest.raises(DlparityError, match=message):
        models.compute_cost(p.params, np.zeros(shape), p.Y, CONVNET)


def test_lists_and_integer_or_boolean_labels_are_converted(models):
    case = seeded_problem(DEEP, m=6)
    expected = float(_call(models))
    assert float(_call(models, X=case.X.tolist())) == expected
    assert float(_call(models, Y=case.Y.astype(int))) == expected
    assert float(_call(models, Y=case.Y.astype(bool))) == expected


@pytest.mark.parametrize(
    "masks, message",
    [
        ({"D1": np.ones((5, 1)), "D2": np.ones((4, 6))}, r"masks: D1 has shape \(5, 1\)"),
        ({"D1": np.full((5, 6), 0.5), "D2": np.ones((4, 6))}, "masks: D1 must hold 0s and 1s"),
        ({"D1": np.ones((5, 6))}, "masks: missing D2"),
    ],
)
def test_bad_masks_are_refused_everywhere(models, masks, message):
    with pytest.raises(DlparityError, match=message):
        _call(models, masks=masks)


def test_bad_labels_and_bn_state(models):
    with pytest.raises(DlparityError, match="Y: labels must be 0 or 1"):
        _call(models, Y=np.full((1, 6), 0.5))
    case = seeded_problem(BN, m=6)
    with pytest.raises(DlparityError, match="Y: softmax labels must be one-hot"):
        _call(models, spec=BN, Y=np.ones((3, 6)), bn_state=case.bn_state)
    bad = {**case.bn_state, "var1": -case.bn_state["var1"]}
    with pytest.raises(DlparityError, match="bn_state: var1 has negative variances"):
        models.predict(case.params, case.X, BN, bn_state=bad)
