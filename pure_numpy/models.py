"""The four architectures through one L-layer code path.

logistic    [n_x, 1]                 LINEAR -> SIGMOID
two_layer   [n_x, n_h, n_y]          LINEAR -> tanh|relu -> LINEAR -> SIGMOID
deep        [n_x, n_1, ..., n_L]     (LINEAR -> RELU [-> DROPOUT]) x (L-1) -> LINEAR -> SIGMOID|SOFTMAX
softmax_bn  [n_x, n_1, ..., n_L]     (LINEAR(no b) -> BATCHNORM -> RELU) x (L-1) -> LINEAR -> SOFTMAX

X is (n_x, m); Y is (1, m) for sigmoid, one-hot (C, m) for softmax. Inputs are checked and
converted once, by dlparity.core.contract. The backward pass is written by hand, from the caches.
"""

from dlparity.core import contract
from dlparity.core.spec import ModelSpec
from pure_numpy import activations, boundary, layers, losses


def _hidden_layer(A_prev, params, l, spec, *, training, D, bn_state):
    """One hidden layer. Returns A_l, its cache and its batch statistics (or None)."""
    cache = {"D": D}
    if spec.batchnorm:
        Z, cache["linear"] = layers.linear_forward(A_prev, params[f"W{l}"])
        running = (None, None) if training else (bn_state[f"mu{l}"], bn_state[f"var{l}"])
        Z, cache["bn"], stats = layers.batchnorm_forward(
            Z,
            params[f"gamma{l}"],
            params[f"beta{l}"],
            spec.bn_epsilon,
            mu=running[0],
            var=running[1],
        )
    else:
        Z, cache["linear"] = layers.linear_forward(A_prev, params[f"W{l}"], params[f"b{l}"])
        stats = None
    A = activations.HIDDEN[spec.hidden_activation](Z)
    cache.update(Z=Z, A=A)
    if D is not None:
        A = layers.dropout_forward(A, D, spec.keep_prob)
    return A, cache, stats


def _updated_bn_state(all_stats, spec, bn_state):
    """Running averages: running * momentum + batch * (1 - momentum), as Keras does."""
    momentum, new = spec.bn_momentum, {}
    for l, (mu, var) in enumerate(all_stats, start=1):
        new[f"mu{l}"] = bn_state[f"mu{l}"] * momentum + mu * (1 - momentum)
        new[f"var{l}"] = bn_state[f"var{l}"] * momentum + var * (1 - momentum)
    return new


def _forward(params, X, spec: ModelSpec, *, training, masks, bn_state):
    """Forward pass on checked inputs. Returns (AL, caches, new bn_state); caches[l - 1] holds
    layer l's Z and A (A before dropout) and what the backward pass needs."""
    A, caches, all_stats = X, [], []
    for l in range(1, spec.num_layers):
        D = masks[f"D{l}"] if masks is not None else None
        A, cache, stats = _hidden_layer(
            A, params, l, spec, training=training, D=D, bn_state=bn_state
        )
        caches.append(cache)
        all_stats.append(stats)
    L = spec.num_layers
    ZL, linear_cache = layers.linear_forward(A, params[f"W{L}"], params[f"b{L}"])
    AL = activations.sigmoid(ZL) if spec.output == "sigmoid" else activations.softmax(ZL)
    caches.append({"linear": linear_cache, "Z": ZL, "A": AL})
    if spec.batchnorm and training:
        bn_state = _updated_bn_state(all_stats, spec, bn_state)
    return AL, caches, bn_state if bn_state is not None else {}


def _cost(ZL, Y, params, spec):
    """J from the output layer's logits (plus L2 when spec.lambd > 0)."""
    if spec.output == "sigmoid":
        cost = losses.binary_cross_entropy(ZL, Y)
    else:
        cost = losses.softmax_cross_entropy(ZL, Y)
    if spec.lambd > 0:
        cost += losses.l2_penalty(params, spec.lambd, Y.shape[1])
    return cost


def _cost_and_state(params, X, Y, spec, masks, bn_state):
    """Training-mode cost and the new bn_state (no backward pass: compute_cost)."""
    _, caches, bn_state = _forward(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    return _cost(caches[-1]["Z"], Y, params, spec), bn_state


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
    return contract.in_order(grads, params)


def cost_and_gradients(params, X, Y, spec: ModelSpec, masks, bn_state):
    """(cost, grads, new bn_state) on checked arrays: what train() calls for every batch."""
    AL, caches, bn_state = _forward(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    cost = _cost(caches[-1]["Z"], Y, params, spec)
    return cost, _backward(AL, Y, caches, params, spec), bn_state


def _cost_only(params, X, Y, spec, masks, bn_state):
    return _cost_and_state(params, X, Y, spec, masks, bn_state)[0]


def forward(params, X, spec: ModelSpec, *, training, masks=None, bn_state=None):
    """Forward pass. Returns (AL, bn_state).

    training=True uses dropout masks (given, or the course's seed-1 masks) and batch statistics,
    and returns the running statistics updated by them; training=False uses no dropout and the
    running statistics in bn_state, returned as given ({} without batch norm).
    """
    params, X, _, masks, bn_state = boundary.arrays(
        spec, params, X, training=training, masks=masks, bn_state=bn_state
    )
    AL, _, new_state = _forward_call(
        params, X, spec, training=training, masks=masks, bn_state=bn_state
    )
    return AL, contract.in_order(new_state, bn_state or {})


def forward_layers(params, X, spec: ModelSpec, *, training, masks=None, bn_state=None) -> dict:
    """{Z1, A1, ..., ZL, AL} in forward order, A_l before dropout: for layer-by-layer comparison."""
    params, X, _, masks, bn_state = boundary.arrays(
        spec, params, X, training=training, masks=masks, bn_state=bn_state
    )
    _, caches, _ = _forward_call(params, X, spec, training=training, masks=masks, bn_state=bn_state)
    return contract.layer_values([(cache["Z"], cache["A"]) for cache in caches])


def compute_cost(params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None):
    """Training-mode cost J (mean over the m examples, plus L2 when spec.lambd > 0)."""
    arguments = boundary.arrays(spec, params, X, Y, training=True, masks=masks, bn_state=bn_state)
    return _cost_call(*arguments[:3], spec, *arguments[3:])


def gradients(params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None):
    """One training-mode forward and backward pass. Returns (cost, grads, new bn_state)."""
    arguments = boundary.arrays(spec, params, X, Y, training=True, masks=masks, bn_state=bn_state)
    cost, grads, new_state = _gradients_call(*arguments[:3], spec, *arguments[3:])
    return (
        cost,
        contract.in_order(grads, params),
        contract.in_order(new_state, arguments.bn_state or {}),
    )


def predict(params, X, spec: ModelSpec, *, bn_state=None):
    """Labels (1, m), NumPy float64: AL > 0.5 for a sigmoid output, the argmax class for softmax."""
    AL, _ = forward(params, X, spec, training=False, bn_state=bn_state)
    return contract.predictions(AL, spec)


# one call per spec and mode, compiled where the framework compiles (boundary.py)
_forward_call = boundary.compiled(_forward, static=("spec", "training"))
_cost_call = boundary.compiled(_cost_only, static=("spec",))
_gradients_call = boundary.compiled(cost_and_gradients, static=("spec",))
