"""The private Keras attributes keras_impl uses (all in keras_impl/private.py) exist here."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from keras_impl import backend  # noqa: E402
from keras_impl import private as keras_private  # noqa: E402
from keras_impl.course import CourseAdam, CourseRMSprop, CourseSGD  # noqa: E402


def _checked(what: str) -> str:
    return (
        f"{what}: missing in Keras {keras.__version__}; keras_impl/private.py was checked "
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
    backend.configure("float64")
    variable = keras.Variable(np.ones((2, 3)))
    optimizer.build([variable])
    for name in slots:
        assert hasattr(optimizer, name), _checked(f"{type(optimizer).__name__}.{name}")
        assert tuple(keras_private.slot(optimizer, name, variable).shape) == (2, 3)
