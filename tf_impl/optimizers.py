"""Optimizers as (init, update) pairs over dicts of tensors, the course's formulas in TF ops.

init(params) -> state;  update(grads, state, params, lr) -> (params, state).
Each update returns new dicts of tensors; train() assigns them to its tf.Variables.
"""

import tensorflow as tf

from dlparity.core.optimizers import Optimizer, bind
from dlparity.core.spec import TrainConfig
from tf_impl.precision import hyper, tensor


def _zeros_like(params):
    return {k: tf.zeros_like(v) for k, v in params.items()}


def _dtype(params) -> str:
    return next(iter(params.values())).dtype.name


def _scalars(dtype, *values):
    # hyperparameters as constants of the working dtype: a Python float through float32 is not 0.9
    return [tf.constant(hyper(value, dtype)) for value in values]


def _bias_correction(beta, t, dtype):
    # 1 - beta^t in float64 as the reference's Python floats, then to the working dtype
    return tf.cast(1 - tf.pow(tf.constant(beta, tf.float64), tf.cast(t, tf.float64)), dtype)


def gd_init(params):
    return {}


def gd_update(grads, state, params, lr):
    """W = W - lr dW."""
    lr = tensor(lr, _dtype(params))
    return {k: params[k] - lr * grads[k] for k in params}, state


def momentum_init(params):
    return {"v": _zeros_like(params)}


def momentum_update(grads, state, params, lr, *, beta):
    """v = beta v + (1 - beta) dW;  W = W - lr v."""
    dtype = _dtype(params)
    lr, beta, one_minus_beta = tensor(lr, dtype), *_scalars(dtype, beta, 1 - beta)
    v = {k: beta * state["v"][k] + one_minus_beta * grads[k] for k in params}
    return {k: params[k] - lr * v[k] for k in params}, {"v": v}


def rmsprop_init(params):
    return {"s": _zeros_like(params)}


def rmsprop_update(grads, state, params, lr, *, beta2, epsilon, eps_in_sqrt=False):
    """s = beta2 s + (1 - beta2) dW^2;  W = W - lr dW / (sqrt(s) + epsilon).

    eps_in_sqrt=True is Keras' variant, dW / sqrt(s + epsilon).
    """
    dtype = _dtype(params)
    lr = tensor(lr, dtype)
    beta2, one_minus_beta2, epsilon = _scalars(dtype, beta2, 1 - beta2, epsilon)
    s = {k: beta2 * state["s"][k] + one_minus_beta2 * tf.square(grads[k]) for k in params}
    if eps_in_sqrt:
        new = {k: params[k] - lr * grads[k] / tf.sqrt(s[k] + epsilon) for k in params}
    else:
        new = {k: params[k] - lr * grads[k] / (tf.sqrt(s[k]) + epsilon) for k in params}
    return new, {"s": s}


def adam_init(params):
    return {"v": _zeros_like(params), "s": _zeros_like(params), "t": tf.constant(0, tf.int64)}


def _adam_step(grads, state, params, *, beta1, beta2):
    """t, v, s and the bias-corrected v_corr, s_corr of one Adam update."""
    dtype = _dtype(params)
    t = state["t"] + 1
    b1, one_minus_b1, b2, one_minus_b2 = _scalars(dtype, beta1, 1 - beta1, beta2, 1 - beta2)
    v = {k: b1 * state["v"][k] + one_minus_b1 * grads[k] for k in params}
    s = {k: b2 * state["s"][k] + one_minus_b2 * tf.square(grads[k]) for k in params}
    correction1, correction2 = _bias_correction(beta1, t, dtype), _bias_correction(beta2, t, dtype)
    v_corrected = {k: v[k] / correction1 for k in params}
    s_corrected = {k: s[k] / correction2 for k in params}
    return {"v": v, "s": s, "t": t}, v_corrected, s_corrected


def _epsilon(epsilon, beta2, t, dtype, eps_hat):
    (eps,) = _scalars(dtype, epsilon)
    return eps / tf.sqrt(_bias_correction(beta2, t, dtype)) if eps_hat else eps


def adam_update(grads, state, params, lr, *, beta1, beta2, epsilon, eps_hat=False):
    """Bias-corrected Adam; t counts updates (mini-batches), from 1.

    W = W - lr v_corr / (sqrt(s_corr) + epsilon). eps_hat=True is Keras 3's variant, where
    epsilon is added to sqrt(s) before the bias correction: epsilon / sqrt(1 - beta2^t) here.
    """
    dtype = _dtype(params)
    state, v_corrected, s_corrected = _adam_step(grads, state, params, beta1=beta1, beta2=beta2)
    lr, eps = tensor(lr, dtype), _epsilon(epsilon, beta2, state["t"], dtype, eps_hat)
    new = {k: params[k] - lr * v_corrected[k] / (tf.sqrt(s_corrected[k]) + eps) for k in params}
    return new, state


def adamw_update(grads, state, params, lr, *, beta1, beta2, epsilon, weight_decay, eps_hat=False):
    """Adam with decoupled weight decay: W = W - lr (v_corr / (sqrt(s_corr) + epsilon) + wd W)."""
    dtype = _dtype(params)
    state, v_corrected, s_corrected = _adam_step(grads, state, params, beta1=beta1, beta2=beta2)
    lr, eps = tensor(lr, dtype), _epsilon(epsilon, beta2, state["t"], dtype, eps_hat)
    (decay,) = _scalars(dtype, weight_decay)
    new = {}
    for k in params:
        direction = v_corrected[k] / (tf.sqrt(s_corrected[k]) + eps)
        new[k] = params[k] - lr * (direction + decay * params[k])
    return new, state


FORMULAS = {
    "gd": (gd_init, gd_update),
    "momentum": (momentum_init, momentum_update),
    "rmsprop": (rmsprop_init, rmsprop_update),
    "adam": (adam_init, adam_update),
    "adamw": (adam_init, adamw_update),
}


def course_state(state) -> dict:
    """The optimizer's state as NumPy in the course's terms (its own: v, s, and t as an int)."""
    return {
        slot: int(value.numpy()) if slot == "t" else {k: v.numpy() for k, v in value.items()}
        for slot, value in state.items()
    }


def from_course_state(course: dict, dtype: str) -> dict:
    """course_state's inverse: tensors of dtype, t as int64."""
    return {
        slot: tf.constant(value, tf.int64)
        if slot == "t"
        else {k: tensor(v, dtype) for k, v in value.items()}
        for slot, value in course.items()
    }


def make_optimizer(config: TrainConfig, *, eps_hat=False, eps_in_sqrt=False) -> Optimizer:
    """The optimizer a TrainConfig names, its hyperparameters (and any Keras variant) bound."""
    return bind(FORMULAS, config, eps_hat=eps_hat, eps_in_sqrt=eps_in_sqrt)
