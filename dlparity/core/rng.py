"""Shared randomness: mini-batch orders and dropout masks as plain arrays any framework consumes.

Course conventions (C2W2, C2W1): before epoch e the permutation is drawn after seeding
minibatch_seed + e + 1; dropout masks are drawn after seeding dropout_seed on every forward
pass, so for a given batch size they are the same on every iteration.
"""

from __future__ import annotations

import numpy as np


def epoch_permutation(m: int, epoch: int, *, seed: int = 10, shuffle: bool = True) -> np.ndarray:
    """Example order for one epoch: np.random.seed(seed + epoch + 1); np.random.permutation(m)."""
    if not shuffle:
        return np.arange(m)
    return np.random.RandomState(seed + epoch + 1).permutation(m)


def permutations(m: int, num_epochs: int, *, seed: int = 10, shuffle: bool = True) -> np.ndarray:
    """(num_epochs, m) int array: row e is the example order of epoch e."""
    return np.stack(
        [epoch_permutation(m, e, seed=seed, shuffle=shuffle) for e in range(num_epochs)]
    )


def minibatch_bounds(m: int, mini_batch_size: int | None) -> list[tuple[int, int]]:
    """[start, stop) of each mini-batch: full batches first, then the short remainder."""
    size = m if mini_batch_size is None else mini_batch_size
    bounds = [(k, k + size) for k in range(0, m - size + 1, size)]
    if m % size:
        bounds.append((m - m % size, m))
    return bounds


def dropout_masks(layers, m: int, *, seed: int = 1, dtype="float64") -> dict[str, np.ndarray]:
    """D_l = (rand(*shape) < keep_prob) for each dropout layer of `layers` (a spec's layers, in
    forward order), its mask shape for a batch of m examples, drawn in order after the seed."""
    rng = np.random.RandomState(seed)
    return {
        f"D{layer.l}": (rng.rand(*layer.mask_shape(m)) < layer.keep_prob).astype(dtype)
        for layer in layers
        if hasattr(layer, "mask_shape")
    }
