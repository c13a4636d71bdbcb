"""A network is its spec's layers (dlparity.core.layers), composed: forward runs each layer's
forward in order; the backward pass is tf.GradientTape's.

The course's four architectures are four such sequences:
logistic    [n_x, 1]                 LINEAR -> SIGMOID
two_layer   [n_x, n_h, n_y]          LINEAR -> tanh|relu -> LINEAR -> SIGMOID
deep        [n_x, n_1, ..., n_L]     (LINEAR -> RELU [-> DROPOUT]) x (L-1) -> LINEAR -> SIGMOID|SOFTMAX
softmax_bn  [n_x, n_1, ..., n_L]     (LINEAR(no b) -> BATCHNORM -> RELU) x (L-1) -> LINEAR -> SOFTMAX

X is (n_x, m); Y is (1, m) for sigmoid, one-hot (C, m) for softmax. Inputs are checked and
converted once, by dlparity.core.contract.
"""

import tensorflow as tf

from dlparity.core import contract
from dlparity.core import layers as specs
from dlparity.core.spec import ModelSpec
from tf_impl import boundary, layers, losses


def _forward(params, X, spec: ModelSpec, *, training, masks, bn_state):
    """Forward pass on checked inputs. Returns (AL, caches, new bn_state): one cache per layer
    of spec.layers, for comparison (the tape keeps what backward needs): an activation's and the output's
    are its (Z, A) (A before dropout), the others' None."""
    run = specs.Pass(training, masks, bn_state, {})
    A, caches = X, []
    for layer in spec.layers:
        A, cache = layers.FORWARD[type(layer)](layer, params, A, run)
        caches.append(cache)
    new_state = run.new_state if training else bn_state
    return A, caches, new_state if new_state is not None else {}


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
    """The function the tape records: (cost, new bn_state)."""
    _, caches, bn_state = _forward(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    return _cost(caches[-1][0], Y, params, spec), bn_state


def cost_and_gradients(params, X, Y, spec: ModelSpec, masks, bn_state):
    """(cost, grads, new bn_state) on checked tensors or Variables: what train() calls."""
    with tf.GradientTape() as tape:
        tape.watch(params)
        cost, bn_state = _cost_and_state(params, X, Y, spec, masks, bn_state)
    grads = tape.gradient(cost, params)
    return cost, contract.in_order(grads, params), bn_state


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
    return contract.layer_values(specs.reported(spec.layers, caches))


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
