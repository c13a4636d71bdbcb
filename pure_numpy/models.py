"""The four architectures through one L-layer code path.

logistic    [n_x, 1]                 LINEAR -> SIGMOID
two_layer   [n_x, n_h, n_y]          LINEAR -> tanh|relu -> LINEAR -> SIGMOID
deep        [n_x, n_1, ..., n_L]     (LINEAR -> RELU [-> DROPOUT]) x (L-1) -> LINEAR -> SIGMOID|SOFTMAX
softmax_bn  [n_x, n_1, ..., n_L]     (LINEAR(no b) -> BATCHNORM -> RELU) x (L-1) -> LINEAR -> SOFTMAX

X is (n_x, m); Y is (1, m) for sigmoid, one-hot (C, m) for softmax.
"""

import numpy as np

from dlparity import DlparityError
from dlparity.checks import check_inputs
from dlparity.rng import dropout_masks
from dlparity.spec import ModelSpec
from pure_numpy import activations, layers, losses


def _masks_for(spec: ModelSpec, m: int, masks, training: bool):
    if not training or spec.keep_prob >= 1:
        return None
    # the course's convention when none are given: re-seeded with 1 on every forward pass
    return masks if masks is not None else dropout_masks(spec.layer_dims, m, spec.keep_prob)


def _hidden_layer(A_prev, params, l, spec, *, training, D, bn_state):
    """One hidden layer. Returns A_l, the layer's cache and its batch statistics (or None)."""
    cache = {}
    if spec.batchnorm:
        Z, cache["linear"] = layers.linear_forward(A_prev, params[f"W{l}"])
        running = (None, None) if training else (bn_state[f"mu{l}"], bn_state[f"var{l}"])
        Z_tilde, cache["bn"], stats = layers.batchnorm_forward(
            Z,
            params[f"gamma{l}"],
            params[f"beta{l}"],
            spec.bn_epsilon,
            mu=running[0],
            var=running[1],
        )
        cache["Z"] = Z_tilde
    else:
        Z, cache["linear"] = layers.linear_forward(A_prev, params[f"W{l}"], params[f"b{l}"])
        cache["Z"], stats = Z, None
    A = activations.HIDDEN[spec.hidden_activation](cache["Z"])
    cache["A"] = A
    if D is not None:
        A = layers.dropout_forward(A, D, spec.keep_prob)
    return A, cache, stats


def forward(params, X, spec: ModelSpec, *, training, masks=None, bn_state=None):
    """Forward pass. Returns (AL, caches); caches[l - 1] holds layer l's values for backward.

    training=True uses dropout masks (given, or the course's seed-1 masks) and batch statistics;
    training=False uses no dropout and the running statistics in bn_state.
    """
    check_inputs(params, X, spec)
    masks = _masks_for(spec, X.shape[1], masks, training)
    if spec.batchnorm and not training and bn_state is None:
        raise DlparityError("bn_state: inference with batch norm needs the running statistics")
    A, caches = X, []
    for l in range(1, spec.num_layers):
        D = masks[f"D{l}"] if masks is not None else None
        A, cache, stats = _hidden_layer(
            A, params, l, spec, training=training, D=D, bn_state=bn_state
        )
        cache.update(D=D, stats=stats)
        caches.append(cache)
    L = spec.num_layers
    ZL, linear_cache = layers.linear_forward(A, params[f"W{L}"], params[f"b{L}"])
    AL = activations.sigmoid(ZL) if spec.output == "sigmoid" else activations.softmax(ZL)
    caches.append({"linear": linear_cache, "Z": ZL, "A": AL})
    return AL, caches


def _cost_from(AL, caches, Y, params, spec):
    ZL = caches[-1]["Z"]
    if spec.output == "sigmoid":
        cost = losses.binary_cross_entropy(ZL, Y)
    else:
        cost = losses.softmax_cross_entropy(ZL, Y)
    if spec.lambd > 0:
        cost += losses.l2_penalty(params, spec.lambd, Y.shape[1])
    return cost


def compute_cost(params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None):
    """Training-mode cost J (mean over the m examples, plus L2 when spec.lambd > 0)."""
    check_inputs(params, X, spec, Y)
    AL, caches = forward(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    return _cost_from(AL, caches, Y, params, spec)


def _backward(AL, Y, caches, params, spec):
    """Hand-written backward pass. dZ_L = AL - Y for both sigmoid and softmax outputs."""
    grads, L, m = {}, spec.num_layers, Y.shape[1]
    dZ = AL - Y
    for l in range(L, 0, -1):
        cache = caches[l - 1]
        has_bias = not (spec.batchnorm and l < L)
        dA_prev, dW, db = layers.linear_backward(dZ, cache["linear"], has_bias=has_bias)
        grads[f"W{l}"] = dW + spec.lambd / m * params[f"W{l}"] if spec.lambd > 0 else dW
        if has_bias:
            grads[f"b{l}"] = db
        if l == 1:
            break
        below = caches[l - 2]
        if below["D"] is not None:
            dA_prev = layers.dropout_backward(dA_prev, below["D"], spec.keep_prob)
        if spec.hidden_activation == "relu":
            dZ = activations.relu_backward(dA_prev, below["Z"])
        else:
            dZ = activations.tanh_backward(dA_prev, below["A"])
        if spec.batchnorm:
            dZ, grads[f"gamma{l - 1}"], grads[f"beta{l - 1}"] = layers.batchnorm_backward(
                dZ, below["bn"]
            )
    return {key: grads[key] for key in params}


def _updated_bn_state(caches, spec, bn_state):
    """Running averages: running * momentum + batch * (1 - momentum), as Keras does."""
    if not spec.batchnorm:
        return bn_state
    new, momentum = {}, spec.bn_momentum
    for l in range(1, spec.num_layers):
        mu, var = caches[l - 1]["stats"]
        new[f"mu{l}"] = bn_state[f"mu{l}"] * momentum + mu * (1 - momentum)
        new[f"var{l}"] = bn_state[f"var{l}"] * momentum + var * (1 - momentum)
    return new


def gradients(params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None):
    """One training-mode forward and backward pass. Returns (cost, grads, new bn_state)."""
    check_inputs(params, X, spec, Y)
    if spec.batchnorm and bn_state is None:
        raise DlparityError(
            "bn_state: batch norm needs running statistics (dlparity.init.initial_bn_state)"
        )
    AL, caches = forward(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    cost = _cost_from(AL, caches, Y, params, spec)
    return cost, _backward(AL, Y, caches, params, spec), _updated_bn_state(caches, spec, bn_state)


def predict(params, X, spec: ModelSpec, *, bn_state=None):
    """Labels (1, m): 1 where the sigmoid output exceeds 0.5, or the argmax class for softmax."""
    AL, _ = forward(params, X, spec, training=False, bn_state=bn_state)
    if spec.output == "sigmoid":
        return (AL > 0.5).astype(np.float64)
    return np.argmax(AL, axis=0).reshape(1, -1).astype(np.float64)
