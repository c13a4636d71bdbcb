"""Optimizers as (init, update) pairs over parameter dicts, the course's formulas.

init(params) -> state;  update(grads, state, params, lr) -> (params, state).
Each update returns new dicts; nothing is modified in place.
"""

import numpy as np

from dlparity.core.optimizers import Optimizer, bind
from dlparity.core.spec import TrainConfig


def _zeros_like(params):
    return {k: np.zeros_like(v) for k, v in params.items()}


def gd_init(params):
    return {}


def gd_update(grads, state, params, lr):
    """W = W - lr dW."""
    return {k: params[k] - lr * grads[k] for k in params}, state


def momentum_init(params):
    return {"v": _zeros_like(params)}


def momentum_update(grads, state, params, lr, *, beta):
    """v = beta v + (1 - beta) dW;  W = W - lr v."""
    v = {k: beta * state["v"][k] + (1 - beta) * grads[k] for k in params}
    return {k: params[k] - lr * v[k] for k in params}, {"v": v}


def rmsprop_init(params):
    return {"s": _zeros_like(params)}


def rmsprop_update(grads, state, params, lr, *, beta2, epsilon, eps_in_sqrt=False):
    """s = beta2 s + (1 - beta2) dW^2;  W = W - lr dW / (sqrt(s) + epsilon).

    eps_in_sqrt=True is Keras' variant, dW / sqrt(s + epsilon).
    """
    s = {k: beta2 * state["s"][k] + (1 - beta2) * np.square(grads[k]) for k in params}
    if eps_in_sqrt:
        new = {k: params[k] - lr * grads[k] / np.sqrt(s[k] + epsilon) for k in params}
    else:
        new = {k: params[k] - lr * grads[k] / (np.sqrt(s[k]) + epsilon) for k in params}
    return new, {"s": s}


def adam_init(params):
    return {"v": _zeros_like(params), "s": _zeros_like(params), "t": 0}


def _adam_step(grads, state, params, *, beta1, beta2):
    """t, v, s and the bias-corrected v_corr, s_corr of one Adam update."""
    t = state["t"] + 1
    v = {k: beta1 * state["v"][k] + (1 - beta1) * grads[k] for k in params}
    s = {k: beta2 * state["s"][k] + (1 - beta2) * np.square(grads[k]) for k in params}
    v_corrected = {k: v[k] / (1 - beta1**t) for k in params}
    s_corrected = {k: s[k] / (1 - beta2**t) for k in params}
    return {"v": v, "s": s, "t": t}, v_corrected, s_corrected


def adam_update(grads, state, params, lr, *, beta1, beta2, epsilon, eps_hat=False):
    """Bias-corrected Adam; t counts updates (mini-batches), from 1.

    W = W - lr v_corr / (sqrt(s_corr) + epsilon). eps_hat=True is Keras 3's variant, where
    epsilon is added to sqrt(s) before the bias correction: epsilon / sqrt(1 - beta2^t) here.
    """
    state, v_corrected, s_corrected = _adam_step(grads, state, params, beta1=beta1, beta2=beta2)
    eps = epsilon / np.sqrt(1 - beta2 ** state["t"]) if eps_hat else epsilon
    new = {k: params[k] - lr * v_corrected[k] / (np.sqrt(s_corrected[k]) + eps) for k in params}
    return new, state


def adamw_update(grads, state, params, lr, *, beta1, beta2, epsilon, weight_decay, eps_hat=False):
    """Adam with decoupled weight decay: W = W - lr (v_corr / (sqrt(s_corr) + epsilon) + wd W).

    The decay acts on every parameter and is not part of the gradient, so the moments never see
    it (unlike L2 in the cost). eps_hat as in adam_update.
    """
    state, v_corrected, s_corrected = _adam_step(grads, state, params, beta1=beta1, beta2=beta2)
    eps = epsilon / np.sqrt(1 - beta2 ** state["t"]) if eps_hat else epsilon
    new = {}
    for k in params:
        direction = v_corrected[k] / (np.sqrt(s_corrected[k]) + eps)
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
