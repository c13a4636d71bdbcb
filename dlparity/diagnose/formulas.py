"""The course's optimizer formulas and their known variants, in NumPy float64, one array at a time.

A Formula is the course's update with flags for the variants frameworks (or slips) implement;
Formula() is the course's own. Each step maps (W, dW, state, lr, t) to (W, state), t from 1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Formula:
    eps_in_sqrt: bool = False  # dW / sqrt(s + eps)
    eps_hat: bool = False  # eps / sqrt(1 - beta2^t): eps added before the bias correction
    no_one_minus_beta: bool = False  # v = beta v + dW
    starts_at_dW: bool = False  # v_1 = dW
    rate_in_velocity: bool = False  # v = beta v + lr (1 - beta) dW; W -= v
    bias_shift: int = 0  # bias correction with t + bias_shift
    coupled_decay: bool = False  # adamw: wd W added to dW before the moments
    decay_without_rate: bool = False  # adamw: W -= wd W
    rates: str = "lagged"  # "lagged" (the course's), "unlagged" or "constant"
    float32: tuple[str, ...] = ()  # sites (and learning_rate) rounded to float32

    def rounded(self, hyper: dict) -> dict:
        """Every site of hyper (see sites), those named in float32 through float32 and back."""
        return {
            k: float(np.float32(v)) if k in self.float32 else v for k, v in sites(hyper).items()
        }

    def with_rate(self, lr: float) -> float:
        return float(np.float32(lr)) if "learning_rate" in self.float32 else lr

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


def gd_step(W, dW, state, lr, t, h, f):
    return W - lr * dW, state


def momentum_step(W, dW, state, lr, t, h, f):
    beta, v = h["beta"], state.get("v", np.zeros_like(W))
    step = dW if f.no_one_minus_beta else (1 - beta) * dW
    if f.rate_in_velocity:
        step = lr * step
    v = (lr * dW if f.rate_in_velocity else dW) if f.starts_at_dW and t == 1 else beta * v + step
    return (W - v if f.rate_in_velocity else W - lr * v), {"v": v}


def _scaled(dW, s, eps, f):
    """dW / (sqrt(s) + eps), or dW / sqrt(s + eps) for the variant."""
    return dW / np.sqrt(s + eps) if f.eps_in_sqrt else dW / (np.sqrt(s) + eps)


def rmsprop_step(W, dW, state, lr, t, h, f):
    s = h["beta2"] * state.get("s", np.zeros_like(W)) + (1 - h["beta2"]) * np.square(dW)
    return W - lr * _scaled(dW, s, h["epsilon"], f), {"s": s}


def adam_step(W, dW, state, lr, t, h, f):
    """Adam; with h["weight_decay"], AdamW's decoupled decay W -= lr wd W (optax, Keras)."""
    wd = h.get("weight_decay", 0.0)
    if f.coupled_decay:
        dW = dW + wd * W
    b1, b2 = h["beta1"], h["beta2"]
    v = b1 * state.get("v", np.zeros_like(W)) + (1 - b1) * dW
    s = b2 * state.get("s", np.zeros_like(W)) + (1 - b2) * np.square(dW)
    t_corrected = t + f.bias_shift
    correction1 = 1 - h["beta1^t"] ** t_corrected
    correction2 = 1 - h["beta2^t"] ** t_corrected
    eps = h["epsilon"] / np.sqrt(correction2) if f.eps_hat else h["epsilon"]
    new = W - lr * _scaled(v / correction1, s / correction2, eps, f)
    if wd and not f.coupled_decay:
        new = new - (wd if f.decay_without_rate else lr * wd) * W
    return new, {"v": v, "s": s}


STEPS = {
    "gd": gd_step,
    "momentum": momentum_step,
    "rmsprop": rmsprop_step,
    "adam": adam_step,
    "adamw": adam_step,
}
