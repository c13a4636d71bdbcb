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

from dlparity import devices as device_counts
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


def _block(A, context):
    """The replica's columns of A (n, m_b): [r m_b / N, (r + 1) m_b / N), rounded down."""
    r = tf.cast(context.replica_id_in_sync_group, tf.int32)
    start, stop = device_counts.block(tf.shape(A)[1], r, context.num_replicas_in_sync)
    return A[:, start:stop]


def _example_losses(ZL, Y, spec):
    """Each example's cross-entropy from the logits, (m_r,): the terms the course's J averages."""
    if spec.output == "sigmoid":
        return tf.reduce_sum(losses._binary_logprobs(ZL, Y), axis=0)
    return -tf.reduce_sum(Y * tf.nn.log_softmax(ZL, axis=0), axis=0)


def _replica_cost_and_gradients(params, X, Y, spec, masks, bn_state):
    """One replica's share: its block's loss over the global batch, gradients all-reduced."""
    context = tf.distribute.get_replica_context()
    X_r, Y_r = _block(X, context), _block(Y, context)
    masks_r = None if masks is None else {k: _block(D, context) for k, D in masks.items()}
    m_b = tf.shape(X)[1]
    with tf.GradientTape() as tape:
        tape.watch(params)
        _, caches, new_bn = _forward(
            params, X_r, spec, training=True, masks=masks_r, bn_state=bn_state
        )
        example_losses = _example_losses(caches[-1]["Z"], Y_r, spec)
        loss = tf.nn.compute_average_loss(example_losses, global_batch_size=m_b)
        if spec.lambd > 0:
            m = tf.cast(m_b, X.dtype)
            loss += tf.nn.scale_regularization_loss(losses.l2_penalty(params, spec.lambd, m))
    grads = tape.gradient(loss, params)
    cost, grads = context.all_reduce("sum", (loss, grads))
    return cost, {k: grads[k] for k in params}, new_bn


def simulate_cpus(devices: int) -> None:
    """Split the CPU into `devices` logical devices, if TensorFlow has not initialized yet."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    if len(tf.config.get_logical_device_configuration(cpu) or [None]) >= devices:
        return
    with contextlib.suppress(RuntimeError):  # initialized: devices fixed; make_strategy says so
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(devices)]
        )


def make_strategy(devices: int) -> tf.distribute.MirroredStrategy:
    """A MirroredStrategy over `devices` GPUs if there are enough, else logical CPU devices."""
    # physical devices can be listed without initializing TensorFlow, logical ones cannot
    kind = "GPU" if len(tf.config.list_physical_devices("GPU")) >= devices else "CPU"
    if kind == "CPU":
        simulate_cpus(devices)
    found = tf.config.list_logical_devices(kind)
    if len(found) < devices:
        remedy = (
            "TensorFlow fixes its devices when it initializes: run train(devices=N) first in the "
            "process, or call tf.config.set_logical_device_configuration before any TF op"
        )
        raise device_counts.too_few("tf", devices, len(found), kind, remedy)
    names = [d.name for d in found[:devices]]
    if kind == "GPU":
        return tf.distribute.MirroredStrategy(names)
    # CPU collectives key their groups per strategy from 1: a second strategy of another size in
    # the process would join the first one's groups. Summing on one device has no groups.
    return tf.distribute.MirroredStrategy(
        names, cross_device_ops=tf.distribute.ReductionToOneDevice()
    )
