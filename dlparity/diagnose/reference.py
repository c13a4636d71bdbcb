"""The reference's values of a model, and the same values under each known cause, in NumPy float64.

Every value is named as the user returns it, in forward order: Z1, A1, ..., Z{L}, AL (Z_l is the
value into the activation, after batch norm; A_l is before dropout), then the running statistics
mu1, var1, ..., then cost, then the gradients dW1, db1 (dgamma1, dbeta1), ...
Built from pure_numpy's layers, activations and losses, and pure_numpy.models.gradients.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace

import numpy as np

from dlparity.core.init import initial_bn_state
from dlparity.core.layers import mask_shapes
from dlparity.core.rng import dropout_masks
from dlparity.core.spec import ModelSpec
from pure_numpy import activations, layers, losses
from pure_numpy import models as reference

KERAS_EPSILON = 1e-7  # keras.config.epsilon(): BinaryCrossentropy clips probabilities to it
_EXAMPLES = 8
_SATURATION = (17.0, 23.0)  # |ZL| where 1e-10 < 1 - a < 4e-8: clipping acts, a stays below 1


@dataclass(frozen=True)
class Variant:
    """The course's model (Variant()) or one changed by known causes."""

    layout: bool = False  # tensors compared in Keras' layout too
    dropout_unscaled: bool = False  # A * D
    softmax_axis: int = 0  # 1: softmax over the examples
    bn_unbiased: bool = False  # batch variance over m - 1 in the normalization
    bn_epsilon: float | None = None  # instead of spec.bn_epsilon
    bn_momentum: float | None = None  # instead of spec.bn_momentum
    running_var_unbiased: bool = False  # running variance from the m - 1 variance
    bce_clip: bool = False  # probabilities clipped to [1e-7, 1 - 1e-7] in the loss
    cce_wrong_axis: bool = False  # CategoricalCrossentropy on (C, m): rows taken as examples
    l2_divisor: str = "2m"  # "2m" (course), "m" or "none"
    l2_float32: bool = False  # the L2 factor rounded to float32

    @property
    def has_cost(self) -> bool:
        return self.softmax_axis == 0 and not self.bn_unbiased

    @property
    def has_gradients(self) -> bool:
        return self.has_cost and not self.cce_wrong_axis


def _hidden(A_prev, params, l, spec, v: Variant, bn_state):
    """Z_l (into the activation), A_l, and layer l's new running statistics (or {})."""
    if not spec.batchnorm:
        Z, _ = layers.linear_forward(A_prev, params[f"W{l}"], params[f"b{l}"])
        return Z, activations.HIDDEN[spec.hidden_activation](Z), {}
    Z, _ = layers.linear_forward(A_prev, params[f"W{l}"])
    mu, biased = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
    unbiased = Z.var(axis=1, ddof=1, keepdims=True)
    epsilon = spec.bn_epsilon if v.bn_epsilon is None else v.bn_epsilon
    var = unbiased if v.bn_unbiased else biased
    Z, _, _ = layers.batchnorm_forward(
        Z, params[f"gamma{l}"], params[f"beta{l}"], epsilon, mu=mu, var=var
    )
    momentum = spec.bn_momentum if v.bn_momentum is None else v.bn_momentum
    batch_var = unbiased if v.running_var_unbiased else biased
    running = {f"mu{l}": bn_state[f"mu{l}"] * momentum + mu * (1 - momentum),
               f"var{l}": bn_state[f"var{l}"] * momentum + batch_var * (1 - momentum)}  # fmt: skip
    return Z, activations.HIDDEN[spec.hidden_activation](Z), running


def forward_values(params, case, spec: ModelSpec, v: Variant):
    """({Z1, A1, ..., Z{L}, AL} in forward order, new running statistics) in training mode."""
    values, running, A, L = {}, {}, case.X, spec.num_layers
    for l in range(1, L):
        Z, A_l, stats = _hidden(A, params, l, spec, v, case.bn_state)
        values[f"Z{l}"], values[f"A{l}"] = Z, A_l
        running.update(stats)
        A = A_l
        if case.masks is not None:
            D = case.masks[f"D{l}"]
            A = A_l * D if v.dropout_unscaled else layers.dropout_forward(A_l, D, spec.keep_prob)
    ZL, _ = layers.linear_forward(A, params[f"W{L}"], params[f"b{L}"])
    values[f"Z{L}"] = ZL
    if spec.output == "sigmoid":
        values["AL"] = activations.sigmoid(ZL)
    else:
        values["AL"] = activations.softmax(ZL if v.softmax_axis == 0 else ZL.T)
        values["AL"] = values["AL"] if v.softmax_axis == 0 else values["AL"].T
    return values, running


def _l2_factor(spec: ModelSpec, m: int, v: Variant) -> float:
    factor = {"2m": spec.lambd / (2 * m), "m": spec.lambd / m, "none": 0.0}[v.l2_divisor]
    return float(np.float32(factor)) if v.l2_float32 else factor


def _cost(values, params, case, spec: ModelSpec, v: Variant) -> float:
    AL, ZL, Y = values["AL"], values[f"Z{spec.num_layers}"], case.Y
    if spec.output == "sigmoid" and v.bce_clip:
        a = np.clip(AL, KERAS_EPSILON, 1 - KERAS_EPSILON)
        cost = float(-np.mean(Y * np.log(a) + (1 - Y) * np.log(1 - a)))
    elif spec.output == "sigmoid":
        cost = losses.binary_cross_entropy(ZL, Y)
    elif v.cce_wrong_axis:  # each class row taken as an example, its m entries as the classes
        P = np.clip(AL / AL.sum(axis=1, keepdims=True), KERAS_EPSILON, 1 - KERAS_EPSILON)
        cost = float(np.mean(-np.sum(Y * np.log(P), axis=1)))
    else:
        cost = losses.softmax_cross_entropy(ZL, Y)
    weights = sum(float(np.sum(np.square(W))) for k, W in params.items() if k.startswith("W"))
    return cost + _l2_factor(spec, Y.shape[1], v) * weights


def _gradients(values, params, case, spec: ModelSpec, v: Variant) -> dict:
    """dW1, db1, ... from the reference's backward pass on an equivalent problem (scaled masks,
    labels moved onto clipped outputs: arrays the public contract would refuse)."""
    masks, Y = case.masks, case.Y
    if v.dropout_unscaled:  # A D (keep_prob / keep_prob) is the unscaled A D
        masks = {k: D * spec.keep_prob for k, D in masks.items()}
    if v.bce_clip:  # the clip passes no gradient: dZ = a - y becomes 0 where a is clipped
        AL = values["AL"]
        Y = np.where((AL < KERAS_EPSILON) | (AL > 1 - KERAS_EPSILON), AL, Y)
    epsilon = spec.bn_epsilon if v.bn_epsilon is None else v.bn_epsilon
    plain = replace(spec, lambd=0.0, bn_epsilon=epsilon)
    _, grads, _ = reference.cost_and_gradients(params, case.X, Y, plain, masks, case.bn_state)
    factor = 2 * _l2_factor(spec, Y.shape[1], v)
    return {f"d{k}": g + factor * params[k] if k.startswith("W") else g for k, g in grads.items()}


def values(params, case, spec: ModelSpec, v: Variant) -> dict:
    """Every named value under variant v, in order; cost and gradients only where v defines them."""
    out, running = forward_values(params, case, spec, v)
    out.update(running)
    if v.has_cost:
        out["cost"] = np.asarray(_cost(out, params, case, spec, v))
    if v.has_gradients:
        out.update(_gradients(out, params, case, spec, v))
    return out


def _saturating_columns(params, spec: ModelSpec, directions: np.ndarray) -> list:
    """Up to two inputs c d whose ZL lies in +-_SATURATION, with the label that makes them cost."""
    scales = 2.0 ** (np.arange(100) / 4)  # steps of 19%: the band spans 35%
    X = np.concatenate([directions * c for c in scales] + [-directions * c for c in scales], axis=1)
    ones = None
    if spec.keep_prob < 1:
        # every unit kept (still / keep_prob)
        ones = {k: np.ones(shape) for k, shape in mask_shapes(spec.layers, X.shape[1]).items()}
    probe = SimpleNamespace(X=X, masks=ones, bn_state=None)
    ZL = forward_values(params, probe, spec, Variant())[0][f"Z{spec.num_layers}"][0]
    low, high = _SATURATION
    columns = []
    for sign, label in ((1, 0.0), (-1, 1.0)):  # a -> 1 with y = 0, a -> 0 with y = 1
        hits = np.flatnonzero((sign * ZL >= low) & (sign * ZL <= high))
        if hits.size:
            columns.append((X[:, hits[0]], label))
    return columns


def seeded_case(params, spec: ModelSpec):
    """X (n_x, m), Y, dropout masks and running statistics, seeded; for a sigmoid output, up to two
    extra examples that saturate it (case.saturated says how many)."""
    rng = np.random.RandomState(0)
    X = rng.randn(spec.layer_dims[0], _EXAMPLES)
    n_y = spec.layer_dims[-1]
    if spec.output == "sigmoid":
        Y = (rng.rand(1, _EXAMPLES) < 0.5).astype(np.float64)
        extra = _saturating_columns(params, spec, X)
        X = np.concatenate([X] + [x[:, None] for x, _ in extra], axis=1)
        Y = np.concatenate([Y] + [np.array([[y]]) for _, y in extra], axis=1)
    else:
        Y, extra = np.eye(n_y)[:, rng.randint(n_y, size=_EXAMPLES)], []
    m = X.shape[1]
    masks = None
    if spec.keep_prob < 1:
        masks = dropout_masks(spec.layers, m, seed=5)
        for D in masks.values():
            D[:, _EXAMPLES:] = 1.0  # the saturating examples keep every unit, as when found
    bn_state = None
    if spec.batchnorm:
        bn_state = {k: v + 0.2 * np.abs(rng.randn(*v.shape))
                    for k, v in initial_bn_state(spec.with_dtype("float64")).items()}  # fmt: skip
    return SimpleNamespace(X=X, Y=Y, masks=masks, bn_state=bn_state, saturated=len(extra))


def cost_atol(case, AL: np.ndarray, atol: float) -> float:
    """atol for the cost, widened by what float64 rounding of a costs in log(a) or log(1 - a).

    The course's formula takes logs of probabilities: a rounded by a few ulps moves -log(1 - a) by
    about 4 u / (1 - a) (u = 2^-52) where a is near 1, and -log(a) by 4 u / a near 0. Off saturation
    this adds ~1e-15; on the saturating examples (1 - a ~ 1e-8) it is ~1e-7 / m, still 1e7 times
    below what clipping changes (~2 / m).
    """
    u = np.finfo(np.float64).eps
    if AL.shape[0] != 1:
        return atol + float(np.sum(4 * u * case.Y / AL)) / AL.shape[1]
    slack = np.where(case.Y == 1, 4 * u / AL, 4 * u / (1 - AL))
    return atol + float(np.sum(slack)) / AL.shape[1]
