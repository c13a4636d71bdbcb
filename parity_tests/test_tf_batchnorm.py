"""Batch norm in tf_impl equals the reference: running statistics after training, inference outputs.

Running statistics start at mu = 0, var = 1 (dlparity.core.init.initial_bn_state) and are updated
running * momentum + batch * (1 - momentum) after every mini-batch; inference uses them.
"""

import numpy as np
import pytest

from dlparity.core.init import initial_bn_state, initialize_parameters
from dlparity.core.spec import ModelSpec, TrainConfig
from parity_tests.cases import problem
from parity_tests.conftest import assert_close_in_order
from pure_numpy import models as ref
from pure_numpy import train as ref_train
from tf_impl import models as tfm
from tf_impl import train as tf_train


def test_one_step_updates_running_statistics():
    case = problem("batchnorm", m=13)
    state0 = initial_bn_state(case.spec)
    _, _, expected = ref.gradients(case.params, case.X, case.Y, case.spec, bn_state=state0)
    _, _, actual = tfm.gradients(case.params, case.X, case.Y, case.spec, bn_state=state0)
    assert_close_in_order(expected, actual, what="running statistics")
    assert not np.allclose(actual["mu1"], 0)  # the update happened


def test_forward_in_training_returns_updated_statistics():
    case = problem("batchnorm")
    _, new_state = tfm.forward(case.params, case.X, case.spec, training=True,
                               bn_state=case.bn_state)  # fmt: skip
    _, _, expected = ref.gradients(case.params, case.X, case.Y, case.spec, bn_state=case.bn_state)
    assert_close_in_order(expected, new_state)
    _, kept = tfm.forward(case.params, case.X, case.spec, training=False, bn_state=case.bn_state)
    assert_close_in_order(case.bn_state, kept)


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_statistics_and_inference_after_training(optimizer):
    """A few epochs of shuffled mini-batches with a short last batch (m = 60, batches of 16).

    The short batch has 12 examples: batch norm over 2 examples is ill-conditioned (the variance
    of two points), and there 1e-16 input differences become 1e-11 in either implementation.
    """
    spec = ModelSpec("softmax_bn", (5, 8, 6, 3), output="softmax", batchnorm=True, bn_momentum=0.8)
    config = TrainConfig(learning_rate=0.05, optimizer=optimizer, num_epochs=4, mini_batch_size=16,
                         record_every=1)  # fmt: skip
    rng = np.random.RandomState(3)
    X = rng.randn(5, 60)
    Y = np.eye(3)[:, rng.randint(3, size=60)]
    params0 = initialize_parameters(spec, "he", seed=2)
    expected = ref_train.train(spec, config, (X, Y), params0)
    actual = tf_train.train(spec, config, (X, Y), params0)
    assert_close_in_order(expected.bn_state, actual.bn_state, what="running statistics")
    assert_close_in_order(expected.params, actual.params, what="params")
    X_new = rng.randn(5, 20)
    AL_ref, _ = ref.forward(expected.params, X_new, spec, training=False,
                            bn_state=expected.bn_state)  # fmt: skip
    AL, _ = tfm.forward(actual.params, X_new, spec, training=False, bn_state=actual.bn_state)
    assert_close_in_order({"AL": AL_ref}, {"AL": AL}, what="inference")
    labels_ref = ref.predict(expected.params, X_new, spec, bn_state=expected.bn_state)
    labels = tfm.predict(actual.params, X_new, spec, bn_state=actual.bn_state)
    np.testing.assert_array_equal(labels, labels_ref)
