import numpy as np
import pytest

from dlparity.core.errors import DlparityError
from dlparity.core.init import initial_bn_state, initialize_parameters, parameter_keys
from dlparity.core.plan import make_plan
from dlparity.core.rng import dropout_masks, epoch_permutation, minibatch_bounds
from dlparity.core.schedules import learning_rates, rate_for_epoch, rate_for_update
from dlparity.core.spec import ModelSpec, TrainConfig

SPEC = ModelSpec("deep", (4, 3, 2, 1))


def course_draws(seed, dims, factor):
    """The assignments' way: seed the global generator, then randn layer by layer."""
    state = np.random.get_state()
    np.random.seed(seed)
    Ws = [np.random.randn(dims[l], dims[l - 1]) * factor(dims[l - 1]) for l in range(1, len(dims))]
    np.random.set_state(state)
    return Ws


@pytest.mark.parametrize(
    "scheme, scale, factor",
    [
        ("random", None, lambda n: 0.01),
        ("random", 10.0, lambda n: 10.0),
        ("he", None, lambda n: np.sqrt(2 / n)),
        ("inv_sqrt", None, lambda n: 1 / np.sqrt(n)),
    ],
)
def test_schemes_draw_as_the_course(scheme, scale, factor):
    params = initialize_parameters(SPEC, scheme, seed=3, scale=scale)
    for l, W in enumerate(course_draws(3, SPEC.layer_dims, factor), start=1):
        np.testing.assert_allclose(params[f"W{l}"], W, rtol=1e-15, atol=0)
        assert np.all(params[f"b{l}"] == 0) and params[f"b{l}"].shape == (W.shape[0], 1)


def test_inv_sqrt_divides_like_the_course_bit_for_bit():
    state = np.random.get_state()
    np.random.seed(1)
    W1 = np.random.randn(3, 4) / np.sqrt(4)
    np.random.set_state(state)
    assert np.array_equal(initialize_parameters(SPEC, "inv_sqrt", seed=1)["W1"], W1)


def test_xavier_and_zeros():
    params = initialize_parameters(SPEC, "xavier", seed=1)
    W1 = course_draws(1, SPEC.layer_dims, lambda n: 1.0)[0] * np.sqrt(2 / (4 + 3))
    np.testing.assert_allclose(params["W1"], W1, rtol=1e-15)
    assert all(np.all(v == 0) for v in initialize_parameters(SPEC, "zeros").values())


def test_batchnorm_layers_get_gamma_beta_and_no_bias():
    spec = ModelSpec("softmax_bn", (4, 3, 2, 3), output="softmax", batchnorm=True)
    params = initialize_parameters(spec, "he", seed=1)
    assert list(params) == parameter_keys(spec)
    assert parameter_keys(spec) == ["W1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "b3"]
    assert np.all(params["gamma1"] == 1) and np.all(params["beta2"] == 0)
    state = initial_bn_state(spec)
    assert np.all(state["mu1"] == 0) and np.all(state["var2"] == 1)


def test_init_leaves_global_generator_alone_and_rejects_unknown_scheme():
    before = np.random.get_state()[1].copy()
    initialize_parameters(SPEC, "he", seed=5)
    assert np.array_equal(before, np.random.get_state()[1])
    with pytest.raises(DlparityError, match="init scheme"):
        initialize_parameters(SPEC, "orthogonal")


def test_float32_parameters():
    params = initialize_parameters(SPEC.with_dtype("float32"), "he", seed=1)
    assert all(v.dtype == np.float32 for v in params.values())


def test_epoch_permutation_is_the_course_seed_10_plus_epoch_plus_1():
    state = np.random.get_state()
    np.random.seed(10 + 0 + 1)
    expected = np.random.permutation(300)
    np.random.set_state(state)
    assert np.array_equal(epoch_permutation(300, 0), expected)
    assert np.array_equal(epoch_permutation(5, 3, shuffle=False), np.arange(5))


def test_minibatch_bounds_full_batches_then_remainder():
    assert minibatch_bounds(300, 64) == [(0, 64), (64, 128), (128, 192), (192, 256), (256, 300)]
    assert minibatch_bounds(128, 64) == [(0, 64), (64, 128)]
    assert minibatch_bounds(10, None) == [(0, 10)]


def test_dropout_masks_are_course_draws():
    state = np.random.get_state()
    np.random.seed(1)
    D1 = (np.random.rand(20, 6) < 0.86).astype(int)
    D2 = (np.random.rand(3, 6) < 0.86).astype(int)
    np.random.set_state(state)
    masks = dropout_masks(ModelSpec("deep", (2, 20, 3, 1), keep_prob=0.86).layers, 6)
    assert np.array_equal(masks["D1"], D1) and np.array_equal(masks["D2"], D2)
    assert set(masks) == {"D1", "D2"}


def test_scheduled_decay_has_the_one_epoch_lag():
    config = TrainConfig(0.1, num_epochs=2500, mini_batch_size=64, decay="scheduled",
                         decay_rate=1.0, time_interval=1000)  # fmt: skip
    lrs = learning_rates(config)
    assert lrs[0] == lrs[1] == lrs[1000] == 0.1
    assert lrs[1001] == pytest.approx(0.05) and lrs[2001] == pytest.approx(0.1 / 3)
    inverse = TrainConfig(1.0, num_iterations=5, decay="inverse-time", decay_rate=0.5)
    assert [rate_for_epoch(inverse, e) for e in range(4)] == [1.0, 1.0, 1 / 1.5, 1 / 2.0]
    assert np.all(learning_rates(TrainConfig(0.3, num_iterations=4)) == 0.3)


def test_an_updates_rate_is_its_epochs():
    config = TrainConfig(0.1, num_epochs=6, mini_batch_size=4, decay="scheduled", decay_rate=0.7,
                         time_interval=2)  # fmt: skip
    rates = [rate_for_update(config, count, batches_per_epoch=3) for count in range(18)]
    assert rates == [rate for rate in learning_rates(config) for _ in range(3)]


def test_plan_masks_per_batch_size_and_orders():
    spec = ModelSpec("deep", (2, 4, 3, 1), keep_prob=0.5)
    plan = make_plan(spec, TrainConfig(0.1, num_epochs=3, mini_batch_size=4), 10)
    assert sorted(plan.masks) == [2, 4] and plan.masks_for(2)["D1"].shape == (4, 2)
    assert plan.orders.shape == (3, 10) and not plan.full_batch
    assert np.array_equal(plan.batch_indices(1, 8, 10), epoch_permutation(10, 1)[8:10])
    full = make_plan(SPEC, TrainConfig(0.1, num_iterations=3), 10)
    assert full.full_batch and full.masks == {}
