"""Optimizers as (init, update) pairs over parameter dicts, the course's formulas.

init(params) -> state;  update(grads, state, params, lr) -> (params, state).
Each update returns new dicts; nothing is modified in place.

Every keyword after the hyperparameters is a known variant of the formula, off by default: the
form a framework's stock optimizer (or a common slip in a port) computes instead of the course's.
The parity suite turns on Keras' (eps_hat, eps_in_sqrt) to compare stock Keras exactly;
dlparity.diagnose runs them all to name the one a user's optimizer implements.
"""

import numpy as np

from dlparity.core.optimizers import Optimizer, bind
from dlparity.core.spec import TrainConfig


def _zeros_like(params):
    return {k: np.zeros_like(v) for k, v in params.items()}


def _denominator(s, epsilon, eps_in_sqrt):
    """sqrt(s) + epsilon; eps_in_sqrt: sqrt(s + epsilon) (Keras' RMSprop, optax's default)."""
    return np.sqrt(s + epsilon) if eps_in_sqrt else np.sqrt(s) + epsilon


def gd_init(params):
    return {}


def gd_update(grads, state, params, lr):
    """W = W - lr dW."""
    return {k: params[k] - lr * grads[k] for k in params}, state


def momentum_init(params):
    return {"v": _zeros_like(params)}


def momentum_update(
    grads, state, params, lr, *, beta,
    no_one_minus_beta=False, rate_in_velocity=False, starts_at_dW=False,
):  # fmt: skip
    """v = beta v + (1 - beta) dW;  W = W - lr v.

    Variants: no_one_minus_beta, v = beta v + dW (Keras and PyTorch SGD given the course's
    rate); rate_in_velocity, v = beta v + lr (1 - beta) dW and W = W - v (Keras SGD: the same
    while the rate is constant); starts_at_dW, v = dW (lr dW with rate_in_velocity) at this
    update, as PyTorch starts its buffer: pass it with the first update only.
    """
    v = {}
    for k in params:
        step = grads[k] if no_one_minus_beta else (1 - beta) * grads[k]
        if rate_in_velocity:
            step = lr * step
        if starts_at_dW:
            v[k] = lr * grads[k] if rate_in_velocity else grads[k]
        else:
            v[k] = beta * state["v"][k] + step
    if rate_in_velocity:
        return {k: params[k] - v[k] for k in params}, {"v": v}
    return {k: params[k] - lr * v[k] for k in params}, {"v": v}


def rmsprop_init(params):
    return {"s": _zeros_like(params)}


def rmsprop_update(grads, state, params, lr, *, beta2, epsilon, eps_in_sqrt=False):
    """s = beta2 s + (1 - beta2) dW^2;  W = W - lr dW / (sqrt(s) + epsilon).

    eps_in_sqrt=True is Keras' variant, dW / sqrt(s + epsilon).
    """
    s = {k: beta2 * state["s"][k] + (1 - beta2) * np.square(grads[k]) for k in params}
    new = {k: params[k] - lr * grads[k] / _denominator(s[k], epsilon, eps_in_sqrt) for k in params}
    return new, {"s": s}


def adam_init(params):
    return {"v": _zeros_like(params), "s": _zeros_like(params), "t": 0}


def _adam_step(
    grads, state, params, *, beta1, beta2, epsilon, eps_hat, bias_shift, correction_betas,
    correction_t,
):  # fmt: skip
    """One Adam update's state (t, v, s), its bias-corrected v_corr, s_corr and its epsilon."""
    t = state["t"] + 1
    v = {k: beta1 * state["v"][k] + (1 - beta1) * grads[k] for k in params}
    s = {k: beta2 * state["s"][k] + (1 - beta2) * np.square(grads[k]) for k in params}
    b1, b2 = (beta1, beta2) if correction_betas is None else correction_betas
    t1, t2 = (None, None) if correction_t is None else correction_t
    t1 = t + bias_shift if t1 is None else t1
    t2 = t + bias_shift if t2 is None else t2
    correction1, correction2 = 1 - b1**t1, 1 - b2**t2
    v_corrected = {k: v[k] / correction1 for k in params}
    s_corrected = {k: s[k] / correction2 for k in params}
    eps = epsilon / np.sqrt(correction2) if eps_hat else epsilon
    return {"v": v, "s": s, "t": t}, v_corrected, s_corrected, eps


def adam_update(
    grads, state, params, lr, *, beta1, beta2, epsilon,
    eps_hat=False, eps_in_sqrt=False, bias_shift=0, correction_betas=None, correction_t=None,
):  # fmt: skip
    """Bias-corrected Adam; t counts updates (mini-batches), from 1.

    W = W - lr v_corr / (sqrt(s_corr) + epsilon), v_corr = v / (1 - beta1^t) and
    s_corr = s / (1 - beta2^t).
    Variants: eps_hat, Keras 3's, where epsilon is added to sqrt(s) before the bias correction:
    epsilon / sqrt(1 - beta2^t) here; eps_in_sqrt, sqrt(s_corr + epsilon); bias_shift, the
    corrections with t + bias_shift (1: a step counter starting at 1, or incremented twice; -1:
    one starting at 0, so the first update divides by 1 - beta^0 = 0); correction_betas, the
    (beta1, beta2) raised to t where an implementation holds them apart from the moments' (Keras
    on TensorFlow rounds them to float32 there); correction_t, the (t1, t2) of the first and the
    second moment's correction where an implementation fixes it, None for the update's t ((1, 1):
    a counter never incremented; (1, None): v / (1 - beta1), the power forgotten).
    """
    state, v_corrected, s_corrected, eps = _adam_step(
        grads, state, params, beta1=beta1, beta2=beta2, epsilon=epsilon, eps_hat=eps_hat,
        bias_shift=bias_shift, correction_betas=correction_betas, correction_t=correction_t,
    )  # fmt: skip
    new = {
        k: params[k] - lr * v_corrected[k] / _denominator(s_corrected[k], eps, eps_in_sqrt)
        for k in params
    }
    return new, state


def adamw_update(
    grads, state, params, lr, *, beta1, beta2, epsilon, weight_decay,
    eps_hat=False, eps_in_sqrt=False, bias_shift=0, correction_betas=None, correction_t=None,
    coupled_decay=False, decay_without_rate=False,
):  # fmt: skip
    """Adam with decoupled weight decay: W = W - lr (v_corr / (sqrt(s_corr) + epsilon) + wd W).

    The decay acts on every parameter and is not part of the gradient, so the moments never see
    it (unlike L2 in the cost). eps_hat, eps_in_sqrt, bias_shift, correction_betas and
    correction_t as in adam_update. Variants of the decay: coupled_decay, dW + wd W goes through the moments (L2)
    and W = W - lr v_corr / (sqrt(s_corr) + epsilon); decay_without_rate, W = W - wd W.
    """
    if coupled_decay:
        grads = {k: grads[k] + weight_decay * params[k] for k in params}
    state, v_corrected, s_corrected, eps = _adam_step(
        grads, state, params, beta1=beta1, beta2=beta2, epsilon=epsilon, eps_hat=eps_hat,
        bias_shift=bias_shift, correction_betas=correction_betas, correction_t=correction_t,
    )  # fmt: skip
    new = {}
    for k in params:
        direction = v_corrected[k] / _denominator(s_corrected[k], eps, eps_in_sqrt)
        if coupled_decay:
            new[k] = params[k] - lr * direction
        elif decay_without_rate:
            new[k] = params[k] - lr * direction - weight_decay * params[k]
        else:
            new[k] = params[k] - lr * (direction + weight_decay * params[k])
    return new, state


FORMULAS = {
    "gd": (gd_init, gd_update),
    "momentum": (momentum_init, momentum_update),
    "rmsprop": (rmsprop_init, rmsprop_update),
    "adam": (adam_init, adam_update),
    "adamw": (adam_init, adamw_update),
}


def make_optimizer(config: TrainConfig, *, eps_hat=False, eps_in_sqrt=False) -> Optimizer:
    """The optimizer a TrainConfig names, its hyperparameters (and any Keras variant) bound."""
    return bind(FORMULAS, config, eps_hat=eps_hat, eps_in_sqrt=eps_in_sqrt)
