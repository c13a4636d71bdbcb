"""The optimizers, once: each one's hyperparameters, its course formula and its optax and Keras
counterparts with the names they give the same numbers.

TrainConfig's validation, the migration table's mappings, the three packages' factories and the
JAX compile-cache key all read this table; adding an optimizer starts here.
"""

from __future__ import annotations

from typing import NamedTuple


class OptimizerInfo(NamedTuple):
    hyperparameters: tuple[str, ...]  # TrainConfig fields, by the course's names
    course: str  # the update, in the course's notation
    optax: str  # optax factory
    optax_names: dict  # course name -> optax keyword
    keras: str  # keras.optimizers class
    keras_names: dict  # course name -> Keras keyword
    state: tuple[str, ...]  # its state in the course's terms: v, s (dicts like params), t
    variants: tuple[str, ...] = ()  # the reference's flags for Keras' stock formulas
    optax_fixed: dict = {}  # optax keywords that make optax equal the course
    rate_times_one_minus_beta: bool = False  # optax and Keras take α (1 - β) (momentum)


ADAM_NAMES = {"beta1": "b1", "beta2": "b2", "epsilon": "eps"}
KERAS_ADAM_NAMES = {"beta1": "beta_1", "beta2": "beta_2", "epsilon": "epsilon"}

OPTIMIZERS: dict[str, OptimizerInfo] = {
    "gd": OptimizerInfo((), "W -= α dW", "sgd", {}, "SGD", {}, ()),
    "momentum": OptimizerInfo(
        ("beta",), "v = β v + (1 - β) dW; W -= α v", "sgd", {"beta": "momentum"},
        "SGD", {"beta": "momentum"}, ("v",), rate_times_one_minus_beta=True,
    ),
    "rmsprop": OptimizerInfo(
        ("beta2", "epsilon"), "s = β2 s + (1 - β2) dW²; W -= α dW / (√s + ε)", "rmsprop",
        {"beta2": "decay", "epsilon": "eps"}, "RMSprop", {"beta2": "rho", "epsilon": "epsilon"},
        ("s",), variants=("eps_in_sqrt",), optax_fixed={"eps_in_sqrt": False},
    ),
    "adam": OptimizerInfo(
        ("beta1", "beta2", "epsilon"), "W -= α v̂ / (√ŝ + ε), t counting updates", "adam",
        ADAM_NAMES, "Adam", KERAS_ADAM_NAMES, ("v", "s", "t"), variants=("eps_hat",),
    ),
    "adamw": OptimizerInfo(
        ("beta1", "beta2", "epsilon", "weight_decay"),
        "W -= α (v̂ / (√ŝ + ε) + λ_w W): Adam with decoupled weight decay", "adamw",
        {**ADAM_NAMES, "weight_decay": "weight_decay"}, "AdamW",
        {**KERAS_ADAM_NAMES, "weight_decay": "weight_decay"}, ("v", "s", "t"),
        variants=("eps_hat",),
    ),
}  # fmt: skip


def rename(optimizer: str, values: dict, names: str) -> dict:
    """values by course name -> the same values by optax's ("optax_names") or Keras'
    ("keras_names") keywords."""
    mapping = getattr(OPTIMIZERS[optimizer], names)
    return {mapping[name]: value for name, value in values.items()}
