"""Course-exact Keras components: small subclasses wherever the stock Keras 3 one cannot match.

Each is the course's formula inside the Keras interface, so a model keeps compiling and training
with model.fit. What the stock component does instead, and by how much it differs, is in
dlparity.course.migration.TABLE (measured by parity_tests/test_keras_stock.py).

Hyperparameters arrive as NumPy scalars of the working dtype (keras_impl.backend.hyper): Keras on
TF turns Python floats into float32 first. Everything here is keras.ops, so it runs on both
backends; the one graph-mode piece TensorFlow needs is keras_impl.backend.dynamic_mask.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from dlparity.core.errors import DlparityError
from dlparity.core.schedules import learning_rates
from dlparity.core.spec import TrainConfig
from keras_impl import backend
from keras_impl import private as keras_private

# ---------------------------------------------------------------- optimizers


class CourseSGD(keras.optimizers.SGD):
    """Momentum, the course's way: v = beta v + (1 - beta) dW; W -= lr v.

    Stock SGD keeps v' = beta v' - lr dW, which folds the learning rate into the velocity:
    equal for a constant rate (with lr = lr0 (1 - beta)), not once the rate decays.
    """

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        dW = ops.cast(gradient, variable.dtype)
        if self.momentum == 0:
            self.assign_sub(variable, ops.multiply(lr, dW))
            return
        beta = ops.cast(self.momentum, variable.dtype)
        v = keras_private.slot(self, "momentums", variable)
        self.assign(v, ops.add(ops.multiply(beta, v), ops.multiply(1 - beta, dW)))
        self.assign_sub(variable, ops.multiply(lr, v))


class CourseRMSprop(keras.optimizers.RMSprop):
    """RMSprop, eps outside the root: s = rho s + (1 - rho) dW^2; W -= lr dW / (sqrt(s) + eps).

    Stock RMSprop divides by sqrt(s + eps), with no option to move eps out.
    """

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        dW = ops.cast(gradient, variable.dtype)
        rho = ops.cast(self.rho, variable.dtype)
        s = keras_private.slot(self, "_velocities", variable)
        self.assign(s, ops.add(ops.multiply(rho, s), ops.multiply(1 - rho, ops.square(dW))))
        step = ops.divide(
            ops.multiply(lr, dW), ops.add(ops.sqrt(s), ops.cast(self.epsilon, s.dtype))
        )
        self.assign_sub(variable, step)


class CourseAdam(keras.optimizers.Adam):
    """Adam as the course writes it: W -= lr v_hat / (sqrt(s_hat) + eps), t counting updates.

    Stock Keras 3 Adam adds eps to sqrt(s) before the bias correction ("epsilon hat"), which is
    eps / sqrt(1 - beta2^t) in the course's terms.
    """

    def _corrected_moments(self, gradient, variable):
        """v_hat and s_hat after this update's dW."""
        dtype = variable.dtype
        dW, t = ops.cast(gradient, dtype), ops.cast(self.iterations + 1, dtype)
        beta1, beta2 = ops.cast(self.beta_1, dtype), ops.cast(self.beta_2, dtype)
        v = keras_private.slot(self, "_momentums", variable)
        s = keras_private.slot(self, "_velocities", variable)
        self.assign(v, ops.add(ops.multiply(beta1, v), ops.multiply(1 - beta1, dW)))
        self.assign(s, ops.add(ops.multiply(beta2, s), ops.multiply(1 - beta2, ops.square(dW))))
        return ops.divide(v, 1 - ops.power(beta1, t)), ops.divide(s, 1 - ops.power(beta2, t))

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        v_corrected, s_corrected = self._corrected_moments(gradient, variable)
        denominator = ops.add(ops.sqrt(s_corrected), ops.cast(self.epsilon, variable.dtype))
        self.assign_sub(variable, ops.divide(ops.multiply(lr, v_corrected), denominator))


class CourseAdamW(CourseAdam):
    """AdamW as optax writes it: W -= lr (v_hat / (sqrt(s_hat) + eps) + weight_decay W).

    Stock AdamW first decays, W -= W weight_decay lr, then takes Keras' epsilon-hat Adam step.
    The decay is kept here, in the update, so Keras' own (weight_decay=None) stays off.
    """

    def __init__(self, weight_decay, **kwargs):
        super().__init__(**kwargs)
        self.decoupled_weight_decay = weight_decay

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr, decay = ops.cast(learning_rate, dtype), ops.cast(self.decoupled_weight_decay, dtype)
        v_corrected, s_corrected = self._corrected_moments(gradient, variable)
        direction = ops.divide(
            v_corrected, ops.add(ops.sqrt(s_corrected), ops.cast(self.epsilon, dtype))
        )
        self.assign_sub(
            variable, ops.multiply(lr, ops.add(direction, ops.multiply(decay, variable)))
        )

    def get_config(self):
        return {**super().get_config(), "weight_decay": self.decoupled_weight_decay}


class CourseDecay(keras.optimizers.schedules.LearningRateSchedule):
    """The course's per-epoch rates (dlparity.core.schedules, one epoch of lag) by optimizer step.

    InverseTimeDecay(lr0, B*T, r, staircase=True) gives the formula, but epoch e must train with
    the rate of epoch e - 1; here the rates are dlparity's own, looked up by epoch = step // B
    (the last epoch's past the run's end): schedules.rate_for_update(config, step, B).
    """

    def __init__(self, rates, batches_per_epoch: int):
        self.rates = np.asarray(rates, dtype=np.float64)
        self.batches_per_epoch = int(batches_per_epoch)

    @classmethod
    def from_config_of(cls, config: TrainConfig, batches_per_epoch: int) -> CourseDecay:
        return cls(learning_rates(config), batches_per_epoch)

    def __call__(self, step):
        epoch = ops.floor_divide(ops.cast(step, "int64"), self.batches_per_epoch)
        epoch = ops.minimum(epoch, len(self.rates) - 1)
        rates = ops.convert_to_tensor(self.rates, dtype=keras.config.floatx())
        return ops.take(rates, epoch)

    def get_config(self):
        return {"rates": self.rates.tolist(), "batches_per_epoch": self.batches_per_epoch}


# ---------------------------------------------------------------- regularization


class CourseL2(keras.regularizers.Regularizer):
    """(lambd / 2m) ||W||^2, m = examples in the batch, the factor formed in the weight's dtype.

    Stock L2 casts its factor through float32 on TF and fixes it when built; the course's m is the
    mini-batch's size, which changes for the short last batch. The model sets it from each batch
    it is called on (CourseModel.call), so model.fit needs no callback.
    """

    def __init__(self, lambd: float, m=None):
        self.lambd = float(lambd)
        self.m = m

    def set_batch_size(self, m) -> None:
        self.m = m

    def __call__(self, x):
        if self.m is None:
            raise DlparityError("CourseL2: L2's factor lambd / 2m needs the batch size m")
        # lambd / (2 m) is correctly rounded in any dtype: the reference's Python float64 value
        dtype = keras.backend.standardize_dtype(x.dtype)
        factor = ops.divide(backend.hyper(self.lambd, dtype), ops.cast(2 * self.m, dtype))
        return ops.multiply(factor, ops.sum(ops.square(x)))

    def get_config(self):
        return {"lambd": self.lambd}


class FixedDropout(keras.layers.Layer):
    """Inverted dropout with given keep masks, A * D / keep_prob: the course's masks, bit for bit.

    masks maps a batch size to its (batch size, units) 0/1 mask (the course draws the same mask
    for every batch of a size). default(size), when given, supplies a mask for a batch size whose
    value is known when the layer is called. Stock Dropout draws its own masks and has no mask
    argument.
    """

    def __init__(self, keep_prob, masks=None, default=None, **kwargs):
        super().__init__(**kwargs)
        self.keep_prob = keep_prob
        self.masks = {int(size): np.asarray(mask) for size, mask in (masks or {}).items()}
        self.default = default

    def build(self, input_shape):
        for size, mask in self.masks.items():
            if mask.shape != (size, input_shape[-1]):
                raise DlparityError(
                    f"{self.name}: mask for batch size {size} has shape {mask.shape}, "
                    f"expected ({size}, {input_shape[-1]})"
                )

    def _static_mask(self, size: int):
        if size not in self.masks:
            if self.default is None:
                raise DlparityError(
                    f"{self.name}: no dropout mask for a batch of {size}; masks are given for "
                    f"batch sizes {sorted(self.masks)}"
                )
            self.masks[size] = np.asarray(self.default(size))
        return self.masks[size]

    def _dynamic_mask(self, n, dtype):
        # TF's model.fit traces with the batch size unknown: pick among the given masks at run time
        if not self.masks:
            raise DlparityError(f"{self.name}: give masks for the batch sizes model.fit will see")
        return backend.dynamic_mask(n, self.masks, dtype, name=self.name)

    def _mask(self, inputs):
        rows = backend.replica_rows(inputs)
        if rows is not None:  # this replica's rows of the whole batch's mask
            first, m = rows
            D = self._dynamic_mask(m, inputs.dtype)
            return D[first : first + ops.shape(inputs)[0]]
        size = inputs.shape[0]
        if size is None:
            return self._dynamic_mask(ops.shape(inputs)[0], inputs.dtype)
        return ops.convert_to_tensor(self._static_mask(size), dtype=inputs.dtype)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        D = self._mask(inputs)
        return ops.divide(ops.multiply(inputs, D), ops.cast(self.keep_prob, inputs.dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "keep_prob": float(self.keep_prob)}


# ---------------------------------------------------------------- batch norm


class CourseBatchNormalization(keras.layers.BatchNormalization):
    """Batch norm as the reference computes it, in the input's dtype (examples on axis 0):
    Z_tilde = gamma (Z - mu) / sqrt(var + epsilon) + beta, with the batch's mean and biased
    variance in training, the running averages otherwise; those are updated as
    running * momentum + batch * (1 - momentum).

    Keras 3's own computes in result_type(input, float32), which is float32 on JAX even for
    float64 input; and, synchronized, its variance as E[x^2] - E[x]^2. Same weights (gamma, beta, moving_mean, moving_variance), same arguments.
    """

    def _batch_moments(self, Z):
        """The batch's mean and biased variance; on several devices, the whole batch's
        (synchronized: sums and counts over the replicas)."""
        axes = tuple(range(len(Z.shape) - 1))  # channels last: per channel, over the rest
        positions = int(np.prod(Z.shape[1:-1]))  # an image's n_H n_W; 1 for (m, n)
        m = ops.cast(ops.multiply(backend.batch_size(Z), positions), Z.dtype)
        mu = ops.divide(backend.replica_sum(ops.sum(Z, axis=axes)), m)
        centered = ops.square(ops.subtract(Z, mu))
        var = ops.divide(backend.replica_sum(ops.sum(centered, axis=axes)), m)
        momentum = self.momentum
        for running, batch in ((self.moving_mean, mu), (self.moving_variance, var)):
            running.assign(
                ops.add(ops.multiply(running, momentum), ops.multiply(batch, 1 - momentum))
            )
        return mu, var

    def call(self, inputs, training=None, mask=None):
        if training and self.trainable:
            mu, var = self._batch_moments(inputs)
        else:
            mu, var = self.moving_mean, self.moving_variance
        inv_std = ops.divide(1, ops.sqrt(ops.add(var, self.epsilon)))
        Z_norm = ops.multiply(ops.subtract(inputs, mu), inv_std)
        return ops.add(ops.multiply(self.gamma, Z_norm), self.beta)


# ---------------------------------------------------------------- losses


@ops.custom_gradient
def _binary_logprobs(Z, y):
    """-(y log a + (1 - y) log(1 - a)) = max(z, 0) - y z + log(1 + e^-|z|) for y in {0, 1}."""

    def backward(*args, upstream=None):
        upstream = args[0] if upstream is None else upstream
        # the reference's dZ = AL - Y, with the course's sigmoid 1 / (1 + e^-z)
        return upstream * (1 / (1 + ops.exp(-Z)) - y), -upstream * Z

    return ops.maximum(Z, 0) - y * Z + ops.log1p(ops.exp(-ops.abs(Z))), backward


class _CourseLoss(keras.losses.Loss):
    """A course cost's per-example terms; per_global_batch divides each by the whole batch's m,
    so that with reduction "sum" the replicas' losses add up to the course's mean (several
    devices: Keras would otherwise average each replica's mean and scale it by 1 / N)."""

    def __init__(self, name, per_global_batch=False, **kwargs):
        super().__init__(name=name, **kwargs)
        self.per_global_batch = per_global_batch

    def call(self, y_true, y_pred):
        losses = self.example_losses(y_true, y_pred)
        if self.per_global_batch:
            losses = ops.divide(losses, ops.cast(backend.batch_size(y_pred), losses.dtype))
        return losses


class CourseBinaryCrossentropy(_CourseLoss):
    """-(y log a + (1 - y) log(1 - a)) per example, a = sigmoid(z), y_pred the logits z;
    mean over the batch.

    Evaluated from the logits so it is exact to rounding for every z (the literal formula is
    infinite once a rounds to 1); the gradient is the reference's dZ = AL - Y. Stock
    BinaryCrossentropy(from_logits=True) takes the same form; after a sigmoid output it finds
    the logits on TensorFlow only, and clips the probabilities on JAX.
    """

    def __init__(self, name="course_binary_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)

    def example_losses(self, y_true, y_pred):
        terms = _binary_logprobs(y_pred, y_true)  # ops.mean would round through float32 on JAX
        return ops.divide(ops.sum(terms, axis=-1), ops.cast(ops.shape(terms)[-1], terms.dtype))


class CourseCategoricalCrossentropy(_CourseLoss):
    """-sum_c y log softmax(z) per example, y_pred the logits z (log-softmax), as the course
    computes it.

    Keras layout: classes on the last axis, examples on the first.
    """

    def __init__(self, name="course_categorical_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)

    def example_losses(self, y_true, y_pred):
        Z = y_pred
        shifted = Z - ops.max(Z, axis=-1, keepdims=True)
        log_A = shifted - ops.log(ops.sum(ops.exp(shifted), axis=-1, keepdims=True))
        return -ops.sum(y_true * log_A, axis=-1)


# ---------------------------------------------------------------- the model


class BatchLosses(keras.metrics.Metric):
    """Every training batch's loss in order: losses[n] is the one the n-th update follows.

    A metric, so both backends carry it through the compiled train step: TensorFlow in place,
    JAX as part of the step's state. Its result is the whole (batches,) record.
    """

    def __init__(self, batches: int, dtype: str):
        super().__init__(name="batch_losses", dtype=dtype)
        first = "only_first_replica"  # every replica records the same (all-reduced) losses
        self.losses = self.add_variable(
            (batches,), initializer="zeros", dtype=dtype, aggregation=first, name="losses"
        )
        self.count = self.add_variable(
            (), initializer="zeros", dtype="int64", aggregation=first, name="count"
        )

    def update_state(self, loss):
        """loss: this replica's part of the batch's loss (the whole loss on one device)."""
        total = backend.replica_sum(ops.cast(loss, self.losses.dtype))
        backend.record(self.losses, self.count, total)
        self.count.assign(ops.add(self.count.value, 1))

    def result(self):
        return ops.convert_to_tensor(self.losses.value)


class CourseModel(keras.Model):
    """A functional keras.Model that sets the course's L2 m from each batch it is called on and,
    once record_losses is called, keeps every training batch's loss (BatchLosses).

    compute_loss is the one Keras hook that sees the loss model.fit differentiates (the
    compiled loss plus L2) before the update.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch_losses = None

    def record_losses(self, batches: int, dtype: str) -> None:
        self.batch_losses = BatchLosses(batches, dtype)

    def course_l2(self) -> list[CourseL2]:
        regularizers = (getattr(layer, "kernel_regularizer", None) for layer in self.layers)
        return [r for r in regularizers if isinstance(r, CourseL2)]

    def call(self, inputs, training=None, mask=None):
        for regularizer in self.course_l2():
            regularizer.set_batch_size(backend.batch_size(inputs))
        return super().call(inputs, training=training, mask=mask)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        keras_private.build_from_first_replica(
            self, iterator, data_batch, super()._maybe_symbolic_build
        )

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        loss = super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                    training=training)  # fmt: skip
        if training and self.batch_losses is not None:
            self.batch_losses.update_state(loss)
        return loss
