"""jax_impl beyond parity: the package mirrors pure_numpy, native randomness, the compile cache."""

import dataclasses
import importlib
import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jax_impl.activations as ja
import jax_impl.train as jt
from dlparity.core.init import initialize_parameters
from dlparity.core.spec import ModelSpec, TrainConfig

MODULES = ("activations", "layers", "losses", "models", "optimizers", "gradcheck", "train")
# the reference's hand-written backward pieces (the course's and each layer type's), which
# jax.value_and_grad replaces, its per-optimizer formulas, which are optax's here (make_optimizer
# builds them), and its per-type forwards, which are dlparity.core.compose's on JAX's blocks
NOT_MIRRORED = {"relu_backward", "tanh_backward", "linear_backward", "batchnorm_backward",
                "dropout_backward", "conv_backward", "pool_backward", "flatten_backward",
                "create_mask_from_window", "distribute_value", "backward_pool2d", "backward_flatten",
                "backward_dense", "backward_conv2d", "backward_residual",
                "forward_dense", "forward_conv2d", "forward_pool2d", "forward_flatten",
                "forward_batchnorm", "forward_residual", "forward_activation", "forward_dropout",
                "forward_output",
                "backward_batchnorm", "backward_activation", "backward_dropout", "backward_output",
                "gd_init", "gd_update", "momentum_init", "momentum_update",
                "rmsprop_init", "rmsprop_update", "adam_init", "adam_update",
                "adamw_update"}  # fmt: skip
SPEC = ModelSpec("deep", (2, 5, 3, 1), keep_prob=0.8)
CONFIG = TrainConfig(learning_rate=0.05, optimizer="adam", num_epochs=8, mini_batch_size=16,
                     record_every=1)  # fmt: skip


def _public_functions(module):
    return {
        name: f
        for name, f in vars(module).items()
        if inspect.isfunction(f) and not name.startswith("_") and f.__module__ == module.__name__
    }


@pytest.mark.parametrize("module", MODULES)
def test_same_modules_and_function_names_as_the_reference(module):
    reference = _public_functions(importlib.import_module(f"pure_numpy.{module}"))
    ours = _public_functions(importlib.import_module(f"jax_impl.{module}"))
    assert set(reference) - set(ours) <= NOT_MIRRORED
    for name in set(reference) & set(ours):
        expected = _parameters(reference[name])
        if (module, name) == ("optimizers", "make_optimizer"):  # eps_hat is Keras' Adam only
            expected = [p for p in expected if p[0] != "eps_hat"]
        assert _parameters(ours[name]) == expected, name


def _parameters(function):
    """Names, kinds and defaults (not annotations) of a function's parameters."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_float64_is_on():
    assert jax.config.jax_enable_x64
    assert jnp.asarray(1.0).dtype == jnp.float64


def test_sigmoid_gradient_is_finite_where_exp_overflows():
    z = jnp.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    grad = jax.grad(lambda z: jnp.sum(ja.sigmoid(z)))(z)
    assert np.all(np.isfinite(grad))


def test_relu_derivative_at_zero_is_zero():
    assert float(jax.grad(lambda z: ja.relu(z))(0.0)) == 0.0


def _moons(m=40):
    from dlparity.course import data

    X, Y, _, _ = data.load("moons")
    return X[:, :m], Y[:, :m]


def _params():
    return initialize_parameters(SPEC, "he", seed=3)


def test_native_randomness_is_reproducible_and_its_own():
    data = _moons()
    first = jt.train(SPEC, CONFIG, data, _params(), randomness="native", seed=1)
    again = jt.train(SPEC, CONFIG, data, _params(), randomness="native", seed=1)
    other = jt.train(SPEC, CONFIG, data, _params(), randomness="native", seed=2)
    parity = jt.train(SPEC, CONFIG, data, _params())
    assert first.costs == again.costs
    assert first.costs != other.costs
    assert first.costs != parity.costs
    assert first.extra["randomness"] == "native" and parity.extra["randomness"] == "parity"
    assert all(np.isfinite(c) for c in first.costs.values())


def test_native_without_randomness_is_parity():
    """Full batch and no dropout: nothing to draw, so both modes compute the same run."""
    spec = ModelSpec("deep", (2, 5, 3, 1))
    config = TrainConfig(learning_rate=0.05, num_iterations=20, record_every=5)
    params = initialize_parameters(spec, "he", seed=3)
    native = jt.train(spec, config, _moons(), params, randomness="native", seed=4)
    parity = jt.train(spec, config, _moons(), params)
    assert native.costs == parity.costs


def test_native_masks_keep_about_keep_prob():
    masks = jt._draw_masks(
        jax.random.key(0), ModelSpec("deep", (2, 400, 300, 1), keep_prob=0.8), 50
    )
    assert set(masks) == {"D1", "D2"} and masks["D1"].shape == (400, 50)
    assert masks["D1"].dtype == jnp.float64
    assert set(np.unique(np.asarray(masks["D2"]))) == {0.0, 1.0}
    assert abs(float(masks["D1"].mean()) - 0.8) < 0.01
    assert not np.array_equal(np.asarray(masks["D1"][:300]), np.asarray(masks["D2"]))


def test_compiled_once_per_structure_and_progress_after_the_run():
    data = _moons()
    calls = []
    first = jt.train(SPEC, CONFIG, data, _params(), progress=lambda s, c: calls.append((s, c)))
    assert calls == list(first.costs.items())
    assert list(first.costs) == list(range(CONFIG.num_epochs))
    faster = dataclasses.replace(CONFIG, learning_rate=0.01)
    second = jt.train(SPEC, faster, data, _params())
    assert second.compile_seconds == 0.0  # same structure: the compiled run is reused
    assert second.costs != first.costs  # ... with the new rates
    assert second.learning_rates[0] == 0.01
    assert first.seconds > 0 and isinstance(first.params["W1"], np.ndarray)


@pytest.mark.parametrize("steps", [1, 2, 3, 4, 7, 9, 10])
@pytest.mark.parametrize("k", [1, 3])
def test_recording_scan_keeps_the_recorded_steps(steps, k):
    """Chunks of k (a recorded step, then k - 1 in an inner scan) = one scan, recorded costs."""

    def step(carry, x):
        return carry * 1.5 + x, carry - x

    inputs = jnp.arange(steps, dtype=jnp.float64)
    carry, costs = jt._recording_scan(step, jnp.float64(1.0), inputs, k)
    full_carry, full_costs = jax.lax.scan(step, jnp.float64(1.0), inputs)
    recorded = TrainConfig(learning_rate=1.0, num_iterations=steps, record_every=k).recorded_steps()
    assert float(carry) == float(full_carry)
    np.testing.assert_array_equal(np.asarray(costs), np.asarray(full_costs)[recorded])


@pytest.mark.parametrize("first, stop", [(0, 5), (1, 10), (2, 3), (4, 10), (5, 9), (7, 8), (9, 10)])
@pytest.mark.parametrize("k", [1, 3, 4])
def test_recording_scan_of_a_partial_run(first, stop, k):
    """Steps first..stop-1 of a 10-step run record what the whole run records among them."""

    def step(carry, x):
        return carry * 1.5 + x, carry - x

    inputs = jnp.arange(10, dtype=jnp.float64)
    full_carry, full_costs = jax.lax.scan(step, jnp.float64(1.0), inputs[:stop])
    start_carry, _ = jax.lax.scan(step, jnp.float64(1.0), inputs[:first])
    carry, costs = jt._recording_scan(step, start_carry, inputs[first:stop], k, first, stop == 10)
    config = TrainConfig(learning_rate=1.0, num_iterations=10, record_every=k)
    recorded = [s for s in config.recorded_steps() if first <= s < stop]
    assert float(carry) == float(full_carry)
    np.testing.assert_array_equal(np.asarray(costs), np.asarray(full_costs)[recorded])


def test_recording_only_some_steps_changes_no_cost():
    """A run recording every 3rd epoch (its other epochs' costs dropped by XLA) gives the same
    costs at those epochs as a run recording all of them."""
    every = jt.train(SPEC, CONFIG, _moons(), _params())
    sparse = jt.train(SPEC, dataclasses.replace(CONFIG, record_every=3), _moons(), _params())
    assert list(sparse.costs) == [0, 3, 6, 7]
    for step, cost in sparse.costs.items():
        assert cost == pytest.approx(every.costs[step], rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(sparse.params["W1"], every.params["W1"], rtol=1e-12, atol=1e-14)


def test_result_keeps_the_callers_key_order_and_dtype():
    spec32 = SPEC.with_dtype("float32")
    params = dict(reversed(list(_params().items())))
    result = jt.train(spec32, CONFIG, _moons(), params)
    assert list(result.params) == list(params)
    assert all(v.dtype == np.float32 for v in result.params.values())


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
def test_optax_state_inverts_course_state(optimizer):
    """Course terms -> optax's state -> course terms: v, s and t come back (momentum's v through
    the trace v / (1 - beta), to rounding)."""
    from jax_impl.optimizers import course_state, make_optimizer, optax_state

    config = TrainConfig(learning_rate=0.1, optimizer=optimizer, num_epochs=1, beta=0.8)
    params = _params()
    rng = np.random.RandomState(0)
    course = {
        slot: {k: rng.rand(*v.shape) for k, v in params.items()}
        for slot in {"gd": (), "momentum": ("v",), "rmsprop": ("s",), "adam": ("v", "s")}[optimizer]
    }
    if optimizer == "adam":
        course["t"] = 17
    state = optax_state(course, config, make_optimizer(config).init(params))
    back = course_state(state, config)
    assert sorted(back) == sorted(course)
    assert back.get("t") == course.get("t")
    for slot in ("v", "s"):
        for key in course.get(slot, {}):
            # momentum: v / (1 - beta) then (1 - beta) t, two roundings of at most 2^-53 each
            np.testing.assert_allclose(back[slot][key], course[slot][key], rtol=2**-51, atol=0)
