"""The training driver (dlparity.core.driver): one signature, options checked once, recording,
resume, and each framework's part of the interface (its state to and from the course's terms)."""

import importlib
import inspect
from dataclasses import replace

import numpy as np
import pytest

from dlparity.core import driver
from dlparity.core.errors import DlparityError
from dlparity.core.framework import Framework
from dlparity.core.init import initial_bn_state, initialize_parameters
from dlparity.core.plan import make_plan
from dlparity.core.spec import ModelSpec, TrainConfig
from dlparity.core.state import TrainState, initial_optimizer_state, map_optimizer
from pure_numpy import train as nt

SPEC = ModelSpec("deep", (2, 4, 3, 1), keep_prob=0.8)
BN = ModelSpec("softmax_bn", (2, 4, 3), output="softmax", batchnorm=True)
CONFIG = TrainConfig(learning_rate=0.05, optimizer="adam", num_epochs=6, mini_batch_size=16,
                     record_every=2)  # fmt: skip
TRAIN_MODULES = {"numpy": "pure_numpy.train", "jax": "jax_impl.train", "tf": "tf_impl.train",
                 "keras": "keras_impl.train"}  # fmt: skip
NEEDS = {"jax": "jax", "tf": "tensorflow", "keras": "keras"}


def _data(m=40, classes=1):
    rs = np.random.RandomState(0)
    X = rs.randn(2, m)
    if classes == 1:
        return X, (X[0:1] * X[1:2] > 0).astype(float)
    labels = rs.randint(classes, size=m)
    return X, np.eye(classes)[:, labels]


def _params(spec=SPEC):
    return initialize_parameters(spec, "he", seed=2)


def _module(framework):
    if framework in NEEDS:
        pytest.importorskip(NEEDS[framework])
    return importlib.import_module(TRAIN_MODULES[framework])


def test_the_options_of_the_signature_are_the_driver_options():
    keywords = [
        name
        for name, p in inspect.signature(nt.train).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    assert keywords == ["progress", "start", "stop", *driver.OPTION_NAMES]
    defaults = driver.Options()
    for name in driver.OPTION_NAMES:
        assert inspect.signature(nt.train).parameters[name].default == getattr(defaults, name)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"randomness": "native"}, "^randomness: not an option of numpy; it takes progress, start"),
        ({"devices": 2}, "^devices: numpy trains on one device"),
        ({"stock": True}, "^stock: not an option of numpy"),
        ({"seed": 3}, "^seed: not an option of numpy"),
        ({"randomnes": "native"}, "^train: unknown option 'randomnes'; numpy takes progress"),
    ],
)
def test_an_option_the_framework_lacks_is_one_line(options, message):
    with pytest.raises(DlparityError, match=message):
        nt.train(SPEC, CONFIG, _data(), _params(), **options)


def test_options_at_their_defaults_are_accepted_everywhere():
    plain = nt.train(SPEC, CONFIG, _data(), _params())
    given = nt.train(SPEC, CONFIG, _data(), _params(), randomness="parity", seed=0,
                     devices=None, stock=False, loss_reduction="mean")  # fmt: skip
    assert given.costs == plain.costs


@pytest.mark.parametrize("framework", ["jax", "tf"])
def test_keras_options_are_refused_by_the_others(framework):
    with pytest.raises(DlparityError, match=f"^steps_per_execution: not an option of {framework}"):
        _module(framework).train(SPEC, CONFIG, _data(), _params(), steps_per_execution=4)


def test_keras_refuses_native_randomness():
    with pytest.raises(DlparityError, match="^randomness: not an option of keras"):
        _module("keras").train(SPEC, CONFIG, _data(), _params(), randomness="native")


def test_stock_must_be_a_bool():
    with pytest.raises(DlparityError, match="^stock: must be True or False"):
        _module("keras").train(SPEC, CONFIG, _data(), _params(), stock="yes")


class _Fake(driver.Loop):
    """A framework whose segment reports some costs live and returns none: the driver's check."""

    descriptor = Framework("fake", package="fake", train="fake:train", predict="fake:predict")

    def load(self, state, run):
        return state

    def segment(self, run, carry):
        class Live(driver.Segment):
            def run(self, carry, record):
                record(run.plan.recorded[0], 1.0)  # the others never come
                return driver.Ran(carry, 0.0)

        return Live()

    def save(self, carry, run):
        return carry.params, carry.bn_state, None


def test_a_segment_must_record_every_recorded_step():
    with pytest.raises(AssertionError):
        driver.trainer(_Fake)(SPEC, CONFIG, _data(), _params())


def test_no_end_state_without_a_course_optimizer_state():
    class Whole(_Fake):
        def segment(self, run, carry):
            class AtTheEnd(driver.Segment):
                compile_seconds = 2.0

                def run(self, carry, record):
                    return driver.Ran(carry, 1.0, 0.5, costs=[0.5] * len(run.plan.recorded))

            return AtTheEnd()

    seen = []
    result = driver.trainer(Whole)(
        SPEC, CONFIG, _data(), _params(), progress=lambda *a: seen.append(a)
    )
    assert result.end is None and result.costs == {0: 0.5, 2: 0.5, 4: 0.5, 5: 0.5}
    assert seen == list(result.costs.items())
    assert (result.seconds, result.compile_seconds) == (1.0, 2.5)


def _state(spec, config, step=2):
    """A mid-run TrainState with nonzero moments, to convert there and back."""
    rs = np.random.RandomState(5)
    params = initialize_parameters(spec, "he", seed=1)
    optimizer = map_optimizer(initial_optimizer_state(config, params), lambda v: rs.rand(*v.shape))
    if "t" in optimizer:
        optimizer["t"] = 7
    bn_state = {k: v + rs.rand(*v.shape) for k, v in initial_bn_state(spec).items()}
    return TrainState(params, bn_state, optimizer, step)


@pytest.mark.parametrize("framework", ["numpy", "jax", "tf"])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
@pytest.mark.parametrize("spec", [SPEC, BN], ids=["dropout", "batchnorm"])
def test_the_state_crosses_to_the_framework_and_back(framework, optimizer, spec):
    """Loop.load then Loop.save gives the course's state back (the optimizer's v, s and t in
    its own terms there: optax's momentum trace is v / (1 - beta), TF's are Variables)."""
    loop = _module(framework).Loop
    config = TrainConfig(learning_rate=0.1, optimizer=optimizer, num_epochs=4, mini_batch_size=8)
    state = _state(spec, config)
    X, Y = _data(classes=spec.layer_dims[-1])
    plan = make_plan(spec, config, X.shape[1], first=state.step)
    run = driver.Run(spec, config, plan, driver.Options(), X, Y)
    params, bn_state, course = loop(spec, config, driver.Options()).save(
        loop(spec, config, driver.Options()).load(state, run), run
    )
    for got, want in ((params, state.params), (bn_state, state.bn_state)):
        assert sorted(got) == sorted(want)  # the driver puts them in the start's order
        for key in want:
            np.testing.assert_allclose(got[key], want[key], rtol=1e-15, atol=0)
    assert sorted(course) == sorted(state.optimizer)
    for slot, value in state.optimizer.items():
        if slot == "t":
            assert course["t"] == value and isinstance(course["t"], int)
            continue
        for key in value:
            np.testing.assert_allclose(course[slot][key], value[key], rtol=1e-15, atol=0)


@pytest.mark.parametrize("framework", ["jax", "tf"])
def test_native_draws_of_a_step_depend_on_the_seed_and_step_alone(framework):
    """A longer native run with the same seed starts as the shorter one."""
    train = _module(framework).train
    config = TrainConfig(learning_rate=0.05, optimizer="adam", num_epochs=4, mini_batch_size=16,
                         record_every=1)  # fmt: skip
    short = train(SPEC, config, _data(), _params(), randomness="native", seed=9)
    longer = train(SPEC, replace(config, num_epochs=7), _data(), _params(), randomness="native",
                   seed=9)  # fmt: skip
    np.testing.assert_allclose(
        [short.costs[s] for s in range(4)], [longer.costs[s] for s in range(4)], rtol=1e-13
    )
    assert short.extra["randomness"] == "native" and short.extra["seed"] == 9
