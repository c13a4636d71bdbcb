"""Bad input to tf_impl gets a DlparityError naming the problem, never a TensorFlow traceback."""

import numpy as np
import pytest

from dlparity.core.errors import DlparityError
from dlparity.core.init import initial_bn_state, initialize_parameters
from dlparity.core.spec import ModelSpec, TrainConfig
from tf_impl import gradcheck, models, train

DEEP = ModelSpec("deep", (3, 4, 2, 1), keep_prob=0.8)
BN = ModelSpec("softmax_bn", (3, 4, 2), output="softmax", batchnorm=True)
CONFIG = TrainConfig(learning_rate=0.1, num_iterations=3)


def _data(spec, m=6):
    rng = np.random.RandomState(0)
    X = rng.randn(spec.layer_dims[0], m)
    if spec.output == "sigmoid":
        Y = (rng.rand(1, m) < 0.5).astype(float)
    else:
        Y = np.eye(2)[:, [0, 1] * (m // 2)]
    return X, Y, initialize_parameters(spec, "he")


def _raises(match, function, *args, **kwargs):
    with pytest.raises(DlparityError, match=match):
        function(*args, **kwargs)


@pytest.mark.parametrize("function", [models.compute_cost, models.gradients])
def test_missing_and_misshapen_params(function):
    X, Y, params = _data(DEEP)
    _raises("missing W2", function, {k: v for k, v in params.items() if k != "W2"}, X, Y, DEEP)
    _raises(r"W1 has shape \(4, 2\), expected \(4, 3\)", function,
            params | {"W1": np.zeros((4, 2))}, X, Y, DEEP)  # fmt: skip
    _raises("unexpected keys gamma1", function, params | {"gamma1": np.ones((4, 1))}, X, Y, DEEP)


def test_X_and_Y_shapes():
    X, Y, params = _data(DEEP)
    _raises(r"X: shape \(6, 3\)", models.forward, params, X.T, DEEP, training=False)
    _raises(r"Y: shape \(1, 5\)", models.compute_cost, params, X, Y[:, :5], DEEP)


def test_masks_missing_or_misshapen():
    X, Y, params = _data(DEEP)
    masks = {"D1": np.ones((4, 6)), "D2": np.ones((2, 6))}
    _raises("masks: missing D2", models.gradients, params, X, Y, DEEP, masks={"D1": masks["D1"]})
    _raises(r"masks: D1 has shape \(4, 5\), expected \(4, 6\)", models.forward, params, X, DEEP,
            training=True, masks=masks | {"D1": np.ones((4, 5))})  # fmt: skip


def test_batchnorm_state_needed_and_checked():
    X, Y, params = _data(BN)
    _raises("inference with batch norm needs", models.predict, params, X, BN)
    state = initial_bn_state(BN)
    _raises("bn_state: missing var1", models.forward, params, X, BN, training=False,
            bn_state={"mu1": state["mu1"]})  # fmt: skip
    _raises(r"bn_state: mu1 has shape \(1, 4\)", models.gradients, params, X, Y, BN,
            bn_state=state | {"mu1": np.zeros((1, 4))})  # fmt: skip


def test_gradient_check_reports_bad_input():
    X, Y, params = _data(DEEP)
    _raises(r"Y: shape", gradcheck.gradient_check, params, X, Y[:, :2], DEEP)


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda X, Y: (X * np.nan, Y), "X: contains NaN"),
        (lambda X, Y: (X, Y * 2), "labels must be 0 or 1"),
        (lambda X, Y: (X.astype(int), Y), "X: dtype int"),
        (lambda X, Y: (X[:2], Y), r"X: shape \(2, 6\)"),
    ],
)
def test_train_rejects_bad_data(change, match):
    X, Y, params = _data(DEEP)
    _raises(match, train.train, DEEP, CONFIG, change(X, Y), params)


def test_train_rejects_bad_params_and_options():
    X, Y, params = _data(DEEP)
    _raises("missing b3", train.train, DEEP, CONFIG, (X, Y), {k: v for k, v in params.items()
                                                              if k != "b3"})  # fmt: skip
    _raises("randomness: unknown option 'numpy'", train.train, DEEP, CONFIG, (X, Y), params,
            randomness="numpy")  # fmt: skip
    _raises(r"seed: must be an integer in \[0, 2\*\*31\)", train.train, DEEP, CONFIG, (X, Y), params,
            randomness="native", seed=-1)  # fmt: skip
    _raises("unknown option.*jit", train.train, DEEP, CONFIG, (X, Y), params, jit=True)


def test_train_rejects_a_bad_call():
    X, Y, params = _data(DEEP)
    _raises("spec: expected a ModelSpec", train.train, "deep", CONFIG, (X, Y), params)
    _raises("config: expected a TrainConfig", train.train, DEEP, {"lr": 1}, (X, Y), params)
    _raises(r"data: expected a pair \(X, Y\)", train.train, DEEP, CONFIG, X, params)
    _raises("progress: expected a function", train.train, DEEP, CONFIG, (X, Y), params,
            progress=3)  # fmt: skip
