"""ModelSpec and TrainConfig: what a network is and how it is trained, validated on construction."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

from dlparity.core import layers, registry
from dlparity.core.errors import DlparityError

ARCHITECTURES = ("logistic", "two_layer", "deep", "softmax_bn", "convnet")
DTYPES = ("float64", "float32")
OPTIMIZERS = tuple(registry.OPTIMIZERS)
DECAYS = ("none", "inverse-time", "scheduled")


def _fail(field_name: str, message: str) -> None:
    raise DlparityError(f"{field_name}: {message}")


def _check_choice(field_name: str, value, choices) -> None:
    if value not in choices:
        _fail(field_name, f"unknown option {value!r}; choose one of {', '.join(choices)}")


def _check_number(field_name: str, value, *, low=None, high=None, low_open=False, high_open=False):
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        _fail(field_name, f"must be a finite number, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        _fail(field_name, f"must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        _fail(field_name, f"must be {'<' if high_open else '<='} {high}, got {value!r}")


def _check_count(field_name: str, value, *, allow_none=False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        _fail(field_name, f"must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class ModelSpec:
    """A network in the course's terms. layer_dims = [n_x, n_1, ..., n_L]; a convnet's
    input_shape (n_H, n_W, n_C) goes through its conv_blocks (layers.ConvBlock) and is flattened
    to layer_dims[0] units before its dense layers."""

    architecture: str
    layer_dims: tuple[int, ...]
    hidden_activation: str = "relu"
    output: str = "sigmoid"
    batchnorm: bool = False
    bn_momentum: float = 0.9
    bn_epsilon: float = 1e-5
    keep_prob: float = 1.0
    lambd: float = 0.0
    dtype: str = "float64"
    input_shape: tuple[int, int, int] | None = None
    conv_blocks: tuple = ()

    def __post_init__(self):
        _check_choice("architecture", self.architecture, ARCHITECTURES)
        dims = self.layer_dims
        if not isinstance(dims, tuple | list) or len(dims) < 2:
            _fail("layer_dims", f"needs at least [n_x, n_L], got {dims!r}")
        for n in dims:
            _check_count("layer_dims", n)
        object.__setattr__(self, "layer_dims", tuple(int(n) for n in dims))
        _check_choice("hidden_activation", self.hidden_activation, layers.HIDDEN_ACTIVATIONS)
        _check_choice("output", self.output, layers.OUTPUTS)
        _check_choice("dtype", self.dtype, DTYPES)
        _check_number("bn_momentum", self.bn_momentum, low=0, high=1, high_open=True)
        _check_number("bn_epsilon", self.bn_epsilon, low=0, low_open=True)
        _check_number("keep_prob", self.keep_prob, low=0, high=1, low_open=True)
        _check_number("lambd", self.lambd, low=0)
        self._check_architecture()
        self._check_convolutions()

    def _check_architecture(self) -> None:
        depth = len(self.layer_dims) - 1
        if self.architecture == "logistic" and depth != 1:
            _fail(
                "layer_dims", f"logistic regression has one layer [n_x, 1], got {self.layer_dims}"
            )
        if self.architecture == "two_layer" and depth != 2:
            _fail("layer_dims", f"two_layer needs [n_x, n_h, n_y], got {self.layer_dims}")
        if self.output == "sigmoid" and self.layer_dims[-1] != 1:
            _fail("layer_dims", f"a sigmoid output has one unit, got {self.layer_dims[-1]}")
        if self.output == "softmax" and self.layer_dims[-1] < 2:
            _fail("layer_dims", "a softmax output needs at least two classes")
        if self.architecture == "softmax_bn":
            if self.output != "softmax" or not self.batchnorm:
                _fail(
                    "architecture", "softmax_bn is batch norm on every hidden layer, softmax output"
                )
            if depth < 2:
                _fail("layer_dims", "softmax_bn needs at least one hidden layer")
        elif self.batchnorm:
            _fail("batchnorm", f"batch norm is part of softmax_bn, not of {self.architecture}")
        if self.keep_prob < 1 and self.architecture in ("logistic", "softmax_bn"):
            _fail("keep_prob", f"dropout is not part of the {self.architecture} architecture")

    def _check_convolutions(self) -> None:
        if self.architecture != "convnet":
            if self.input_shape is not None or self.conv_blocks:
                _fail(
                    "input_shape",
                    f"images and conv_blocks are a convnet's, not {self.architecture}'s",
                )
            return
        shape = self.input_shape
        if not isinstance(shape, tuple | list) or len(shape) != 3:
            _fail("input_shape", f"a convnet needs (n_H, n_W, n_C), got {shape!r}")
        for n in shape:
            _check_count("input_shape", n)
        object.__setattr__(self, "input_shape", tuple(int(n) for n in shape))
        blocks = self.conv_blocks
        if not isinstance(blocks, tuple | list) or not blocks:
            _fail("conv_blocks", f"a convnet needs at least one ConvBlock, got {blocks!r}")
        checked, n_C = [], self.input_shape[2]
        for i, block in enumerate(blocks):
            checked.append(self._checked_block(i, block, n_C))
            n_C = block.filters[2] if isinstance(block, layers.IdentityBlock) else block.n_C
        blocks = tuple(checked)
        object.__setattr__(self, "conv_blocks", blocks)
        n_H, n_W, n_C = layers.conv_shapes(self.input_shape, blocks)[-1]
        if n_H < 1 or n_W < 1:
            _fail("conv_blocks", f"the images shrink to {n_H} x {n_W}: fewer pools or more padding")
        if self.layer_dims[0] != n_H * n_W * n_C:
            _fail("layer_dims", f"the last block flattens to {n_H} x {n_W} x {n_C} = "
                  f"{n_H * n_W * n_C} units, so layer_dims[0] is {n_H * n_W * n_C}, got "
                  f"{self.layer_dims[0]}")  # fmt: skip
        if self.keep_prob < 1 or self.batchnorm:
            _fail("convnet", "a convnet has no dropout, and batch norm only in identity blocks")

    @staticmethod
    def _checked_block(i: int, block, n_C: int):
        name = f"conv_blocks[{i}]"
        if isinstance(block, layers.IdentityBlock):
            _check_count(f"{name}.f", block.f)
            if block.f % 2 == 0:
                _fail(
                    f"{name}.f",
                    f"an identity block's f is odd (symmetric 'same' padding), got {block.f}",
                )
            filters = block.filters
            if not isinstance(filters, tuple | list) or len(filters) != 3:
                _fail(f"{name}.filters", f"expected (F1, F2, F3), got {filters!r}")
            for n in filters:
                _check_count(f"{name}.filters", n)
            if filters[2] != n_C:
                _fail(
                    f"{name}.filters",
                    f"F3 must equal the input's {n_C} channels (the skip adds them), got {filters[2]}",
                )
            return block._replace(filters=tuple(filters))
        if not isinstance(block, layers.ConvBlock):
            _fail(name, f"expected a ConvBlock or an IdentityBlock, got {block!r}")
        for field_name in ("f", "n_C", "stride", "pool_f", "pool_stride"):
            _check_count(f"{name}.{field_name}", getattr(block, field_name))
        pad = block.pad
        if pad == "same":
            if block.stride != 1:
                _fail(f"{name}.pad", f"'same' is for stride 1 here, got stride {block.stride}")
        elif isinstance(pad, bool) or not isinstance(pad, int) or pad < 0:
            _fail(f"{name}.pad", f"must be a non-negative integer or 'same', got {pad!r}")
        _check_choice(f"{name}.pool", block.pool, ("max", "average"))
        return block

    @functools.cached_property
    def layers(self) -> tuple:
        """The network as layer specs in forward order (dlparity.core.layers)."""
        return layers.of_architecture(self)

    @property
    def running_statistics(self) -> bool:
        """Whether the network keeps batch norm's running statistics (bn_state)."""
        return bool(layers.state_shapes(self.layers))

    @property
    def examples_axis(self) -> int:
        """The axis of X that indexes examples: 1 for columns (n_x, m), 0 for images
        (m, n_H, n_W, n_C). Y (n_y, m) and the output are columns in every network."""
        return self.layers[0].examples_axis

    @property
    def example_shape(self) -> tuple[int, ...]:
        """One example's shape in X: (n_x,), or a convnet's (n_H, n_W, n_C)."""
        return self.input_shape if self.architecture == "convnet" else (self.layer_dims[0],)

    def x_shape(self, m) -> tuple:
        """X's shape for m examples: (n_x, m), or (m, n_H, n_W, n_C)."""
        if self.examples_axis == 0:
            return (m, *self.example_shape)
        return (*self.example_shape, m)

    @property
    def num_layers(self) -> int:
        """L, the output layer's index: the number of layers with parameters (a convnet's
        convolutions count, an identity block's three)."""
        return self.layers[-1].l

    def with_dtype(self, dtype: str) -> ModelSpec:
        return replace(self, dtype=dtype)


@dataclass(frozen=True)
class TrainConfig:
    """How a network is trained. Exactly one of num_iterations (full batch) or num_epochs."""

    learning_rate: float
    optimizer: str = "gd"
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    weight_decay: float = 0.01  # adamw: decoupled, W -= lr * weight_decay * W each update
    num_iterations: int | None = None
    num_epochs: int | None = None
    mini_batch_size: int | None = None
    shuffle: bool = True
    decay: str = "none"
    decay_rate: float = 1.0
    time_interval: int = 1000
    minibatch_seed: int = 10
    dropout_seed: int = 1
    record_every: int = 100

    def __post_init__(self):
        _check_number("learning_rate", self.learning_rate, low=0, low_open=True)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        for name in ("beta", "beta1", "beta2"):
            _check_number(name, getattr(self, name), low=0, high=1, high_open=True)
        _check_number("epsilon", self.epsilon, low=0, low_open=True)
        _check_number("weight_decay", self.weight_decay, low=0)
        if (self.num_iterations is None) == (self.num_epochs is None):
            _fail("num_iterations", "give exactly one of num_iterations or num_epochs")
        _check_count("num_iterations", self.num_iterations, allow_none=True)
        _check_count("num_epochs", self.num_epochs, allow_none=True)
        _check_count("mini_batch_size", self.mini_batch_size, allow_none=True)
        if self.num_iterations is not None and self.mini_batch_size is not None:
            _fail("mini_batch_size", "mini-batches are trained by epochs: set num_epochs")
        _check_choice("decay", self.decay, DECAYS)
        _check_number("decay_rate", self.decay_rate, low=0)
        _check_count("time_interval", self.time_interval)
        _check_count("record_every", self.record_every)
        for name in ("minibatch_seed", "dropout_seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                _fail(name, f"must be a non-negative integer, got {value!r}")

    def optimizer_hyperparameters(self) -> dict:
        """The named optimizer's hyperparameters, by their names in the course's update formulas."""
        names = registry.OPTIMIZERS[self.optimizer].hyperparameters
        return {name: getattr(self, name) for name in names}

    @property
    def steps(self) -> int:
        """Number of outer steps: iterations for full batch, epochs for mini-batches."""
        return self.num_iterations if self.num_iterations is not None else self.num_epochs

    @property
    def step_name(self) -> str:
        return "iteration" if self.num_iterations is not None else "epoch"

    def recorded_steps(self) -> list[int]:
        """Steps whose cost is recorded: every record_every-th and the last."""
        steps = list(range(0, self.steps, self.record_every))
        if steps[-1] != self.steps - 1:
            steps.append(self.steps - 1)
        return steps
