"""TrainResult, the one record every framework's train() returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dlparity.core.state import TrainState


@dataclass
class TrainResult:
    params: dict  # final parameters as NumPy arrays, course layout
    bn_state: dict  # final running statistics (empty without batch norm)
    costs: dict[int, float]  # recorded step -> cost
    learning_rates: np.ndarray  # rate in effect at each step
    seconds: float  # the training run
    compile_seconds: float = 0.0  # tracing and compilation, apart from seconds
    extra: dict = field(default_factory=dict)
    end: TrainState | None = None  # where the run stopped, to save and resume from
