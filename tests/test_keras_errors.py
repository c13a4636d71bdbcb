"""Bad input to the Keras flavour: a DlparityError naming the problem, never a deep traceback."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from dlparity.core.errors import DlparityError  # noqa: E402
from dlparity.core.init import initial_bn_state, initialize_parameters  # noqa: E402
from dlparity.core.spec import ModelSpec, TrainConfig  # noqa: E402
from keras_impl import course as keras_course  # noqa: E402
from keras_impl import models as km  # noqa: E402
from keras_impl import train as kt  # noqa: E402

DEEP = ModelSpec("deep", (2, 3, 1))
BN = ModelSpec("softmax_bn", (2, 3, 2), output="softmax", batchnorm=True)
CONFIG = TrainConfig(learning_rate=0.1, num_iterations=2)
X = np.random.RandomState(0).randn(2, 6)
Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0]])


def params(spec=DEEP):
    return initialize_parameters(spec, "he")


@pytest.mark.parametrize(
    "data, message",
    [
        ((X.T, Y), r"X: shape \(6, 2\), expected \(2, m\)"),
        ((X, Y[:, :4]), r"Y: shape \(1, 4\), expected \(1, 6\)"),
        ((X, Y * 2), "labels must be 0 or 1"),
        ((np.where(X > 0, np.nan, X), Y), "X: contains NaN"),
    ],
)
def test_train_rejects_bad_data(data, message):
    with pytest.raises(DlparityError, match=message):
        kt.train(DEEP, CONFIG, data, params())


def test_train_rejects_bad_params_and_options():
    bad = {**params(), "W1": np.zeros((2, 3))}
    with pytest.raises(DlparityError, match=r"W1 has shape \(2, 3\), expected \(3, 2\)"):
        kt.train(DEEP, CONFIG, (X, Y), bad)
    for option, message in [
        ({"initializer": "he"}, "initializer: unknown option 'he'"),
        ({"loss_reduction": "max"}, "loss_reduction: unknown option 'max'"),
        ({"steps_per_execution": 0}, "steps_per_execution: must be a positive integer"),
    ]:
        with pytest.raises(DlparityError, match=message):
            kt.train(DEEP, CONFIG, (X, Y), params(), **option)
    with pytest.raises(DlparityError, match="the summed loss .C2W3. has no L2 term"):
        kt.train(
            ModelSpec("deep", (2, 3, 1), lambd=0.1), CONFIG, (X, Y), params(), loss_reduction="sum"
        )
    with pytest.raises(DlparityError, match="steps_per_execution: must be a positive integer"):
        kt.train(DEEP, CONFIG, (X, Y), params(), steps_per_execution=2.0)
    with pytest.raises(
        DlparityError, match="glorot_normal .C2W3. is for networks without batch norm"
    ):
        kt.train(BN, CONFIG, (X, np.vstack([Y, 1 - Y])), None, initializer="glorot_normal")


def test_contract_functions_check_shapes_and_state():
    with pytest.raises(DlparityError, match=r"X: shape \(3, 6\), expected \(2, m\)"):
        km.forward(params(), np.zeros((3, 6)), DEEP, training=False)
    with pytest.raises(DlparityError, match=r"Y: shape \(2, 6\), expected \(1, 6\)"):
        km.compute_cost(params(), X, np.zeros((2, 6)), DEEP)
    with pytest.raises(DlparityError, match="params: missing b2"):
        km.predict({k: v for k, v in params().items() if k != "b2"}, X, DEEP)
    with pytest.raises(
        DlparityError, match="inference with batch norm needs the running statistics"
    ):
        km.predict(params(BN), X, BN)
    with pytest.raises(DlparityError, match=r"bn_state: var1 has shape \(3,\)"):
        km.predict(params(BN), X, BN, bn_state={**initial_bn_state(BN), "var1": np.ones(3)})


def test_build_model_checks_masks_and_l2_batch_size():
    dropout = ModelSpec("deep", (2, 3, 4, 1), keep_prob=0.5)
    with pytest.raises(DlparityError, match="masks: missing D2"):
        km.build_model(dropout, masks={"D1": np.ones((3, 6))})
    with pytest.raises(DlparityError, match=r"masks: D2 has shape \(4, 5\), expected \(4, 6\)"):
        km.build_model(dropout, masks={"D1": np.ones((3, 6)), "D2": np.ones((4, 5))})
    with pytest.raises(DlparityError, match="given for batch size 5, but D1 has 6 columns"):
        km.build_model(dropout, masks={5: {"D1": np.ones((3, 6)), "D2": np.ones((4, 6))}})
    with pytest.raises(DlparityError, match="L2's factor lambd / 2m needs the batch size"):
        km.build_model(ModelSpec("deep", (2, 3, 1), lambd=0.1))


def test_fixed_dropout_without_a_mask_for_the_batch_size():
    layer = keras_course.FixedDropout(0.5, {4: np.ones((4, 3))}, name="dropout1")
    assert np.asarray(layer(np.ones((6, 3)), training=False)).shape == (6, 3)
    with pytest.raises(DlparityError, match="dropout1: no dropout mask for a batch of 6"):
        layer(np.ones((6, 3)), training=True)
    with pytest.raises(
        DlparityError, match=r"mask for batch size 4 has shape \(4, 3\), expected \(4, 5\)"
    ):
        keras_course.FixedDropout(0.5, {4: np.ones((4, 3))})(np.ones((4, 5)), training=True)


def test_course_regularizer_without_a_batch_size_is_one_line():
    with pytest.raises(DlparityError, match=r"lambd / 2m needs the batch size m"):
        keras_course.CourseL2(0.7)(np.ones((2, 3)))
