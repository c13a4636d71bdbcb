"""Batch norm: running statistics through several training steps, then inference (float64)."""

import jax
import numpy as np

import jax_impl.models as jm
import jax_impl.optimizers as jo
import pure_numpy.models as nm
import pure_numpy.optimizers as no
from dlparity.core.init import initial_bn_state
from dlparity.core.spec import TrainConfig
from parity_tests.cases import problem
from parity_tests.conftest import assert_close_in_order

STEPS = 6
BATCH = 8


def _train_both():
    """STEPS Adam steps over mini-batches of BATCH; yields each step's two bn_states."""
    spec, params, X, Y, _, _ = problem("batchnorm", m=3 * BATCH)
    config = TrainConfig(learning_rate=0.05, optimizer="adam", num_epochs=1)
    opt, j_opt = no.make_optimizer(config), jo.make_optimizer(config)
    state, bn_state = opt.init(params), initial_bn_state(spec)
    j_params, j_state, j_bn = params, j_opt.init(params), initial_bn_state(spec)
    j_update = jax.jit(j_opt.update)
    for step in range(STEPS):
        cols = slice((step % 3) * BATCH, (step % 3 + 1) * BATCH)
        _, grads, bn_state = nm.gradients(params, X[:, cols], Y[:, cols], spec, bn_state=bn_state)
        params, state = opt.update(grads, state, params, config.learning_rate)
        _, j_grads, j_bn = jm.gradients(j_params, X[:, cols], Y[:, cols], spec, bn_state=j_bn)
        j_params, j_state = j_update(j_grads, j_state, j_params, config.learning_rate)
        yield step, spec, X, (params, bn_state), (j_params, j_bn)


def test_running_statistics_and_inference_after_training():
    steps = list(_train_both())
    for step, _, _, (_, bn_state), (_, j_bn) in steps:
        assert list(j_bn) == list(bn_state)
        assert_close_in_order(bn_state, j_bn, what=f"running statistics after step {step}")
    _, spec, X, (params, bn_state), (j_params, j_bn) = steps[-1]
    assert_close_in_order(params, j_params, what="parameters")
    moved = {k: v for k, v in bn_state.items() if k.startswith("mu")}
    assert all(np.all(v != 0) for v in moved.values())  # the statistics really moved from 0
    AL, _ = nm.forward(params, X, spec, training=False, bn_state=bn_state)
    j_AL, _ = jm.forward(j_params, X, spec, training=False, bn_state=j_bn)
    assert_close_in_order({"AL (inference)": AL}, {"AL (inference)": j_AL})
    np.testing.assert_array_equal(
        np.asarray(jm.predict(j_params, X, spec, bn_state=j_bn)),
        nm.predict(params, X, spec, bn_state=bn_state),
    )


def test_training_forward_updates_the_running_statistics():
    """forward(training=True) returns the state gradients returns; without one it starts at 0, 1."""
    spec, params, X, Y, _, bn_state = problem("batchnorm")
    _, _, expected = nm.gradients(params, X, Y, spec, bn_state=bn_state)
    _, got = jm.forward(params, X, spec, training=True, bn_state=bn_state)
    assert_close_in_order(expected, got, what="from the given state")
    _, _, from_start = nm.gradients(params, X, Y, spec, bn_state=initial_bn_state(spec))
    _, got = jm.forward(params, X, spec, training=True)
    assert_close_in_order(from_start, got, what="from mu 0, var 1")


def test_inference_uses_running_not_batch_statistics():
    spec, params, X, _, _, bn_state = problem("batchnorm")
    train_AL, _ = jm.forward(params, X, spec, training=True, bn_state=bn_state)
    infer_AL, _ = jm.forward(params, X, spec, training=False, bn_state=bn_state)
    assert np.max(np.abs(np.asarray(train_AL) - np.asarray(infer_AL))) > 1e-3
