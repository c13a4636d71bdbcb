"""Learning-rate decay, the course's way: the new rate is set after each epoch.

So epoch e trains with the rate computed from epoch e - 1; epochs 0 and 1 both use lr0.
For full-batch runs an "epoch" is one iteration. This is the one place the formula and the lag
are written: a framework's schedule of the update count (optax's, Keras'), which runs on its own
tensors, looks its rate up in learning_rates at epoch count // batches_per_epoch.
"""

from __future__ import annotations

import math

import numpy as np

from dlparity.core.spec import TrainConfig


def decayed_rate(config: TrainConfig, epoch_num: int) -> float:
    """The course's update_lr / schedule_lr_decay evaluated at epoch_num."""
    lr0 = config.learning_rate
    if config.decay == "inverse-time":
        return lr0 / (1 + config.decay_rate * epoch_num)
    if config.decay == "scheduled":
        return lr0 / (1 + config.decay_rate * math.floor(epoch_num / config.time_interval))
    return lr0


def rate_for_epoch(config: TrainConfig, epoch: int) -> float:
    """The rate the course's loop trains epoch `epoch` with (one epoch of lag)."""
    return config.learning_rate if epoch == 0 else decayed_rate(config, epoch - 1)


def rate_for_update(config: TrainConfig, count: int, batches_per_epoch: int) -> float:
    """The rate the course's loop makes update `count` with (from 0): its epoch's."""
    return rate_for_epoch(config, count // batches_per_epoch)


def learning_rates(config: TrainConfig) -> np.ndarray:
    """Rates in effect for every outer step (iteration or epoch), as float64."""
    return np.array([rate_for_epoch(config, e) for e in range(config.steps)], dtype=np.float64)
