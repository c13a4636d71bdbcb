"""A candidate formula: the reference's update with some of its known variants on, the rates it
is given and the sites it holds in float32.

The formulas themselves are the reference's (pure_numpy.optimizers): each variant is a keyword
option of the update there, and Formula() is the course's own.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np


@dataclass(frozen=True)
class Formula:
    # options of the reference's updates, by their names there (pure_numpy.optimizers)
    eps_in_sqrt: bool = False  # dW / sqrt(s + eps)
    eps_hat: bool = False  # eps / sqrt(1 - beta2^t): eps added before the bias correction
    no_one_minus_beta: bool = False  # v = beta v + dW
    starts_at_dW: bool = False  # v_1 = dW
    rate_in_velocity: bool = False  # v = beta v + lr (1 - beta) dW; W -= v
    bias_shift: int = 0  # bias correction with t + bias_shift
    correction_t: tuple | None = None  # (t1, t2): each moment's correction at a fixed t (None: t)
    coupled_decay: bool = False  # adamw: wd W added to dW before the moments
    decay_without_rate: bool = False  # adamw: W -= wd W
    # what the update is given
    rates: str = "lagged"  # "lagged" (the course's), "unlagged" or "constant"
    float32: tuple[str, ...] = ()  # sites (and learning_rate) rounded to float32

    def options(self, t: int) -> dict:
        """The reference update's keyword options for update t (from 1): the variants set."""
        given = ("rates", "float32")
        chosen = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in given and getattr(self, f.name) != f.default
        }
        if "starts_at_dW" in chosen:
            chosen["starts_at_dW"] = t == 1  # the buffer starts at the first update's dW
        return chosen

    def hyperparameters(self, hyper: dict) -> dict:
        """The update's hyperparameters, those named in float32 through float32 and back; Adam's
        correction_betas where a beta^t site is rounded apart from the beta."""
        rounded = {
            k: float(np.float32(v)) if k in self.float32 else v for k, v in sites(hyper).items()
        }
        out = {k: rounded[k] for k in hyper}
        powers = (rounded.get("beta1^t"), rounded.get("beta2^t"))
        if "beta1" in hyper and powers != (out["beta1"], out["beta2"]):
            out["correction_betas"] = powers
        return out

    def with_rate(self, lr: float) -> float:
        return float(np.float32(lr)) if "learning_rate" in self.float32 else lr

    def changed(self) -> set[str]:
        """The names of the fields set away from the course's."""
        return {f.name for f in fields(self) if getattr(self, f.name) != f.default}

    def combined(self, other: Formula) -> Formula:
        """Both sets of changes (other's flags win where both set one)."""
        changes = {k: v for k, v in vars(other).items() if v != getattr(Formula(), k)}
        if other.float32:
            changes["float32"] = tuple(sorted(set(self.float32) | set(other.float32)))
        return replace(self, **changes)


def sites(hyper: dict) -> dict:
    """Every place a hyperparameter enters the formula, by name: beta1^t and beta2^t are the
    betas of Adam's bias correction, which an implementation may round apart from the moments'."""
    extra = {f"{b}^t": hyper[b] for b in ("beta1", "beta2")} if "beta1" in hyper else {}
    return {**hyper, **extra}
