"""Properties that must hold for any sizes: partitions, schedules, layout round trips."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dlparity.core import layout
from dlparity.core.init import initialize_parameters
from dlparity.core.plan import make_plan
from dlparity.core.rng import minibatch_bounds
from dlparity.core.schedules import learning_rates
from dlparity.core.spec import ModelSpec, TrainConfig


@given(m=st.integers(1, 500), size=st.integers(1, 600))
def test_minibatches_cover_every_example_once_full_batches_first(m, size):
    bounds = minibatch_bounds(m, size)
    assert bounds[0][0] == 0 and bounds[-1][1] == m
    assert all(stop == start for (_, stop), (start, _) in zip(bounds, bounds[1:], strict=False))
    sizes = [stop - start for start, stop in bounds]
    assert all(s == min(size, m) for s in sizes[:-1]) and 0 < sizes[-1] <= size


@settings(max_examples=30, deadline=None)
@given(m=st.integers(1, 200), size=st.integers(1, 64), epochs=st.integers(1, 4))
def test_every_epoch_is_a_permutation(m, size, epochs):
    spec = ModelSpec("deep", (2, 3, 1))
    plan = make_plan(spec, TrainConfig(0.1, num_epochs=epochs, mini_batch_size=size), m)
    for step in range(epochs):
        seen = np.concatenate([plan.batch_indices(step, a, b) for a, b in plan.bounds])
        assert np.array_equal(np.sort(seen), np.arange(m))


@given(
    rate=st.floats(0.0, 5.0),
    interval=st.integers(1, 50),
    kind=st.sampled_from(["inverse-time", "scheduled"]),
)
def test_decayed_rates_never_rise_and_start_at_lr0(rate, interval, kind):
    config = TrainConfig(
        0.1, num_iterations=120, decay=kind, decay_rate=rate, time_interval=interval
    )
    lrs = learning_rates(config)
    assert lrs[0] == lrs[1] == 0.1
    assert np.all(np.diff(lrs) <= 0) and np.all(lrs > 0)


@settings(max_examples=25, deadline=None)
@given(dims=st.lists(st.integers(1, 6), min_size=2, max_size=4), seed=st.integers(0, 100))
def test_keras_layout_round_trip(dims, seed):
    spec = ModelSpec("softmax_bn", (*dims, 3), output="softmax", batchnorm=True)
    params = initialize_parameters(spec, "he", seed=seed)
    params, bn_state = layout.from_keras_weights(layout.to_keras_weights(params, spec), spec)
    again, _ = layout.from_keras_weights(layout.to_keras_weights(params, spec, bn_state), spec)
    assert all(np.array_equal(params[k], again[k]) for k in params)
