"""Learning-rate decay, the course's way: the new rate is set after each epoch.

So epoch e trains with the rate computed from epoch e - 1; epochs 0 and 1 both use lr0.
For full-batch runs an "epoch" is one iteration.
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


def learning_rates(config: TrainConfig) -> np.ndarray:
    """Rates in effect for every outer step (iteration or epoch), as float64."""
    return np.array([rate_for_epoch(config, e) for e in range(config.steps)], dtype=np.float64)
