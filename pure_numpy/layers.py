"""Each layer type of dlparity.core.layers as a forward and backward pair, the course's way: the
forward returns a cache, the backward consumes it. The course's building blocks (linear_forward,
batchnorm_forward, ...) come first, then one pair per layer type, then the two tables that
models.py composes the network with.

Shapes: A_prev (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1), Z (n_l, m). Every backward takes and
returns derivatives unscaled by m (dZ_L = A_L - Y); dW, db, dgamma and dbeta carry the 1/m.
"""

import numpy as np

from dlparity.core import layers as specs
from pure_numpy import activations


def linear_forward(A_prev, W, b=None):
    """Z = W A_prev + b (b is None for a layer followed by batch norm)."""
    Z = W @ A_prev
    if b is not None:
        Z = Z + b
    return Z, (A_prev, W)


def linear_backward(dZ, cache, *, has_bias=True):
    """dW = (1/m) dZ A_prev^T, db = (1/m) sum(dZ), dA_prev = W^T dZ (dZ unscaled by m)."""
    A_prev, W = cache
    m = A_prev.shape[1]
    dW = 1.0 / m * (dZ @ A_prev.T)
    db = 1.0 / m * np.sum(dZ, axis=1, keepdims=True) if has_bias else None
    return W.T @ dZ, dW, db


def batchnorm_forward(Z, gamma, beta, epsilon, *, mu=None, var=None, axes=(1,)):
    """Z_tilde = gamma * (Z - mu) / sqrt(var + epsilon) + beta.

    With mu, var None (training) the statistics are the mini-batch's: mean and biased
    variance over the examples (axis 1 of (n, m); axes (0, 1, 2) of images, per channel).
    Otherwise the given running statistics are used. Returns Z_tilde, cache, (mu, var).
    """
    if mu is None:
        mu = Z.mean(axis=axes, keepdims=True)
        var = ((Z - mu) ** 2).mean(axis=axes, keepdims=True)
    inv_std = 1 / np.sqrt(var + epsilon)
    Z_norm = (Z - mu) * inv_std
    return gamma * Z_norm + beta, (Z_norm, gamma, inv_std, axes), (mu, var)


def batchnorm_backward(dZ_tilde, cache):
    """Back through training-mode batch norm (statistics depend on Z). Returns dZ, dgamma, dbeta.

    dZ_tilde is unscaled by m like every dZ here; dgamma and dbeta carry the 1/m (m the number of
    examples; an image's positions share its one example's weight).
    """
    Z_norm, gamma, inv_std, axes = cache
    n = int(np.prod([Z_norm.shape[a] for a in axes]))  # the values each statistic averages
    m = Z_norm.shape[axes[0]] if len(axes) > 1 else n
    dZ_norm = dZ_tilde * gamma
    dZ = (
        inv_std
        / n
        * (
            n * dZ_norm
            - dZ_norm.sum(axis=axes, keepdims=True)
            - Z_norm * (dZ_norm * Z_norm).sum(axis=axes, keepdims=True)
        )
    )
    dgamma = 1.0 / m * np.sum(dZ_tilde * Z_norm, axis=axes, keepdims=True)
    dbeta = 1.0 / m * np.sum(dZ_tilde, axis=axes, keepdims=True)
    return dZ, dgamma, dbeta


def dropout_forward(A, D, keep_prob):
    """Inverted dropout: A * D / keep_prob, D a 0/1 mask of A's shape."""
    return A * D / keep_prob


def dropout_backward(dA, D, keep_prob):
    """The same mask, the same scaling."""
    return dA * D / keep_prob


def zero_pad(X, pad):
    """X (m, n_H, n_W, n_C) with pad zeros on each side of n_H and n_W (or specs.pad_widths)."""
    return np.pad(X, ((0, 0), *specs.pad_widths(pad), (0, 0)))


def conv_single_step(a_slice_prev, W, b):
    """One output value: the sum of a_slice_prev (f, f, n_C_prev) times one filter W, plus b."""
    return np.sum(a_slice_prev * W) + float(np.asarray(b).item())


def _windows(A_pad, f, stride):
    """(m, n_H, n_W, n_C_prev, f, f): the window of every output position, a strided view of
    A_pad (no copy)."""
    view = np.lib.stride_tricks.sliding_window_view(A_pad, (f, f), axis=(1, 2))
    return view[:, ::stride, ::stride]


def conv_forward(A_prev, W, b, hparameters):
    """Z = W * A_prev + b, cross-correlation of every f x f window (C4W1), as one contraction.

    A_prev (m, n_H_prev, n_W_prev, n_C_prev), W (f, f, n_C_prev, n_C), b (1, 1, 1, n_C);
    Z (m, n_H, n_W, n_C), n_H = (n_H_prev - f + 2 pad) // stride + 1. Returns Z, cache.
    """
    windows = _windows(zero_pad(A_prev, hparameters["pad"]), W.shape[0], hparameters["stride"])
    Z = np.tensordot(windows, W.transpose(2, 0, 1, 3), axes=([3, 4, 5], [0, 1, 2])) + b
    return Z, (A_prev, W, b, hparameters)


def conv_backward(dZ, cache):
    """dA_prev, dW, db of conv_forward, summed over the examples as the course's conv_backward
    returns them (no 1/m): every window's share of dZ goes back to the inputs it read."""
    A_prev, W, _, hparameters = cache
    f, stride, pad = W.shape[0], hparameters["stride"], hparameters["pad"]
    A_pad = zero_pad(A_prev, pad)
    dW = np.tensordot(_windows(A_pad, f, stride), dZ, axes=([0, 1, 2], [0, 1, 2]))
    db = dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, -1)
    dA_pad = np.zeros_like(A_pad)
    n_H, n_W = dZ.shape[1:3]
    for i in range(f):
        for j in range(f):
            rows = slice(i, i + stride * (n_H - 1) + 1, stride)
            cols = slice(j, j + stride * (n_W - 1) + 1, stride)
            dA_pad[:, rows, cols, :] += dZ @ W[i, j].T
    n_H_prev, n_W_prev = A_prev.shape[1:3]
    (top, _), (left, _) = specs.pad_widths(pad)
    dA_prev = dA_pad[:, top : top + n_H_prev, left : left + n_W_prev, :]
    return dA_prev, dW.transpose(1, 2, 0, 3), db


def create_mask_from_window(x):
    """True where x holds its maximum: every tied maximum, as the course's mask (C4W1)."""
    return x == np.max(x)


def distribute_value(dz, shape):
    """dz spread evenly over a window of shape: the average's share, dz / (n_H n_W)."""
    n_H, n_W = shape
    return np.ones(shape) * dz / (n_H * n_W)


def pool_forward(A_prev, hparameters, mode="max"):
    """The maximum or the mean of every f x f window (stride, no padding), channel by channel.
    A_prev (m, n_H_prev, n_W_prev, n_C) -> A (m, n_H, n_W, n_C). Returns A, cache."""
    windows = _windows(A_prev, hparameters["f"], hparameters["stride"])
    A = windows.max(axis=(4, 5)) if mode == "max" else windows.mean(axis=(4, 5))
    return A, (A_prev, hparameters)


def pool_backward(dA, cache, mode="max", ties="all"):
    """dA_prev of pool_forward: max pooling sends each window's dA to its maximum (to every tied
    maximum: create_mask_from_window; with ties="first", to the first in row-major window order,
    as JAX and TensorFlow), average pooling shares it over the window (distribute_value);
    overlapping windows add up."""
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    n_H, n_W = dA.shape[1:3]
    windows = _windows(A_prev, f, stride)
    if ties == "first":
        first = windows.reshape(*windows.shape[:4], f * f).argmax(axis=4)
    else:
        maxima = windows.max(axis=(4, 5))
    dA_prev = np.zeros_like(A_prev)
    for i in range(f):
        for j in range(f):
            rows = slice(i, i + stride * (n_H - 1) + 1, stride)
            cols = slice(j, j + stride * (n_W - 1) + 1, stride)
            if mode == "average":
                dA_prev[:, rows, cols, :] += dA / (f * f)
            elif ties == "first":
                dA_prev[:, rows, cols, :] += (first == i * f + j) * dA
            else:
                dA_prev[:, rows, cols, :] += (windows[..., i, j] == maxima) * dA
    return dA_prev


def flatten_forward(A):
    """(m, n_H, n_W, n_C) -> (n_H n_W n_C, m): each example's row-major flattening, a column."""
    return A.reshape(A.shape[0], -1).T, A.shape


def flatten_backward(dA_flat, shape):
    return dA_flat.T.reshape(shape)


# ---------------------------------------------------------------- one pair per layer type


def forward_dense(layer: specs.Dense, params, A_prev, run: specs.Pass):
    """Z_l (units, m) from A_prev (n_in, m)."""
    b = params[f"b{layer.l}"] if layer.use_bias else None
    return linear_forward(A_prev, params[f"W{layer.l}"], b)


def backward_dense(layer: specs.Dense, params, dZ, cache, run: specs.Pass):
    dA_prev, dW, db = linear_backward(dZ, cache, has_bias=layer.use_bias)
    grads = {f"W{layer.l}": dW}
    if layer.use_bias:
        grads[f"b{layer.l}"] = db
    return dA_prev, grads


def forward_conv2d(layer: specs.Conv2D, params, A_prev, run: specs.Pass):
    """Z_l (m, n_H, n_W, n_C) from A_prev (m, n_H_prev, n_W_prev, n_C_prev)."""
    W, b = params[f"W{layer.l}"], params[f"b{layer.l}"] if layer.use_bias else 0.0
    return conv_forward(A_prev, W, b, layer.hparameters)


def backward_conv2d(layer: specs.Conv2D, params, dZ, cache, run: specs.Pass):
    """The course's sums over the examples, with the 1/m of the mean cost."""
    dA_prev, dW, db = conv_backward(dZ, cache)
    m = dZ.shape[layer.examples_axis]
    grads = {f"W{layer.l}": dW / m}
    if layer.use_bias:
        grads[f"b{layer.l}"] = db / m
    return dA_prev, grads


def forward_pool2d(layer: specs.Pool2D, params, A_prev, run: specs.Pass):
    return pool_forward(A_prev, layer.hparameters, layer.mode)


def backward_pool2d(layer: specs.Pool2D, params, dA, cache, run: specs.Pass):
    return pool_backward(dA, cache, layer.mode, layer.ties), {}


def forward_flatten(layer: specs.Flatten, params, A, run: specs.Pass):
    return flatten_forward(A)


def backward_flatten(layer: specs.Flatten, params, dA_flat, shape, run: specs.Pass):
    return flatten_backward(dA_flat, shape), {}


def forward_batchnorm(layer: specs.BatchNorm, params, Z, run: specs.Pass):
    """Z~_l; in training the running statistics are updated into run.new_state."""
    l = layer.l
    running = (None, None) if run.training else (run.bn_state[f"mu{l}"], run.bn_state[f"var{l}"])
    Z_tilde, cache, (mu, var) = batchnorm_forward(
        Z, params[f"gamma{l}"], params[f"beta{l}"], layer.epsilon, mu=running[0], var=running[1],
        axes=layer.axes,
    )  # fmt: skip
    if run.training:
        run.new_state.update(layer.updated_state(run.bn_state, mu, var))
    return Z_tilde, cache


def backward_batchnorm(layer: specs.BatchNorm, params, dZ_tilde, cache, run: specs.Pass):
    dZ, dgamma, dbeta = batchnorm_backward(dZ_tilde, cache)
    return dZ, {f"gamma{layer.l}": dgamma, f"beta{layer.l}": dbeta}


def forward_residual(layer: specs.Residual, params, A, run: specs.Pass):
    """The inner layers' output plus A (the skip connection); the cache: the inner caches."""
    Z, caches = A, []
    for inner in layer.layers:
        Z, cache = FORWARD[type(inner)](inner, params, Z, run)
        caches.append(cache)
    return Z + A, caches


def backward_residual(layer: specs.Residual, params, dZ, caches, run: specs.Pass):
    """dA: dZ back through the inner layers, plus dZ itself along the skip."""
    grads, d = {}, dZ
    for inner, cache in zip(reversed(layer.layers), reversed(caches), strict=True):
        d, inner_grads = BACKWARD[type(inner)](inner, params, d, cache, run)
        grads.update(inner_grads)
    return d + dZ, grads


def forward_activation(layer: specs.Activation, params, Z, run: specs.Pass):
    """A_l = g(Z_l); the cache (Z_l, A_l) is what forward_layers reports."""
    A = activations.HIDDEN[layer.name](Z)
    return A, (Z, A)


def backward_activation(layer: specs.Activation, params, dA, cache, run: specs.Pass):
    Z, A = cache
    if layer.name == "relu":
        return activations.relu_backward(dA, Z), {}
    return activations.tanh_backward(dA, A), {}


def forward_dropout(layer: specs.Dropout, params, A, run: specs.Pass):
    """With masks (training): A D_l / keep_prob; without, A as it is."""
    if run.masks is None:
        return A, None
    D = run.masks[f"D{layer.l}"]
    return dropout_forward(A, D, layer.keep_prob), D


def backward_dropout(layer: specs.Dropout, params, dA, D, run: specs.Pass):
    return (dA if D is None else dropout_backward(dA, D, layer.keep_prob)), {}


def forward_output(layer: specs.Output, params, ZL, run: specs.Pass):
    """A_L = sigmoid(Z_L) or softmax(Z_L); the cache (Z_L, A_L): the cost reads Z_L."""
    AL = activations.sigmoid(ZL) if layer.kind == "sigmoid" else activations.softmax(ZL)
    return AL, (ZL, AL)


def backward_output(layer: specs.Output, params, _, cache, run: specs.Pass):
    """dZ_L = A_L - Y, the derivative of the cross-entropy (sigmoid or softmax) in its logits."""
    return cache[1] - run.Y, {}


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
BACKWARD = {
    specs.Dense: backward_dense,
    specs.Conv2D: backward_conv2d,
    specs.Pool2D: backward_pool2d,
    specs.Flatten: backward_flatten,
    specs.BatchNorm: backward_batchnorm,
    specs.Residual: backward_residual,
    specs.Activation: backward_activation,
    specs.Dropout: backward_dropout,
    specs.Output: backward_output,
}
