"""Layers as data: a network is a tuple of these specs, in forward order.

Each spec knows its place l (the course's layer index, which names its parameters), the shapes
of its parameters, of its running statistics and of its dropout mask, and the course's
initialization of what it owns. It knows nothing of a framework: each package implements each
type once (pure_numpy as a forward and backward pair with a cache, jax_impl and tf_impl as the
forward alone), and its models.py composes the sequence.

Shapes are the course's: examples are columns, so every array below is (n_l, m) or (n_l, 1)
(EXAMPLES_AXIS). A layer type with another layout (a convolution's (m, n_H, n_W, n_C)) says so
with its own examples_axis.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np

EXAMPLES_AXIS = 1  # dense layers: X is (n_x, m)
HIDDEN_ACTIVATIONS = ("relu", "tanh")
OUTPUTS = ("sigmoid", "softmax")


@dataclass(frozen=True)
class Dense:
    """Z_l = W_l A_{l-1} + b_l. W_l (units, n_in), b_l (units, 1); no b_l before batch norm
    (its beta_l plays that part)."""

    l: int
    n_in: int
    units: int
    use_bias: bool = True
    examples_axis: int = EXAMPLES_AXIS

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        shapes = {f"W{self.l}": (self.units, self.n_in)}
        if self.use_bias:
            shapes[f"b{self.l}"] = (self.units, 1)
        return shapes

    def initial_parameters(self, draw) -> dict[str, np.ndarray]:
        """W_l from draw(shape, fan_in, fan_out) (the course's scheme, dlparity.core.init), b_l = 0."""
        params = {f"W{self.l}": draw((self.units, self.n_in), self.n_in, self.units)}
        if self.use_bias:
            params[f"b{self.l}"] = np.zeros((self.units, 1))
        return params


def pad_widths(pad) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) zeros around n_H and n_W: pad on every side (the course's
    int), or given as such pairs (TensorFlow's "SAME" with an odd total puts the extra row and
    column at the bottom and right)."""
    if isinstance(pad, int | np.integer):
        return ((int(pad), int(pad)), (int(pad), int(pad)))
    (top, bottom), (left, right) = pad
    return ((int(top), int(bottom)), (int(left), int(right)))


def same_pad(f: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """padding="same" at stride 1, as TensorFlow and Keras place it: f - 1 zeros in all, the
    extra one of an odd total at the bottom and right."""
    return (((f - 1) // 2, f // 2), ((f - 1) // 2, f // 2))


@dataclass(frozen=True)
class Conv2D:
    """Z_l = W_l * A_prev + b_l, the course's cross-correlation (C4W1): A_prev (m, n_H_prev,
    n_W_prev, n_C_prev) zero-padded by pad on each side (or by pad_widths), windows f x f taken
    every stride;
    W_l (f, f, n_C_prev, n_C), b_l (1, 1, 1, n_C); Z_l (m, n_H, n_W, n_C) with
    n_H = (n_H_prev - f + 2 pad) // stride + 1 (channels last, examples first). No b_l before
    batch norm (use_bias False): its gradient is 0 but for rounding (about 1e-15), which Adam's
    m / (sqrt(v) + epsilon) scales to steps of about lr g / epsilon whose direction rounding
    decides."""

    l: int
    f: int
    n_C_prev: int
    n_C: int
    stride: int = 1
    pad: int = 0
    use_bias: bool = True
    examples_axis: int = 0

    @property
    def hparameters(self) -> dict[str, int]:
        """The course's hparameters dict."""
        return {"stride": self.stride, "pad": self.pad}

    def output_size(self, n_prev: int, axis: int = 0) -> int:
        """n_H (axis 0) or n_W (axis 1) from n_H_prev or n_W_prev."""
        return (n_prev - self.f + sum(pad_widths(self.pad)[axis])) // self.stride + 1

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        shapes = {f"W{self.l}": (self.f, self.f, self.n_C_prev, self.n_C)}
        if self.use_bias:
            shapes[f"b{self.l}"] = (1, 1, 1, self.n_C)
        return shapes

    def initial_parameters(self, draw) -> dict[str, np.ndarray]:
        """W_l from draw(shape, fan_in, fan_out), fans f f n_C_prev and f f n_C; b_l = 0."""
        fan_in, fan_out = self.f * self.f * self.n_C_prev, self.f * self.f * self.n_C
        params = {f"W{self.l}": draw(self.parameter_shapes()[f"W{self.l}"], fan_in, fan_out)}
        if self.use_bias:
            params[f"b{self.l}"] = np.zeros((1, 1, 1, self.n_C))
        return params


@dataclass(frozen=True)
class Pool2D:
    """A_l = the maximum (mode "max") or mean ("average") of every f x f window of A_prev taken
    every stride, channel by channel, unpadded (C4W1): (m, n_H_prev, n_W_prev, n_C) ->
    (m, n_H, n_W, n_C), n_H = (n_H_prev - f) // stride + 1. No parameters."""

    l: int
    f: int
    stride: int
    mode: str = "max"
    # where a window's gradient goes when its maximum is tied: "all" its tied maxima (the
    # course's create_mask_from_window) or the "first" in row-major window order (JAX, TF, Keras)
    ties: str = "all"
    examples_axis: int = 0

    @property
    def hparameters(self) -> dict[str, int]:
        """The course's hparameters dict."""
        return {"f": self.f, "stride": self.stride}

    def output_size(self, n_prev: int, axis: int = 0) -> int:
        return (n_prev - self.f) // self.stride + 1


@dataclass(frozen=True)
class Flatten:
    """A (m, n_H, n_W, n_C), examples first and channels last, to the dense layers' columns
    (n_H n_W n_C, m): row k of the result is entry k of each example's row-major flattening
    (NHWC order, as Keras' Flatten on channels-last input)."""

    l: int
    examples_axis: int = 0


@dataclass(frozen=True)
class BatchNorm:
    """Z~_l = gamma_l (Z_l - mu) / sqrt(var + epsilon) + beta_l over the examples; running
    statistics mu_l, var_l kept apart from the parameters (running * momentum + batch *
    (1 - momentum)). Over columns (n_l, m) with every array (n_l, 1); with examples_axis 0,
    over the channels of images (m, n_H, n_W, n_C) (C4W2's BatchNormalization(axis=3)), every
    array (1, 1, 1, n_C) and the statistics over m, n_H and n_W."""

    l: int
    units: int
    momentum: float
    epsilon: float
    examples_axis: int = EXAMPLES_AXIS

    @property
    def axes(self) -> tuple[int, ...]:
        """The axes the statistics run over."""
        return (1,) if self.examples_axis == EXAMPLES_AXIS else (0, 1, 2)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of gamma_l, beta_l, mu_l and var_l."""
        return (self.units, 1) if self.examples_axis == EXAMPLES_AXIS else (1, 1, 1, self.units)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return {f"gamma{self.l}": self.shape, f"beta{self.l}": self.shape}

    def initial_parameters(self, draw) -> dict[str, np.ndarray]:
        return {f"gamma{self.l}": np.ones(self.shape), f"beta{self.l}": np.zeros(self.shape)}

    def state_shapes(self) -> dict[str, tuple[int, ...]]:
        return {f"mu{self.l}": self.shape, f"var{self.l}": self.shape}

    def initial_state(self) -> dict[str, np.ndarray]:
        """mu_l = 0, var_l = 1: Keras' moving_mean and moving_variance start."""
        return {f"mu{self.l}": np.zeros(self.shape), f"var{self.l}": np.ones(self.shape)}

    def updated_state(self, bn_state: dict, mu, var) -> dict:
        """mu_l and var_l after a training batch with statistics mu, var: running * momentum +
        batch * (1 - momentum), as Keras' BatchNormalization (any framework's arrays)."""
        l, momentum = self.l, self.momentum
        return {f"mu{l}": bn_state[f"mu{l}"] * momentum + mu * (1 - momentum),
                f"var{l}": bn_state[f"var{l}"] * momentum + var * (1 - momentum)}  # fmt: skip


@dataclass(frozen=True)
class Residual:
    """A_out = F(A) + A: the inner layers' output plus the block's input, the skip connection of
    C4W2's identity block (shapes equal: the inner layers keep (m, n_H, n_W, n_C)). It owns the
    parameters and running statistics of its inner layers."""

    l: int
    layers: tuple
    examples_axis: int = 0

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return parameter_shapes(self.layers)

    def initial_parameters(self, draw) -> dict[str, np.ndarray]:
        params = {}
        for layer in self.layers:
            if hasattr(layer, "initial_parameters"):
                params.update(layer.initial_parameters(draw))
        return params

    def state_shapes(self) -> dict[str, tuple[int, ...]]:
        return state_shapes(self.layers)

    def initial_state(self) -> dict[str, np.ndarray]:
        state = {}
        for layer in self.layers:
            if hasattr(layer, "initial_state"):
                state.update(layer.initial_state())
        return state


@dataclass(frozen=True)
class Activation:
    """A_l = g(Z_l), g one of HIDDEN_ACTIVATIONS. Its input and output are layer l's Z and A
    (forward_layers reports them)."""

    l: int
    name: str


@dataclass(frozen=True)
class Dropout:
    """Inverted dropout: A_l D_l / keep_prob, D_l (units, m) of 0s and 1s, the same mask backward."""

    l: int
    units: int
    keep_prob: float
    examples_axis: int = EXAMPLES_AXIS

    def mask_shape(self, m: int) -> tuple[int, ...]:
        return (self.units, m)


@dataclass(frozen=True)
class Output:
    """The head: A_L = sigmoid(Z_L) (one unit) or softmax(Z_L) over the classes (axis 0); the cost
    is the cross-entropy of the logits Z_L, and dZ_L = A_L - Y for both."""

    l: int
    units: int
    kind: str


LAYER_TYPES = (Dense, Conv2D, Pool2D, Flatten, BatchNorm, Residual, Activation, Dropout, Output)


class Pass(NamedTuple):
    """What a layer sees of its pass besides its input, in every package: the mode, the dropout
    masks, the running statistics given (bn_state), the ones it updates (new_state) and, in the
    reference's backward pass, the labels Y."""

    training: bool
    masks: dict | None
    bn_state: dict | None
    new_state: dict
    Y: Any = None


def flat(layers) -> tuple:
    """The layers with every Residual's inner layers in its place, in forward order."""
    out = []
    for layer in layers:
        out += flat(layer.layers) if isinstance(layer, Residual) else [layer]
    return tuple(out)


def parameter_shapes(layers) -> dict[str, tuple[int, ...]]:
    """Every parameter of the network, in forward order (W1, b1 or gamma1, beta1, W2, ...)."""
    return {k: v for layer in layers if hasattr(layer, "parameter_shapes")
            for k, v in layer.parameter_shapes().items()}  # fmt: skip


def state_shapes(layers) -> dict[str, tuple[int, ...]]:
    """The running statistics (mu_l, var_l), in forward order; {} without batch norm."""
    return {k: v for layer in layers if hasattr(layer, "state_shapes")
            for k, v in layer.state_shapes().items()}  # fmt: skip


def mask_shapes(layers, m: int) -> dict[str, tuple[int, ...]]:
    """The dropout masks of a batch of m examples (D_l), in forward order."""
    return {f"D{layer.l}": layer.mask_shape(m) for layer in layers if isinstance(layer, Dropout)}


def reported(layers, caches) -> list:
    """(Z_l, A_l) of every activation and of the output, in forward order, from the caches a
    forward pass keeps per layer: what forward_layers reports."""
    kinds = (Activation, Output)
    return [cache for layer, cache in zip(layers, caches, strict=True) if isinstance(layer, kinds)]


# ---------------------------------------------------------------- the course's architectures


def _dense_stack(layer_dims, hidden_activation, output, *, batchnorm=None, keep_prob=1.0):
    """(LINEAR [-> BATCHNORM] -> g [-> DROPOUT]) x (L-1) -> LINEAR -> output head.
    batchnorm: None, or (momentum, epsilon) of every hidden layer's batch norm."""
    dims, L, layers = layer_dims, len(layer_dims) - 1, []
    for l in range(1, L):
        layers.append(Dense(l, dims[l - 1], dims[l], use_bias=batchnorm is None))
        if batchnorm is not None:
            layers.append(BatchNorm(l, dims[l], *batchnorm))
        layers.append(Activation(l, hidden_activation))
        if keep_prob < 1:
            layers.append(Dropout(l, dims[l], keep_prob))
    layers += [Dense(L, dims[L - 1], dims[L]), Output(L, dims[L], output)]
    return tuple(layers)


def logistic(n_x: int) -> tuple:
    """[n_x, 1]: LINEAR -> SIGMOID (C1W2)."""
    return _dense_stack((n_x, 1), "relu", "sigmoid")


def two_layer(n_x: int, n_h: int, n_y: int, hidden_activation: str = "tanh") -> tuple:
    """[n_x, n_h, n_y]: LINEAR -> tanh|relu -> LINEAR -> SIGMOID (C1W3, C1W4)."""
    return _dense_stack((n_x, n_h, n_y), hidden_activation, "sigmoid")


def deep(
    layer_dims, output: str = "sigmoid", keep_prob: float = 1.0, hidden_activation: str = "relu"
) -> tuple:
    """[n_x, n_1, ..., n_L]: (LINEAR -> RELU [-> DROPOUT]) x (L-1) -> LINEAR -> SIGMOID|SOFTMAX
    (C1W4, C2W1, C2W2)."""
    return _dense_stack(layer_dims, hidden_activation, output, keep_prob=keep_prob)


def softmax_bn(
    layer_dims, momentum: float, epsilon: float, hidden_activation: str = "relu"
) -> tuple:
    """[n_x, n_1, ..., n_L]: (LINEAR(no b) -> BATCHNORM -> RELU) x (L-1) -> LINEAR -> SOFTMAX
    (C2W3)."""
    return _dense_stack(layer_dims, hidden_activation, "softmax", batchnorm=(momentum, epsilon))


class ConvBlock(NamedTuple):
    """One CONV2D -> RELU -> POOL stage of a ConvNet (C4W1's application network); pad: zeros on
    every side, or "same" (stride 1: same_pad, as the course's Keras code pads)."""

    f: int
    n_C: int
    stride: int = 1
    pad: int = 0
    pool_f: int = 2
    pool_stride: int = 2
    pool: str = "max"


class IdentityBlock(NamedTuple):
    """C4W2's identity block: CONV2D 1x1 (F1) -> BATCHNORM -> RELU -> CONV2D f x f (F2, "same")
    -> BATCHNORM -> RELU -> CONV2D 1x1 (F3) -> BATCHNORM, plus the input, -> RELU; F3 must equal
    the input's channels, and f must be odd (the course's "same" padding, symmetric). Its
    convolutions have no bias (Conv2D.use_bias) unless use_bias, as the course's Keras code has
    them."""

    f: int
    filters: tuple[int, int, int]
    use_bias: bool = False


def _block_pad(block: ConvBlock):
    return same_pad(block.f) if block.pad == "same" else block.pad


def conv_shapes(input_shape, blocks) -> list[tuple[int, int, int]]:
    """(n_H, n_W, n_C) after each block, from the input's (n_H, n_W, n_C)."""
    (n_H, n_W, _), shapes = input_shape, []
    for block in blocks:
        if isinstance(block, IdentityBlock):
            shapes.append((n_H, n_W, block.filters[2]))
            continue
        conv = Conv2D(0, block.f, 1, block.n_C, block.stride, _block_pad(block))
        pool = Pool2D(0, block.pool_f, block.pool_stride)
        n_H, n_W = (
            pool.output_size(conv.output_size(n, axis)) for axis, n in enumerate((n_H, n_W))
        )
        shapes.append((n_H, n_W, block.n_C))
    return shapes


def _conv_block(l: int, block: ConvBlock, n_C_prev: int, ties: str) -> tuple:
    return (Conv2D(l, block.f, n_C_prev, block.n_C, block.stride, _block_pad(block)),
            Activation(l, "relu"),
            Pool2D(l, block.pool_f, block.pool_stride, block.pool, ties))  # fmt: skip


def _identity_block(l: int, block: IdentityBlock, n_C: int, bn) -> tuple:
    """Layers l, l + 1, l + 2 inside the Residual l + 2, then its ReLU (l + 2)."""
    (F1, F2, F3), f, inner = block.filters, block.f, []
    for k, (size, n_in, n_out) in enumerate(((1, n_C, F1), (f, F1, F2), (1, F2, F3))):
        inner += [Conv2D(l + k, size, n_in, n_out, 1, (size - 1) // 2, block.use_bias),
                  BatchNorm(l + k, n_out, *bn, examples_axis=0)]  # fmt: skip
        if k < 2:
            inner.append(Activation(l + k, "relu"))
    return (Residual(l + 2, tuple(inner)), Activation(l + 2, "relu"))


def convnet(input_shape, blocks, dense_dims, output: str = "softmax", ties: str = "first",
            bn=(0.99, 0.001)):  # fmt: skip
    """Per block (CONV2D -> RELU -> POOL) or an identity block -> FLATTEN -> (LINEAR -> RELU) x
    (len(dense_dims) - 2) -> LINEAR -> SOFTMAX|SIGMOID (C4W1's application network, C4W2's
    identity block). dense_dims = [n_flat, ..., n_y], n_flat the flattened size of the last
    block. ties: the max pools' (Pool2D.ties); "first" trains as the frameworks do. bn: the
    identity blocks' batch norm (momentum, epsilon)."""
    layers, n_C, l = [], input_shape[2], 1
    for block in blocks:
        if isinstance(block, IdentityBlock):
            layers += _identity_block(l, block, n_C, bn)
            l, n_C = l + 3, block.filters[2]
        else:
            layers += _conv_block(l, block, n_C, ties)
            l, n_C = l + 1, block.n_C
    dense = _dense_stack(dense_dims, "relu", output)
    renumbered = tuple(replace(layer, l=layer.l + l - 1) for layer in dense)
    return (*layers, Flatten(l), *renumbered)


def of_architecture(spec) -> tuple:
    """The layers of a ModelSpec: its architecture's constructor, with the spec's fields."""
    dims, g = spec.layer_dims, spec.hidden_activation
    if spec.architecture == "logistic":
        return logistic(dims[0])
    if spec.architecture == "two_layer":
        return two_layer(*dims, hidden_activation=g)
    if spec.architecture == "deep":
        return deep(dims, spec.output, spec.keep_prob, g)
    if spec.architecture == "convnet":
        bn = (spec.bn_momentum, spec.bn_epsilon)
        return convnet(spec.input_shape, spec.conv_blocks, dims, spec.output, bn=bn)
    return softmax_bn(dims, spec.bn_momentum, spec.bn_epsilon, g)
