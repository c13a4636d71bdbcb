"""The private Keras attributes tf_impl uses (all in tf_impl/keras_private.py) exist here."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from tf_impl import keras_private, precision  # noqa: E402
from tf_impl.keras_course import CourseAdam, CourseRMSprop, CourseSGD  # noqa: E402


def _checked(what: str) -> str:
    return (
        f"{what}: missing in Keras {keras.__version__}; tf_impl/keras_private.py was checked "
        f"against Keras {keras_private.KERAS_CHECKED}"
    )


@pytest.mark.parametrize(
    "optimizer, slots",
    [
        (CourseSGD(0.1, momentum=0.9), ["momentums"]),
        (CourseRMSprop(0.1), ["_velocities"]),
        (CourseAdam(0.1), ["_momentums", "_velocities"]),
    ],
)
def test_optimizer_slots(optimizer, slots):
    precision.configure("float64")
    variable = keras.Variable(np.ones((2, 3)))
    optimizer.build([variable])
    for name in slots:
        assert hasattr(optimizer, name), _checked(f"{type(optimizer).__name__}.{name}")
        assert tuple(keras_private.slot(optimizer, name, variable).shape) == (2, 3)


@pytest.mark.parametrize("activation", ["sigmoid", "softmax"])
def test_logits_behind_an_activation(activation):
    precision.configure("float64")
    Z = keras.ops.convert_to_tensor(np.array([[0.5, -1.0]]), "float64")
    output = getattr(keras.activations, activation)(Z)
    logits = keras_private.logits(output)
    assert logits is not None, _checked(f"{activation} output's _keras_logits")
    np.testing.assert_array_equal(np.asarray(logits), np.asarray(Z))
