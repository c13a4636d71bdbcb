"""Layer building blocks. Forward only: there are no caches, jax.value_and_grad does backward.

Shapes: A_prev (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1), Z (n_l, m).
"""

import jax.numpy as jnp
from jax import lax

from dlparity.core import layers as specs
from jax_impl import activations


def linear_forward(A_prev, W, b=None):
    """Z = W A_prev + b (b is None for a layer followed by batch norm)."""
    # precision="highest": on GPUs a float32 matmul would otherwise run in TF32 (10-bit mantissa)
    Z = jnp.matmul(W, A_prev, precision="highest")
    if b is not None:
        Z = Z + b
    return Z


def batchnorm_forward(Z, gamma, beta, epsilon, *, mu=None, var=None, axes=(1,)):
    """Z_tilde = gamma * (Z - mu) / sqrt(var + epsilon) + beta. Returns Z_tilde, (mu, var).

    With mu, var None (training) the statistics are the mini-batch's: mean and biased
    variance over the examples (axis 1 of (n, m); axes (0, 1, 2) of images, per channel).
    Otherwise the given running statistics are used.
    """
    if mu is None:
        mu = Z.mean(axis=axes, keepdims=True)
        var = ((Z - mu) ** 2).mean(axis=axes, keepdims=True)
    inv_std = 1 / jnp.sqrt(var + epsilon)
    Z_norm = (Z - mu) * inv_std
    return gamma * Z_norm + beta, (mu, var)


def dropout_forward(A, D, keep_prob):
    """Inverted dropout: A * D / keep_prob, D a 0/1 mask of A's shape."""
    return A * D / keep_prob


def zero_pad(X, pad):
    """X (m, n_H, n_W, n_C) with pad zeros on each side of n_H and n_W."""
    return jnp.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))


def conv_single_step(a_slice_prev, W, b):
    """One output value: the sum of a_slice_prev (f, f, n_C_prev) times one filter W, plus b."""
    return jnp.sum(a_slice_prev * W) + jnp.reshape(b, ())


def conv_forward(A_prev, W, b, hparameters):
    """Z = W * A_prev + b, cross-correlation like the course's: lax.conv_general_dilated with
    the course's layouts named (NHWC inputs, HWIO kernels) and its symmetric zero padding."""
    pad, stride = hparameters["pad"], hparameters["stride"]
    Z = lax.conv_general_dilated(
        A_prev,
        W,
        window_strides=(stride, stride),
        padding=((pad, pad), (pad, pad)),
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
        precision="highest",
    )
    return Z + b


def pool_forward(A_prev, hparameters, mode="max"):
    """The maximum or the mean of every f x f window (stride, no padding): lax.reduce_window.
    Its gradient sends a window's dA to one maximum where several tie (the course's mask: to
    each)."""
    f, stride = hparameters["f"], hparameters["stride"]
    window, strides = (1, f, f, 1), (1, stride, stride, 1)
    if mode == "max":
        return lax.reduce_window(A_prev, -jnp.inf, lax.max, window, strides, "VALID")
    return lax.reduce_window(A_prev, 0.0, lax.add, window, strides, "VALID") / (f * f)


def flatten_forward(A):
    """(m, n_H, n_W, n_C) -> (n_H n_W n_C, m): each example's row-major flattening, a column."""
    return A.reshape(A.shape[0], -1).T


# ---------------------------------------------------------------- one forward per layer type


def forward_dense(layer: specs.Dense, params, A_prev, run: specs.Pass):
    """Z_l (units, m) from A_prev (n_in, m)."""
    b = params[f"b{layer.l}"] if layer.use_bias else None
    return linear_forward(A_prev, params[f"W{layer.l}"], b), None


def forward_conv2d(layer: specs.Conv2D, params, A_prev, run: specs.Pass):
    """Z_l (m, n_H, n_W, n_C) from A_prev (m, n_H_prev, n_W_prev, n_C_prev)."""
    W, b = params[f"W{layer.l}"], params[f"b{layer.l}"] if layer.use_bias else 0.0
    return conv_forward(A_prev, W, b, layer.hparameters), None


def forward_pool2d(layer: specs.Pool2D, params, A_prev, run: specs.Pass):
    return pool_forward(A_prev, layer.hparameters, layer.mode), None


def forward_flatten(layer: specs.Flatten, params, A, run: specs.Pass):
    return flatten_forward(A), None


def forward_batchnorm(layer: specs.BatchNorm, params, Z, run: specs.Pass):
    """Z~_l; in training the running statistics are updated into run.new_state."""
    l = layer.l
    running = (None, None) if run.training else (run.bn_state[f"mu{l}"], run.bn_state[f"var{l}"])
    Z_tilde, (mu, var) = batchnorm_forward(
        Z, params[f"gamma{l}"], params[f"beta{l}"], layer.epsilon, mu=running[0], var=running[1],
        axes=layer.axes,
    )  # fmt: skip
    if run.training:
        run.new_state.update(layer.updated_state(run.bn_state, mu, var))
    return Z_tilde, None


def forward_residual(layer: specs.Residual, params, A, run: specs.Pass):
    """The inner layers' output plus A (the skip connection)."""
    Z = A
    for inner in layer.layers:
        Z, _ = FORWARD[type(inner)](inner, params, Z, run)
    return Z + A, None


def forward_activation(layer: specs.Activation, params, Z, run: specs.Pass):
    """A_l = g(Z_l); (Z_l, A_l) is what forward_layers reports."""
    A = activations.HIDDEN[layer.name](Z)
    return A, (Z, A)


def forward_dropout(layer: specs.Dropout, params, A, run: specs.Pass):
    """With masks (training): A D_l / keep_prob; without, A as it is."""
    if run.masks is None:
        return A, None
    return dropout_forward(A, run.masks[f"D{layer.l}"], layer.keep_prob), None


def forward_output(layer: specs.Output, params, ZL, run: specs.Pass):
    """A_L = sigmoid(Z_L) or softmax(Z_L); (Z_L, A_L): the cost reads Z_L."""
    AL = activations.sigmoid(ZL) if layer.kind == "sigmoid" else activations.softmax(ZL)
    return AL, (ZL, AL)


FORWARD = {
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
