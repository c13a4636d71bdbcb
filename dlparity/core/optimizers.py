"""What the packages' optimizers share: the (init, update) pair, and binding a config to formulas.

init(params) -> state;  update(grads, state, params, lr) -> (params, state).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from dlparity.core.registry import OPTIMIZERS
from dlparity.core.spec import TrainConfig


class Optimizer(NamedTuple):
    init: Callable
    update: Callable


def bind(formulas: dict, config: TrainConfig, *, eps_hat=False, eps_in_sqrt=False) -> Optimizer:
    """The optimizer config names, from formulas {name: (init, update)}, hyperparameters bound.

    eps_hat and eps_in_sqrt select Keras' variants of Adam (and AdamW) and RMSprop.
    """
    init, update = formulas[config.optimizer]
    flags = {"eps_hat": eps_hat, "eps_in_sqrt": eps_in_sqrt}
    variants = {name: flags[name] for name in OPTIMIZERS[config.optimizer].variants}
    hyper = {**config.optimizer_hyperparameters(), **variants}
    return Optimizer(init, partial(update, **hyper))
