"""The training plan every framework follows: which examples, which masks, which rate, when to record.

It is all decided here, in NumPy, so the three implementations consume identical randomness
(parity mode) and record the same steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlparity.core import rng
from dlparity.core.schedules import learning_rates
from dlparity.core.spec import ModelSpec, TrainConfig


@dataclass(frozen=True)
class TrainPlan:
    """steps outer steps (iterations or epochs), each over the mini-batches in bounds; this
    call trains steps first, ..., stop - 1 of them (all by default), numbered as in the whole run."""

    steps: int
    m: int
    bounds: list[tuple[int, int]]
    orders: np.ndarray | None  # (steps, m) example order per epoch; None keeps the data's order
    learning_rates: np.ndarray  # (steps,) rate in effect for each step
    recorded: list[int]  # the recorded steps in [first, stop)
    masks: dict[int, dict[str, np.ndarray]]  # batch size -> dropout masks (course: fixed per size)
    first: int = 0
    stop: int | None = None  # None: steps

    @property
    def end(self) -> int:
        """The step this call stops before."""
        return self.steps if self.stop is None else self.stop

    @property
    def finishes(self) -> bool:
        """Whether this call trains the run's last step."""
        return self.end == self.steps

    @property
    def full_batch(self) -> bool:
        return len(self.bounds) == 1 and self.orders is None

    def batch_indices(self, step: int, start: int, stop: int) -> np.ndarray:
        order = self.orders[step] if self.orders is not None else np.arange(self.m)
        return order[start:stop]

    def masks_for(self, batch_size: int):
        return self.masks.get(batch_size)


def make_plan(
    spec: ModelSpec, config: TrainConfig, m: int, *, first: int = 0, stop: int | None = None
) -> TrainPlan:
    """The whole run's plan, for a call that trains steps first to stop - 1 (checked by
    dlparity.core.state.resolve_start): the orders, masks and rates of step e are the same
    whichever call trains it."""
    bounds = rng.minibatch_bounds(m, config.mini_batch_size)
    end = config.steps if stop is None else stop
    orders = None
    if config.num_epochs is not None and config.shuffle:
        orders = rng.permutations(m, config.num_epochs, seed=config.minibatch_seed)
    masks = {}
    if spec.keep_prob < 1:
        for size in sorted({hi - lo for lo, hi in bounds}):
            masks[size] = rng.dropout_masks(
                spec.layers, size, seed=config.dropout_seed, dtype=spec.dtype
            )
    return TrainPlan(
        steps=config.steps,
        m=m,
        bounds=bounds,
        orders=orders,
        learning_rates=learning_rates(config),
        recorded=[s for s in config.recorded_steps() if first <= s < end],
        masks=masks,
        first=first,
        stop=stop,
    )
