"""Course-exact Keras optimizers vs pure_numpy.optimizers: parameters and state, step by step.

The same seeded gradients go to both for eight updates (four epochs of two batches), with and
without learning-rate decay; Keras' slots are read back under the course's names (v, s, t).
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from dlparity.core.init import initialize_parameters  # noqa: E402
from dlparity.core.schedules import learning_rates  # noqa: E402
from dlparity.core.spec import ModelSpec, TrainConfig  # noqa: E402
from keras_impl import course as keras_course  # noqa: E402
from keras_impl import models as km  # noqa: E402
from parity_tests.conftest import assert_close_in_order  # noqa: E402
from pure_numpy.optimizers import make_optimizer as reference_optimizer  # noqa: E402

SPEC = ModelSpec("deep", (3, 4, 2, 1))
BATCHES, EPOCHS = 2, 4


def keras_state(optimizer, keys):
    """The optimizer's slots under the reference's state names."""
    slots = {
        keras_course.CourseSGD: {"v": "momentums"},
        keras_course.CourseRMSprop: {"s": "_velocities"},
        keras_course.CourseAdam: {"v": "_momentums", "s": "_velocities"},
    }.get(type(optimizer), {})
    state = {}
    for name, attribute in slots.items():
        for key, variable in zip(keys, getattr(optimizer, attribute), strict=True):
            state[f"{name}.{key}"] = np.asarray(variable)
    if isinstance(optimizer, keras_course.CourseAdam):
        state["t"] = np.asarray(optimizer.iterations)
    return state


def reference_state(state):
    flat = {
        f"{name}.{k}": v for name, d in state.items() if isinstance(d, dict) for k, v in d.items()
    }
    return {**flat, **({"t": np.asarray(state["t"])} if "t" in state else {})}


@pytest.mark.parametrize("decay", ["none", "scheduled"])
@pytest.mark.parametrize("name", ["gd", "momentum", "rmsprop", "adam"])
def test_optimizer_steps_and_state_match_reference(name, decay):
    config = TrainConfig(
        learning_rate=0.05, optimizer=name, num_epochs=EPOCHS, mini_batch_size=8,
        decay=decay, decay_rate=1.5, time_interval=2, beta=0.85, beta1=0.8, beta2=0.95,
        epsilon=1e-3,
    )  # fmt: skip
    params = initialize_parameters(SPEC, "he", seed=4)
    keys = list(params)
    optimizer = km.make_optimizer(config, batches_per_epoch=BATCHES)
    variables = [keras.Variable(params[k], name=k) for k in keys]
    reference = reference_optimizer(config)
    ref_params, ref_state = params, reference.init(params)
    rates = learning_rates(config)
    rng = np.random.RandomState(7)
    for step in range(BATCHES * EPOCHS):
        # gradients of mixed sizes, some tiny, so eps and sqrt(s) both matter
        grads = {k: rng.randn(*v.shape) * 10.0 ** rng.randint(-4, 1) for k, v in params.items()}
        optimizer.apply([grads[k] for k in keys], variables)
        ref_params, ref_state = reference.update(
            grads, ref_state, ref_params, float(rates[step // BATCHES])
        )
        got = {k: np.asarray(v) for k, v in zip(keys, variables, strict=True)}
        assert_close_in_order(
            {**ref_params, **reference_state(ref_state)},
            {**got, **keras_state(optimizer, keys)},
            what=f"{name} decay={decay} step {step}",
        )


def test_course_decay_gives_dlparitys_rates_by_step():
    config = TrainConfig(
        learning_rate=0.1, num_epochs=9, mini_batch_size=4, decay="scheduled", decay_rate=0.7,
        time_interval=3,
    )  # fmt: skip
    schedule = keras_course.CourseDecay.from_config_of(config, batches_per_epoch=3)
    got = [float(schedule(step)) for step in range(27)]
    want = [float(rate) for rate in learning_rates(config) for _ in range(3)]
    assert got == want  # bit for bit: the rates are dlparity's own
    assert got[3] == got[0] == 0.1  # epochs 0 and 1 both train with lr0 (the course's lag)
