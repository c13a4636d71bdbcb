"""Data parallelism for tf_impl.train: tf.distribute.MirroredStrategy over N devices.

Parameters, optimizer state and running batch-norm statistics are MirroredVariables, one copy
per device. Each mini-batch is split by columns into N contiguous blocks, one per replica (sizes
differ by at most one). A replica runs the forward and backward pass on its block and scales
its loss by the global batch: tf.nn.compute_average_loss sums its examples' losses and divides
by the whole mini-batch's size, and tf.nn.scale_regularization_loss divides the L2 term by N,
so the replicas' losses add up to the course's cost J. Their gradients are summed by an
all-reduce; the optimizer's update, computed once from the summed gradients, is written to
every copy. Batch norm is synchronized (tf_impl.layers): its mean and variance are all-reduced
over the replicas, so they are the whole mini-batch's, as on one device.

On a CPU-only machine the N devices are logical CPU devices, which must be configured before
TensorFlow initializes: train(devices=N) does it when it is the first thing to run TensorFlow.
"""

import contextlib

import tensorflow as tf

from dlparity.runtime import devices as device_counts
from dlparity.runtime.strategy import make_strategy
from tf_impl import losses
from tf_impl.models import _forward, cost_and_gradients


class Placement:
    """Where a run's variables and batches live: one device (devices=None) or N replicas."""

    def __init__(self, devices=None):
        self.devices = device_counts.check_count(devices)
        self.strategy = None if self.devices is None else make_strategy(self.devices)

    def scope(self):
        """The context in which train() creates its variables (mirrored under a strategy)."""
        return self.strategy.scope() if self.strategy else contextlib.nullcontext()

    def cost_and_gradients(self, params, X, Y, spec, masks, bn_state):
        """(cost, grads, new bn_state) of the mini-batch (X, Y), computed by the replicas."""
        if self.strategy is None:
            return cost_and_gradients(params, X, Y, spec, masks, bn_state)

        def replica(X, Y, masks):
            return _replica_cost_and_gradients(params, X, Y, spec, masks, bn_state)

        results = self.strategy.run(replica, args=(X, Y, masks))
        # all-reduced: every replica holds the same values
        return tf.nest.map_structure(
            lambda value: self.strategy.experimental_local_results(value)[0], results
        )


def _block(A, context, axis: int = 1):
    """The replica's examples of A, (n, m_b) or images (m_b, n_H, n_W, n_C) with axis=0:
    [r m_b / N, (r + 1) m_b / N), rounded down."""
    r = tf.cast(context.replica_id_in_sync_group, tf.int32)
    start, stop = device_counts.block(tf.shape(A)[axis], r, context.num_replicas_in_sync)
    return A[start:stop] if axis == 0 else A[:, start:stop]


def _example_losses(ZL, Y, spec):
    """Each example's cross-entropy from the logits, (m_r,): the terms the course's J averages."""
    if spec.output == "sigmoid":
        return tf.reduce_sum(losses._binary_logprobs(ZL, Y), axis=0)
    return -tf.reduce_sum(Y * tf.nn.log_softmax(ZL, axis=0), axis=0)


def _replica_cost_and_gradients(params, X, Y, spec, masks, bn_state):
    """One replica's share: its block's loss over the global batch, gradients all-reduced."""
    context = tf.distribute.get_replica_context()
    X_r, Y_r = _block(X, context, spec.examples_axis), _block(Y, context)
    masks_r = None if masks is None else {k: _block(D, context) for k, D in masks.items()}
    m_b = tf.shape(Y)[1]
    with tf.GradientTape() as tape:
        tape.watch(params)
        _, caches, new_bn = _forward(
            params, X_r, spec, training=True, masks=masks_r, bn_state=bn_state
        )
        example_losses = _example_losses(caches[-1][0], Y_r, spec)
        loss = tf.nn.compute_average_loss(example_losses, global_batch_size=m_b)
        if spec.lambd > 0:
            m = tf.cast(m_b, X.dtype)
            loss += tf.nn.scale_regularization_loss(losses.l2_penalty(params, spec.lambd, m))
    grads = tape.gradient(loss, params)
    cost, grads = context.all_reduce("sum", (loss, grads))
    return cost, {k: grads[k] for k in params}, new_bn
