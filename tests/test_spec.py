import pytest

from dlparity.core.errors import DlparityError
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
