import pytest

from dlparity.core.errors import DlparityError
from dlparity.core.layers import ConvBlock, IdentityBlock
from dlparity.core.spec import ModelSpec, TrainConfig


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"architecture": "cnn"}, "architecture"),
        ({"layer_dims": (3,)}, "layer_dims"),
        ({"layer_dims": (3, 0, 1)}, "layer_dims"),
        ({"layer_dims": (3, 2.5, 1)}, "layer_dims"),
        ({"hidden_activation": "gelu"}, "hidden_activation"),
        ({"output": "linear"}, "output"),
        ({"dtype": "float16"}, "dtype"),
        ({"keep_prob": 0.0}, "keep_prob"),
        ({"keep_prob": 1.5}, "keep_prob"),
        ({"lambd": -1.0}, "lambd"),
        ({"lambd": float("nan")}, "lambd"),
        ({"bn_momentum": 1.0}, "bn_momentum"),
        ({"bn_epsilon": 0.0}, "bn_epsilon"),
        ({"layer_dims": (3, 4, 2)}, "layer_dims"),  # sigmoid with two units
        ({"batchnorm": True}, "batchnorm"),
    ],
)
def test_model_spec_names_the_bad_field(kwargs, field):
    base = {"architecture": "deep", "layer_dims": (3, 4, 1)}
    with pytest.raises(DlparityError, match=f"^{field}:"):
        ModelSpec(**{**base, **kwargs})


CONV = {"architecture": "convnet", "layer_dims": (128, 3), "output": "softmax",
        "input_shape": (8, 8, 1), "conv_blocks": (ConvBlock(3, 8, pad=1),)}  # fmt: skip


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"input_shape": None}, "input_shape"),
        ({"input_shape": (8, 8)}, "input_shape"),
        ({"input_shape": (8, 0, 1)}, "input_shape"),
        ({"conv_blocks": ()}, "conv_blocks"),
        ({"conv_blocks": ((3, 8),)}, r"conv_blocks\[0\]"),
        ({"conv_blocks": (ConvBlock(0, 8),)}, r"conv_blocks\[0\]\.f"),
        ({"conv_blocks": (ConvBlock(3, 8, pad=-1),)}, r"conv_blocks\[0\]\.pad"),
        ({"conv_blocks": (ConvBlock(3, 8, pad="valid"),)}, r"conv_blocks\[0\]\.pad"),
        ({"conv_blocks": (ConvBlock(3, 8, stride=2, pad="same"),)}, r"conv_blocks\[0\]\.pad"),
        ({"conv_blocks": (ConvBlock(3, 8, pool="min"),)}, r"conv_blocks\[0\]\.pool"),
        ({"conv_blocks": (ConvBlock(3, 8),) * 3}, "conv_blocks"),  # shrinks to nothing
        ({"layer_dims": (64, 3)}, "layer_dims"),  # flattens to 4 x 4 x 8 = 128
        ({"keep_prob": 0.5}, "convnet"),
        ({"conv_blocks": (IdentityBlock(3, (2, 2, 4)),)}, r"conv_blocks\[0\]\.filters"),
        ({"conv_blocks": (IdentityBlock(2, (2, 2, 1)),)}, r"conv_blocks\[0\]\.f"),
        ({"conv_blocks": (IdentityBlock(3, (2, 2)),)}, r"conv_blocks\[0\]\.filters"),
        ({"architecture": "deep", "layer_dims": (3, 1), "output": "sigmoid"}, "input_shape"),
    ],
)
def test_convnet_spec_names_the_bad_field(kwargs, field):
    with pytest.raises(DlparityError, match=f"^{field}:"):
        ModelSpec(**{**CONV, **kwargs})


def test_convnet_layers_and_shapes():
    spec = ModelSpec(**CONV)
    assert spec.examples_axis == 0 and spec.x_shape(5) == (5, 8, 8, 1)
    kinds = [type(layer).__name__ for layer in spec.layers]
    assert kinds == ["Conv2D", "Activation", "Pool2D", "Flatten", "Dense", "Output"]
    assert spec.layers[2].ties == "first"


def test_same_padding_puts_the_odd_zero_below_and_right():
    spec = ModelSpec(**{**CONV, "conv_blocks": (ConvBlock(4, 8, pad="same"),)})
    assert spec.layers[0].pad == ((1, 2), (1, 2)) and spec.layers[0].output_size(8) == 8


def test_identity_block_layers():
    """conv 1, then the block's convolutions 2, 3, 4 with channel batch norm inside Residual 4."""
    blocks = (ConvBlock(3, 8, pad=1), IdentityBlock(3, (4, 4, 8)))
    spec = ModelSpec(**{**CONV, "conv_blocks": blocks})
    residual = spec.layers[3]
    assert type(residual).__name__ == "Residual" and residual.l == 4
    inner = [(type(layer).__name__, layer.l) for layer in residual.layers]
    assert inner == [("Conv2D", 2), ("BatchNorm", 2), ("Activation", 2), ("Conv2D", 3),
                     ("BatchNorm", 3), ("Activation", 3), ("Conv2D", 4), ("BatchNorm", 4)]  # fmt: skip
    assert residual.layers[3].pad == 1 and residual.layers[1].shape == (1, 1, 1, 4)
    assert spec.running_statistics and not spec.batchnorm


def test_architecture_shapes_are_checked():
    with pytest.raises(DlparityError, match="logistic"):
        ModelSpec("logistic", (3, 4, 1))
    with pytest.raises(DlparityError, match="two_layer"):
        ModelSpec("two_layer", (3, 1))
    with pytest.raises(DlparityError, match="softmax_bn"):
        ModelSpec("softmax_bn", (3, 4, 2), output="softmax")
    with pytest.raises(DlparityError, match="keep_prob"):
        ModelSpec("logistic", (3, 1), keep_prob=0.5)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": "fast"}, "learning_rate"),
        ({"optimizer": "sgd"}, "optimizer"),
        ({"beta": 1.0}, "beta"),
        ({"beta2": -0.1}, "beta2"),
        ({"epsilon": 0.0}, "epsilon"),
        ({"num_iterations": None}, "num_iterations"),
        ({"num_epochs": 3}, "num_iterations"),
        ({"num_iterations": 0}, "num_iterations"),
        ({"mini_batch_size": 64}, "mini_batch_size"),
        ({"decay": "cosine"}, "decay"),
        ({"time_interval": 0}, "time_interval"),
        ({"record_every": 0}, "record_every"),
        ({"minibatch_seed": -1}, "minibatch_seed"),
    ],
)
def test_train_config_names_the_bad_field(kwargs, field):
    base = {"learning_rate": 0.1, "num_iterations": 10}
    with pytest.raises(DlparityError, match=f"^{field}:"):
        TrainConfig(**{**base, **kwargs})


def test_recorded_steps_every_100th_and_the_last():
    assert TrainConfig(0.1, num_iterations=250).recorded_steps() == [0, 100, 200, 249]
    assert TrainConfig(0.1, num_iterations=201).recorded_steps() == [0, 100, 200]
    config = TrainConfig(0.1, num_epochs=5, mini_batch_size=2, record_every=2)
    assert config.recorded_steps() == [0, 2, 4]
    assert config.step_name == "epoch"
