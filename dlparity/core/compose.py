"""One forward pass per layer type, for the packages whose framework differentiates it (jax_impl,
tf_impl): each type written once here against a package's building blocks (its linear_forward,
conv_forward, ..., in its framework's arrays), so the two packages differ only where their
frameworks do. The reference keeps its own forward / backward pairs with caches
(pure_numpy.layers).

Each forward takes (blocks, layer, params, A, run) and returns (A_next, what forward_layers
reports or None); a package's FORWARD table is forward_table(its blocks).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from dlparity.core import layers as specs


class Blocks(NamedTuple):
    """A package's building blocks, in its framework's arrays."""

    linear_forward: Callable
    conv_forward: Callable
    pool_forward: Callable
    flatten_forward: Callable
    batchnorm_forward: Callable
    dropout_forward: Callable
    hidden: dict  # activation name -> g
    sigmoid: Callable
    softmax: Callable


def forward_dense(blocks: Blocks, layer: specs.Dense, params, A_prev, run: specs.Pass):
    """Z_l (units, m) from A_prev (n_in, m)."""
    b = params[f"b{layer.l}"] if layer.use_bias else None
    return blocks.linear_forward(A_prev, params[f"W{layer.l}"], b), None


def forward_conv2d(blocks: Blocks, layer: specs.Conv2D, params, A_prev, run: specs.Pass):
    """Z_l (m, n_H, n_W, n_C) from A_prev (m, n_H_prev, n_W_prev, n_C_prev)."""
    W, b = params[f"W{layer.l}"], params[f"b{layer.l}"] if layer.use_bias else 0.0
    return blocks.conv_forward(A_prev, W, b, layer.hparameters), None


def forward_pool2d(blocks: Blocks, layer: specs.Pool2D, params, A_prev, run: specs.Pass):
    return blocks.pool_forward(A_prev, layer.hparameters, layer.mode), None


def forward_flatten(blocks: Blocks, layer: specs.Flatten, params, A, run: specs.Pass):
    return blocks.flatten_forward(A), None


def forward_batchnorm(blocks: Blocks, layer: specs.BatchNorm, params, Z, run: specs.Pass):
    """Z~_l; in training the running statistics are updated into run.new_state."""
    l = layer.l
    running = (None, None) if run.training else (run.bn_state[f"mu{l}"], run.bn_state[f"var{l}"])
    Z_tilde, (mu, var) = blocks.batchnorm_forward(
        Z, params[f"gamma{l}"], params[f"beta{l}"], layer.epsilon, mu=running[0], var=running[1],
        axes=layer.axes,
    )  # fmt: skip
    if run.training:
        run.new_state.update(layer.updated_state(run.bn_state, mu, var))
    return Z_tilde, None


def forward_residual(blocks: Blocks, layer: specs.Residual, params, A, run: specs.Pass):
    """The inner layers' output plus A (the skip connection)."""
    Z = A
    for inner in layer.layers:
        Z, _ = _FORWARD[type(inner)](blocks, inner, params, Z, run)
    return Z + A, None


def forward_activation(blocks: Blocks, layer: specs.Activation, params, Z, run: specs.Pass):
    """A_l = g(Z_l); (Z_l, A_l) is what forward_layers reports."""
    A = blocks.hidden[layer.name](Z)
    return A, (Z, A)


def forward_dropout(blocks: Blocks, layer: specs.Dropout, params, A, run: specs.Pass):
    """With masks (training): A D_l / keep_prob; without, A as it is."""
    if run.masks is None:
        return A, None
    return blocks.dropout_forward(A, run.masks[f"D{layer.l}"], layer.keep_prob), None


def forward_output(blocks: Blocks, layer: specs.Output, params, ZL, run: specs.Pass):
    """A_L = sigmoid(Z_L) or softmax(Z_L); (Z_L, A_L): the cost reads Z_L."""
    AL = blocks.sigmoid(ZL) if layer.kind == "sigmoid" else blocks.softmax(ZL)
    return AL, (ZL, AL)


_FORWARD = {
    specs.Dense: forward_dense,
    specs.Conv2D: forward_conv2d,
    specs.Pool2D: forward_pool2d,
    specs.Flatten: forward_flatten,
    specs.BatchNorm: forward_batchnorm,
    specs.Residual: forward_residual,
    specs.Activation: forward_activation,
    specs.Dropout: forward_dropout,
    specs.Output: forward_output,
}


def forward_table(blocks: Blocks) -> dict:
    """layer type -> forward(layer, params, A, run), on blocks."""
    return {kind: partial(forward, blocks) for kind, forward in _FORWARD.items()}
