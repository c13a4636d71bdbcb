"""C4W1's convolution and pooling as the course writes them: a Python loop over the examples,
the output positions and the channels, one window at a time. The readable lesson, and the oracle
the vectorized pure_numpy.layers versions (what training runs) are proven equal to
(parity_tests/test_conv_layer.py, test_pool_flatten_layers.py); `dlparity bench` times both.

Same names, arguments, returns and caches as pure_numpy.layers.
"""

import numpy as np

from dlparity.core.layers import pad_widths
from pure_numpy.layers import conv_single_step, create_mask_from_window, distribute_value, zero_pad


def _window(h, w, f, stride):
    """The rows and columns of output position (h, w)'s f x f window."""
    return slice(h * stride, h * stride + f), slice(w * stride, w * stride + f)


def conv_forward(A_prev, W, b, hparameters):
    """Z (m, n_H, n_W, n_C), cache: conv_single_step on every window and filter."""
    stride, pad = hparameters["stride"], hparameters["pad"]
    f, _, _, n_C = W.shape
    A_pad = zero_pad(A_prev, pad)
    m, n_H_pad, n_W_pad, _ = A_pad.shape
    n_H, n_W = (n_H_pad - f) // stride + 1, (n_W_pad - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                rows, cols = _window(h, w, f, stride)
                for c in range(n_C):
                    Z[i, h, w, c] = conv_single_step(A_pad[i, rows, cols, :], W[..., c], b[..., c])
    return Z, (A_prev, W, b, hparameters)


def conv_backward(dZ, cache):
    """dA_prev, dW, db: each output value's dZ sent back to its window and its filter."""
    A_prev, W, _, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    f, n_C = W.shape[0], W.shape[3]
    m, n_H, n_W, _ = dZ.shape
    A_pad = zero_pad(A_prev, pad)
    dA_pad, dW, db = np.zeros_like(A_pad), np.zeros_like(W), np.zeros((1, 1, 1, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                rows, cols = _window(h, w, f, stride)
                for c in range(n_C):
                    dA_pad[i, rows, cols, :] += W[..., c] * dZ[i, h, w, c]
                    dW[..., c] += A_pad[i, rows, cols, :] * dZ[i, h, w, c]
                    db[..., c] += dZ[i, h, w, c]
    n_H_prev, n_W_prev = A_prev.shape[1:3]
    (top, _), (left, _) = pad_widths(pad)
    return dA_pad[:, top : top + n_H_prev, left : left + n_W_prev, :], dW, db


def pool_forward(A_prev, hparameters, mode="max"):
    """A (m, n_H, n_W, n_C), cache: the maximum or mean of every window, channel by channel."""
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    n_H, n_W = (n_H_prev - f) // stride + 1, (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                rows, cols = _window(h, w, f, stride)
                for c in range(n_C):
                    window = A_prev[i, rows, cols, c]
                    A[i, h, w, c] = np.max(window) if mode == "max" else np.mean(window)
    return A, (A_prev, hparameters)


def pool_backward(dA, cache, mode="max"):
    """dA_prev: each window's dA to its maximum (every tied one: create_mask_from_window), or
    shared over the window (distribute_value)."""
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    dA_prev = np.zeros_like(A_prev)
    m, n_H, n_W, n_C = dA.shape
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                rows, cols = _window(h, w, f, stride)
                for c in range(n_C):
                    if mode == "max":
                        mask = create_mask_from_window(A_prev[i, rows, cols, c])
                        dA_prev[i, rows, cols, c] += mask * dA[i, h, w, c]
                    else:
                        dA_prev[i, rows, cols, c] += distribute_value(dA[i, h, w, c], (f, f))
    return dA_prev
