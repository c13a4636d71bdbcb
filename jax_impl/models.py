"""The four architectures through one L-layer code path.

logistic    [n_x, 1]                 LINEAR -> SIGMOID
two_layer   [n_x, n_h, n_y]          LINEAR -> tanh|relu -> LINEAR -> SIGMOID
deep        [n_x, n_1, ..., n_L]     (LINEAR -> RELU [-> DROPOUT]) x (L-1) -> LINEAR -> SIGMOID|SOFTMAX
softmax_bn  [n_x, n_1, ..., n_L]     (LINEAR(no b) -> BATCHNORM -> RELU) x (L-1) -> LINEAR -> SOFTMAX

X is (n_x, m); Y is (1, m) for sigmoid, one-hot (C, m) for softmax.
Pure functions of dicts of arrays (pytrees), each jitted per spec; they take NumPy input and
nest inside a caller's jit (train jits the whole run).
Where the reference returns caches for its backward pass, these return the new batch-norm
state: the backward pass is jax.value_and_grad of the cost.
"""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from dlparity import DlparityError
from dlparity.checks import check_inputs
from dlparity.init import initial_bn_state
from dlparity.rng import dropout_masks
from dlparity.spec import ModelSpec
from jax_impl import activations, layers, losses


def check_dtype(spec: ModelSpec) -> None:
    """float64 needs jax_enable_x64, which importing jax_impl switches on; refuse to run without it.

    Without it JAX silently computes in float32. It happens when jax_impl is loaded as a
    namespace package (a stale editable install made while jax_impl/ had no __init__.py).
    """
    if spec.dtype == "float64" and not jax.config.jax_enable_x64:
        raise DlparityError(
            "dtype: float64 needs jax_enable_x64, but jax_impl/__init__.py did not run (a stale "
            "editable install registers jax_impl as a namespace package: pip install -e . again)"
        )


def _as_arrays(tree, dtype):
    """NumPy or JAX arrays -> JAX arrays of the spec's dtype; None stays None."""
    return None if tree is None else jax.tree.map(lambda a: jnp.asarray(a, dtype=dtype), tree)


def _check_shapes(what: str, tree, shapes: dict) -> None:
    for key, shape in shapes.items():
        if key not in tree:
            raise DlparityError(f"{what}: missing {key}")
        if tuple(tree[key].shape) != shape:
            raise DlparityError(
                f"{what}: {key} has shape {tuple(tree[key].shape)}, expected {shape}"
            )


def _masks_for(spec: ModelSpec, m: int, masks, training: bool):
    if not training or spec.keep_prob >= 1:
        return None
    # the course's convention when none are given: re-seeded with 1 on every forward pass
    masks = masks if masks is not None else dropout_masks(spec.layer_dims, m, spec.keep_prob)
    dims = spec.layer_dims
    _check_shapes("masks", masks, {f"D{l}": (dims[l], m) for l in range(1, spec.num_layers)})
    return masks


def _check_labels(Y, spec: ModelSpec) -> None:
    """Sigmoid labels must be 0 or 1: losses.binary_cross_entropy relies on it.

    Only concrete arrays are checked; under a trace (train) dlparity.checks.check_data has.
    """
    if spec.output == "sigmoid" and not isinstance(Y, jax.core.Tracer):
        values = np.asarray(Y)
        if not np.all((values == 0) | (values == 1)):
            raise DlparityError(f"Y: labels must be 0 or 1, found {np.unique(values)[:5].tolist()}")


def _check_bn_state(bn_state, spec: ModelSpec) -> None:
    dims, shapes = spec.layer_dims, {}
    for l in range(1, spec.num_layers):
        shapes[f"mu{l}"] = shapes[f"var{l}"] = (dims[l], 1)
    _check_shapes("bn_state", bn_state, shapes)


def _hidden_layer(A_prev, params, l, spec, *, training, bn_state):
    """One hidden layer before dropout. Returns Z_l (into the activation), A_l, batch statistics."""
    if spec.batchnorm:
        Z = layers.linear_forward(A_prev, params[f"W{l}"])
        running = (None, None) if training else (bn_state[f"mu{l}"], bn_state[f"var{l}"])
        Z, stats = layers.batchnorm_forward(
            Z,
            params[f"gamma{l}"],
            params[f"beta{l}"],
            spec.bn_epsilon,
            mu=running[0],
            var=running[1],
        )
    else:
        Z, stats = layers.linear_forward(A_prev, params[f"W{l}"], params[f"b{l}"]), None
    return Z, activations.HIDDEN[spec.hidden_activation](Z), stats


def _forward_values(params, X, spec: ModelSpec, *, training, masks, bn_state):
    """Every layer's Z_l and A_l (A_l before dropout), and the batch statistics per BN layer."""
    check_dtype(spec)
    check_inputs(params, X, spec)
    masks = _masks_for(spec, X.shape[1], masks, training)
    if spec.batchnorm and not training:
        if bn_state is None:
            raise DlparityError("bn_state: inference with batch norm needs the running statistics")
        _check_bn_state(bn_state, spec)
    params, X = _as_arrays(params, spec.dtype), _as_arrays(X, spec.dtype)
    masks, bn_state = _as_arrays(masks, spec.dtype), _as_arrays(bn_state, spec.dtype)
    A, values, stats = X, {}, {}
    for l in range(1, spec.num_layers):
        values[f"Z{l}"], values[f"A{l}"], stats[l] = _hidden_layer(
            A, params, l, spec, training=training, bn_state=bn_state
        )
        A = values[f"A{l}"]
        if masks is not None:
            A = layers.dropout_forward(A, masks[f"D{l}"], spec.keep_prob)
    L = spec.num_layers
    ZL = layers.linear_forward(A, params[f"W{L}"], params[f"b{L}"])
    values[f"Z{L}"] = ZL
    values[f"A{L}"] = (
        activations.sigmoid(ZL) if spec.output == "sigmoid" else activations.softmax(ZL)
    )
    return values, stats


def forward_layers(params, X, spec: ModelSpec, *, training, masks=None, bn_state=None) -> dict:
    """{Z1, A1, ..., ZL, AL} in forward order; A_l before dropout, as the reference's caches hold it."""
    values, _ = _forward_values(params, X, spec, training=training, masks=masks, bn_state=bn_state)
    return values


def _updated_bn_state(stats, spec: ModelSpec, bn_state):
    """Running averages: running * momentum + batch * (1 - momentum), as Keras does."""
    if not spec.batchnorm:
        return bn_state if bn_state is not None else {}
    # unlike the reference, a training-mode forward without bn_state starts from mu 0, var 1
    bn_state = _as_arrays(bn_state if bn_state is not None else initial_bn_state(spec), spec.dtype)
    new, momentum = {}, spec.bn_momentum
    for l in range(1, spec.num_layers):
        mu, var = stats[l]
        new[f"mu{l}"] = bn_state[f"mu{l}"] * momentum + mu * (1 - momentum)
        new[f"var{l}"] = bn_state[f"var{l}"] * momentum + var * (1 - momentum)
    return new


@partial(jax.jit, static_argnames=("spec", "training"))
def _forward(params, X, spec, training, masks, bn_state):
    values, stats = _forward_values(
        params, X, spec, training=training, masks=masks, bn_state=bn_state
    )
    new_state = _updated_bn_state(stats, spec, bn_state) if training else None
    return values[f"A{spec.num_layers}"], new_state


def _in_order(tree: dict, like: dict | None) -> dict:
    """tree with like's key order (a dict through jax.jit comes back with sorted keys)."""
    return {} if like is None else {key: tree[key] for key in like}


def forward(params, X, spec: ModelSpec, *, training, masks=None, bn_state=None):
    """Forward pass. Returns (AL, bn_state): updated by this batch's statistics when training.

    training=True uses dropout masks (given, or the course's seed-1 masks) and batch statistics;
    training=False uses no dropout and the running statistics in bn_state, returned as given.
    """
    if spec.batchnorm and bn_state is not None:
        _check_bn_state(bn_state, spec)
    AL, new_state = _forward(params, X, spec, training, masks, bn_state)
    if not training or not spec.batchnorm:
        return AL, bn_state if bn_state is not None else {}
    return AL, _in_order(new_state, bn_state if bn_state is not None else initial_bn_state(spec))


def _cost_and_stats(params, X, Y, spec, masks, bn_state):
    """Training-mode cost and the batch statistics: the function jax.value_and_grad differentiates."""
    values, stats = _forward_values(params, X, spec, training=True, masks=masks, bn_state=bn_state)
    L, Y = spec.num_layers, _as_arrays(Y, spec.dtype)
    if spec.output == "sigmoid":
        cost = losses.binary_cross_entropy(values[f"Z{L}"], Y)
    else:
        cost = losses.softmax_cross_entropy(values[f"Z{L}"], Y)
    if spec.lambd > 0:
        cost = cost + losses.l2_penalty(params, spec.lambd, Y.shape[1])
    return cost, stats


@partial(jax.jit, static_argnames="spec")
def _cost(params, X, Y, spec, masks, bn_state):
    return _cost_and_stats(_as_arrays(params, spec.dtype), X, Y, spec, masks, bn_state)[0]


def compute_cost(params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None):
    """Training-mode cost J (mean over the m examples, plus L2 when spec.lambd > 0)."""
    check_inputs(params, X, spec, Y)
    _check_labels(Y, spec)
    return _cost(params, X, Y, spec, masks, bn_state)


@partial(jax.jit, static_argnames="spec")
def _gradients(params, X, Y, spec, masks, bn_state):
    (cost, stats), grads = jax.value_and_grad(_cost_and_stats, has_aux=True)(
        _as_arrays(params, spec.dtype), X, Y, spec, masks, bn_state
    )
    return cost, grads, _updated_bn_state(stats, spec, bn_state)


def gradients(params, X, Y, spec: ModelSpec, *, masks=None, bn_state=None):
    """One training-mode forward pass and jax.value_and_grad. Returns (cost, grads, new bn_state)."""
    check_inputs(params, X, spec, Y)
    _check_labels(Y, spec)
    if spec.batchnorm:
        if bn_state is None:
            raise DlparityError(
                "bn_state: batch norm needs running statistics (dlparity.init.initial_bn_state)"
            )
        _check_bn_state(bn_state, spec)
    cost, grads, new_state = _gradients(params, X, Y, spec, masks, bn_state)
    if spec.batchnorm:
        new_state = _in_order(new_state, bn_state)
    return cost, _in_order(grads, params), new_state


def predict(params, X, spec: ModelSpec, *, bn_state=None):
    """Labels (1, m): 1 where the sigmoid output exceeds 0.5, or the argmax class for softmax."""
    AL, _ = forward(params, X, spec, training=False, bn_state=bn_state)
    if spec.output == "sigmoid":
        return (AL > 0.5).astype(spec.dtype)
    return jnp.argmax(AL, axis=0).reshape(1, -1).astype(spec.dtype)
