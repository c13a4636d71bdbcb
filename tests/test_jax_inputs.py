"""jax_impl rejects bad input with a DlparityError that names the problem."""

import jax
import numpy as np
import pytest

import jax_impl.models as jm
import jax_impl.train as jt
from dlparity.core.errors import DlparityError
from dlparity.core.init import initial_bn_state, initialize_parameters
from dlparity.core.spec import ModelSpec, TrainConfig

SPEC = ModelSpec("deep", (3, 4, 1))
DROPOUT = ModelSpec("deep", (3, 4, 1), keep_prob=0.8)
BN = ModelSpec("softmax_bn", (3, 4, 2), output="softmax", batchnorm=True)
CONFIG = TrainConfig(learning_rate=0.1, num_iterations=3)


def _data(spec=SPEC, m=5):
    rng = np.random.RandomState(0)
    X = rng.randn(spec.layer_dims[0], m)
    if spec.output == "softmax":
        return X, np.eye(spec.layer_dims[-1])[:, rng.randint(0, spec.layer_dims[-1], m)]
    return X, (rng.rand(1, m) < 0.5).astype(float)


def _params(spec=SPEC):
    return initialize_parameters(spec, "he")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: p.pop("b1"), "params: missing b1"),
        (lambda p: p.update(W1=np.zeros((4, 2))), "W1 has shape (4, 2), expected (4, 3)"),
        (lambda p: p.update(gamma1=np.ones((4, 1))), "unexpected keys gamma1"),
    ],
    ids=["missing", "shape", "stray"],
)
def test_bad_params(change, message):
    params = _params()
    change(params)
    X, Y = _data()
    for call in (
        lambda: jm.gradients(params, X, Y, SPEC),
        lambda: jm.compute_cost(params, X, Y, SPEC),
        lambda: jm.forward(params, X, SPEC, training=True),
        lambda: jm.predict(params, X, SPEC),
    ):
        with pytest.raises(DlparityError, match=message.replace("(", r"\(").replace(")", r"\)")):
            call()


def test_bad_X_and_Y():
    X, Y = _data()
    with pytest.raises(DlparityError, match="X: shape"):
        jm.forward(_params(), X[:2], SPEC, training=False)
    with pytest.raises(DlparityError, match="Y: shape"):
        jm.gradients(_params(), X, Y[:, :3], SPEC)


def test_labels_must_be_zero_or_one():
    X, Y = _data()
    with pytest.raises(DlparityError, match="Y: labels must be 0 or 1"):
        jm.compute_cost(_params(), X, Y * 0.5, SPEC)
    with pytest.raises(DlparityError, match="Y: labels must be 0 or 1"):
        jm.gradients(_params(), X, Y * 0.5, SPEC)


@pytest.mark.parametrize(
    "masks, message",
    [({}, "masks: missing D1"), ({"D1": np.ones((4, 2))}, r"masks: D1 has shape \(4, 2\)")],
    ids=["missing", "shape"],
)
def test_bad_masks(masks, message):
    X, Y = _data(DROPOUT)
    with pytest.raises(DlparityError, match=message):
        jm.gradients(_params(DROPOUT), X, Y, DROPOUT, masks=masks)


def test_bad_bn_state():
    X, Y = _data(BN)
    params = _params(BN)
    with pytest.raises(DlparityError, match="bn_state: inference with batch norm needs"):
        jm.predict(params, X, BN)
    bad = initial_bn_state(BN)
    bad["var1"] = np.ones((3, 1))
    with pytest.raises(
        DlparityError, match=r"bn_state: var1 has shape \(3, 1\), expected \(4, 1\)"
    ):
        jm.forward(params, X, BN, training=False, bn_state=bad)
    del bad["var1"]
    with pytest.raises(DlparityError, match="bn_state: missing var1"):
        jm.gradients(params, X, Y, BN, bn_state=bad)


@pytest.mark.parametrize(
    "options, message",
    [
        (
            {"randomness": "numpy"},
            "randomness: unknown option 'numpy'; choose one of parity, native",
        ),
        ({"seed": -1}, "seed: must be an integer"),
        ({"seed": True}, "seed: must be an integer"),
        ({"seed": 1.5}, "seed: must be an integer"),
        ({"randomnes": "native"}, "train: unknown option 'randomnes'"),
    ],
)
def test_bad_train_options(options, message):
    with pytest.raises(DlparityError, match=message):
        jt.train(SPEC, CONFIG, _data(), _params(), **options)


def test_bad_train_arguments():
    X, Y = _data()
    with pytest.raises(DlparityError, match="spec: expected a ModelSpec"):
        jt.train("deep", CONFIG, (X, Y), _params())
    with pytest.raises(DlparityError, match="config: expected a TrainConfig"):
        jt.train(SPEC, {"learning_rate": 0.1}, (X, Y), _params())
    with pytest.raises(DlparityError, match=r"data: expected a pair \(X, Y\)"):
        jt.train(SPEC, CONFIG, (X, Y, X, Y), _params())
    with pytest.raises(DlparityError, match="progress: expected a function"):
        jt.train(SPEC, CONFIG, (X, Y), _params(), progress="print")


def test_bad_training_data():
    X, Y = _data()
    X[0, 0] = np.nan
    with pytest.raises(DlparityError, match="X: contains NaN"):
        jt.train(SPEC, CONFIG, (X, Y), _params())
    X, Y = _data()
    with pytest.raises(DlparityError, match="Y: labels must be 0 or 1"):
        jt.train(SPEC, CONFIG, (X, Y + 1), _params())
    params = _params()
    params["W1"] = np.zeros((4, 2))
    with pytest.raises(DlparityError, match="W1 has shape"):
        jt.train(SPEC, CONFIG, (X, Y), params)


def test_float64_without_x64_is_refused():
    """If jax_impl/__init__ did not run (a namespace-package import), fail instead of float32."""
    X, Y = _data()
    jax.config.update("jax_enable_x64", False)
    try:
        with pytest.raises(DlparityError, match="float64 needs jax_enable_x64"):
            jm.forward(_params(), X, SPEC, training=True)
        with pytest.raises(DlparityError, match="float64 needs jax_enable_x64"):
            jt.train(SPEC, CONFIG, (X, Y), _params())
    finally:
        jax.config.update("jax_enable_x64", True)
