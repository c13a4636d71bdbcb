"""The exact mappings from the course's hyperparameters to optax's and Keras' arguments: the
runtime half of the migration table (dlparity.course.migration documents and measures them)."""

from __future__ import annotations

from dlparity.core import registry
from dlparity.core.spec import ModelSpec, TrainConfig


def momentum_learning_rate(learning_rate: float, beta: float) -> float:
    """optax sgd / Keras SGD rate that reproduces the course's momentum: α (1 - β)."""
    return learning_rate * (1 - beta)


def keras_l2(lambd: float, m: int) -> float:
    """Keras L2 factor for the course's (lambd / 2m) sum ||W||^2."""
    return lambd / (2 * m)


def dropout_rate(keep_prob: float) -> float:
    """Keras Dropout rate for the course's keep_prob."""
    return 1 - keep_prob


def optax_kwargs(config: TrainConfig) -> dict:
    """Keyword arguments of the optax optimizer that equals the course's (rate given separately)."""
    info = registry.OPTIMIZERS[config.optimizer]
    named = registry.rename(config.optimizer, config.optimizer_hyperparameters(), "optax_names")
    return {**named, **info.optax_fixed}


def keras_batchnorm_kwargs(spec: ModelSpec) -> dict:
    """BatchNormalization arguments pinned to the spec (Keras defaults are 0.99 and 1e-3)."""
    return {"momentum": spec.bn_momentum, "epsilon": spec.bn_epsilon}


def keras_learning_rate(config: TrainConfig) -> float:
    """Stock Keras learning rate: the course's, scaled by (1 - β) for momentum (SGD folds it in)."""
    if registry.OPTIMIZERS[config.optimizer].rate_times_one_minus_beta:
        return momentum_learning_rate(config.learning_rate, config.beta)
    return config.learning_rate


def keras_optimizer_kwargs(config: TrainConfig) -> dict:
    """Keras optimizer arguments besides the rate, by Keras' names."""
    return registry.rename(config.optimizer, config.optimizer_hyperparameters(), "keras_names")


def keras_inverse_time_decay_kwargs(config: TrainConfig, batches_per_epoch: int) -> dict:
    """InverseTimeDecay arguments besides the initial rate: the course's formula, lag aside."""
    interval = config.time_interval if config.decay == "scheduled" else 1
    return {"decay_steps": batches_per_epoch * interval, "decay_rate": config.decay_rate,
            "staircase": True}  # fmt: skip
