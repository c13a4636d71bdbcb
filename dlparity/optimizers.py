"""What the packages' optimizers share: the (init, update) pair, and binding a config to formulas.

init(params) -> state;  update(grads, state, params, lr) -> (params, state).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from dlparity.spec import TrainConfig


class Optimizer(NamedTuple):
    init: Callable
    update: Callable


def bind(formulas: dict, config: TrainConfig, *, eps_hat=False, eps_in_sqrt=False) -> Optimizer:
    """The optimizer config names, from formulas {name: (init, update)}, hyperparameters bound.

    eps_hat and eps_in_sqrt select Keras' variants of Adam and RMSprop.
    """
    init, update = formulas[config.optimizer]
    variant = {"rmsprop": {"eps_in_sqrt": eps_in_sqrt}, "adam": {"eps_hat": eps_hat}}
    hyper = {**config.optimizer_hyperparameters(), **variant.get(config.optimizer, {})}
    return Optimizer(init, partial(update, **hyper))
