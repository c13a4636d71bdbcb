"""What differs between Keras' TensorFlow and JAX backends for the course's models, and only that.

- precision: floatx and the dtype policy on both; on TensorFlow also op determinism and TF32 off.
- compiling: TensorFlow runs model.fit's step as a tf.function without XLA (XLA fuses and
  reorders float operations); JAX has no other compiler than XLA, so its step is jitted.
- data: a tf.data pipeline on TensorFlow; on JAX a keras.utils.PyDataset of NumPy batches.
- gradients of the contract: tf.GradientTape, or jax.value_and_grad over a stateless call.
- dropout masks picked by a batch size only known when the step runs (TensorFlow's graphs).
- several devices: a tf.distribute.MirroredStrategy on TF (distribution, replica sums, the
  blocks of dlparity.runtime.devices.block);
  keras-jax trains on one device.
- tanh: Keras 3 on JAX computes ops.tanh (and ops.mean, ops.var) of float64 in float32, its
  type promotion mapping 64-bit types to 32-bit on every backend but TensorFlow
  (the "keras-jax" row of dlparity.course.migration).
"""

from __future__ import annotations

import contextlib

import keras
import numpy as np
from keras import ops

from dlparity.core.errors import DlparityError
from dlparity.runtime import devices as device_counts
from dlparity.runtime import frameworks
from keras_impl import BACKEND

# its name in --framework: the package's framework on this backend (keras_impl/framework.py)
FRAMEWORK = frameworks.names(lambda f: f.package == "keras_impl" and f.keras_backend == BACKEND)[0]
JIT_COMPILE = BACKEND == "jax"
_configured: dict = {}


def configure(dtype: str) -> None:
    """Keras' floatx and dtype policy set to dtype (idempotent); on TF, determinism on, TF32 off."""
    if _configured.get("dtype") == dtype:
        return
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)
    if not _configured and BACKEND == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        tf.config.experimental.enable_tensor_float_32_execution(False)
    _configured["dtype"] = dtype


def hyper(value: float, dtype: str):
    """A hyperparameter as a NumPy scalar of dtype, so Keras does not round it through float32."""
    return np.dtype(dtype).type(value)


def tanh(x):
    """The hidden layers' tanh in the input's dtype: Keras' own on TF, jax.numpy's on JAX."""
    if BACKEND == "jax":
        import jax.numpy as jnp

        return jnp.tanh(x)
    return ops.tanh(x)


def value_and_grad(model: keras.Model, x, y):
    """(cost, grads of model.trainable_weights) of model.compute_loss on one training-mode pass;
    the model's non-trainable variables (batch norm's running statistics) are updated."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            cost = model.compute_loss(x=x, y=y, y_pred=model(x, training=True))
        return cost, tape.gradient(cost, model.trainable_weights)
    return _jax_value_and_grad(model, x, y)


def _jax_value_and_grad(model: keras.Model, x, y):
    import jax

    trainable = [v.value for v in model.trainable_weights]
    others = list(model.non_trainable_weights)

    def cost_of(values):
        mapping = list(zip(model.trainable_weights, values, strict=True))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            cost = model.compute_loss(x=x, y=y, y_pred=model(x, training=True))
        return cost, [scope.get_current_value(v) for v in others]

    (cost, updated), grads = jax.value_and_grad(cost_of, has_aux=True)(trainable)
    for variable, value in zip(others, updated, strict=True):
        if value is not None:
            variable.assign(value)
    return cost, grads


def dynamic_mask(n, masks: dict, dtype, name: str):
    """masks[n] for a batch size n known only at run time (TF's traced steps)."""
    import tensorflow as tf

    sizes = sorted(masks)
    found = tf.equal(tf.constant(sizes, dtype=n.dtype), n)
    check = tf.debugging.assert_equal(
        tf.reduce_any(found), True, message=f"{name}: batch size without a dropout mask"
    )
    with tf.control_dependencies([check]):
        index = tf.cast(tf.argmax(tf.cast(found, tf.int32)), tf.int32)
    branches = [lambda mask=masks[s]: tf.constant(mask, dtype=dtype) for s in sizes]
    return tf.switch_case(index, branches)


class PlanBatches(keras.utils.PyDataset):
    """Every mini-batch of the plan in order: (x, y) NumPy batches, examples on the first axis."""

    def __init__(self, x: np.ndarray, y: np.ndarray, plan):
        super().__init__()
        self.x, self.y, self.plan = x, y, plan

    def __len__(self) -> int:
        return self.plan.steps * len(self.plan.bounds)

    def __getitem__(self, index: int):
        step, b = divmod(index, len(self.plan.bounds))
        start, stop = self.plan.bounds[b]
        rows = (
            slice(start, stop) if self.plan.orders is None else self.plan.orders[step, start:stop]
        )
        return self.x[rows], self.y[rows]


def batches(x: np.ndarray, y: np.ndarray, plan):
    """model.fit's data: every mini-batch of the plan (dlparity.core.plan), steps x len(plan.bounds)
    (x, y) batches in order, from x (m, n_x) and y (m, n_y)."""
    if BACKEND == "jax":
        return PlanBatches(x, y, plan)
    return _tf_batches(x, y, plan)


def _tf_batches(x: np.ndarray, y: np.ndarray, plan):
    import tensorflow as tf

    xt, yt = tf.constant(x), tf.constant(y)
    if plan.full_batch:
        return tf.data.Dataset.from_tensors((xt, yt)).repeat(plan.steps)
    if plan.orders is None:
        size = plan.bounds[0][1] - plan.bounds[0][0]  # full batches, then the short remainder
        return tf.data.Dataset.from_tensor_slices((xt, yt)).batch(size).repeat(plan.steps)
    orders = tf.constant(plan.orders)
    rows = [(step, start, stop) for step in range(plan.steps) for start, stop in plan.bounds]

    def batch(step, start, stop):  # examples start:stop of the step's order
        indices = orders[step, start:stop]
        return tf.gather(xt, indices), tf.gather(yt, indices)

    return tf.data.Dataset.from_tensor_slices(tuple(np.array(rows, dtype=np.int64).T)).map(batch)


def record(losses, index, value) -> None:
    """losses[index] = value for Keras variables: a slice assignment on TF (in place), an
    updated array on JAX (in place too, the train step's state being donated)."""
    if BACKEND == "tensorflow":
        losses.value[index.value].assign(value)
        return
    update = ops.reshape(value, (1,))
    losses.assign(ops.slice_update(losses.value, (ops.convert_to_tensor(index),), update))


# ---------------------------------------------------------------- several devices


def distribution(devices: int | None):
    """The tf.distribute.MirroredStrategy of `devices` replicas (None: one device, no strategy)."""
    if devices is None:
        return None
    if BACKEND != "tensorflow":
        sharding = frameworks.either(frameworks.names(lambda f: f.devices))
        raise DlparityError(f"devices: {FRAMEWORK} trains on one device; use {sharding}")
    from dlparity.runtime import strategy

    return strategy.make_strategy(devices)


def scope(strategy):
    """Where the model, its optimizer and its metrics are made: under the strategy, if any."""
    return strategy.scope() if strategy is not None else contextlib.nullcontext()


def _replica_context():
    """The replica context of a step running on several replicas, else None."""
    if BACKEND != "tensorflow":
        return None
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    return context


def replica_sum(x):
    """x summed over the replicas (all-reduced: every replica gets the sum); x on one device."""
    context = _replica_context()
    return x if context is None else context.all_reduce("sum", x)


def batch_size(x):
    """The whole batch's m: x's rows (m_r), summed over the replicas on several devices."""
    return replica_sum(ops.shape(x)[0])


def replicas_of(model: keras.Model) -> int:
    """How many replicas model.fit ran the model's steps on."""
    if BACKEND != "tensorflow":
        return 1
    return model.distribute_strategy.num_replicas_in_sync


def replica_rows(x):
    """(first row, m) of this replica's block within the whole batch of m examples, or None on
    one device; x is the replica's block (m_r, ...)."""
    context = _replica_context()
    if context is None:
        return None
    import tensorflow as tf

    m = context.all_reduce("sum", tf.shape(x)[0])
    replica = tf.cast(context.replica_id_in_sync_group, m.dtype)
    first, _ = device_counts.block(m, replica, context.num_replicas_in_sync)
    return first, m


def distributed_batches(strategy, x: np.ndarray, y: np.ndarray, plan):
    """Every mini-batch of the plan, each split into the replicas' blocks (block) in order."""
    import tensorflow as tf

    n = strategy.num_replicas_in_sync
    whole = _tf_batches(x, y, plan)

    def blocks(xb, yb):
        m = tf.shape(xb)[0]
        bounds = [device_counts.block(m, r, n) for r in range(n)]
        return tf.data.Dataset.from_tensor_slices(
            (tf.stack([b[0] for b in bounds]), tf.stack([b[1] for b in bounds]))
        ).map(lambda start, stop: (xb[start:stop], yb[start:stop]))

    per_replica = whole.flat_map(blocks)
    options = tf.distribute.InputOptions(experimental_fetch_to_device=False)
    return strategy.distribute_datasets_from_function(lambda _: per_replica, options)
