"""dlparity.core.layout: course <-> Keras weight ports and .npz checkpoints, every shape checked."""

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from dlparity.core.errors import DlparityError
from dlparity.core.init import initial_bn_state, initialize_parameters
from dlparity.core.layout import (
    from_keras_gradients,
    from_keras_outputs,
    from_keras_weights,
    keras_slots,
    to_keras_inputs,
    to_keras_labels,
    to_keras_masks,
    to_keras_weights,
)
from dlparity.core.rng import dropout_masks
from dlparity.core.spec import ModelSpec
from dlparity.tools.checkpoint import load_weights, save_weights

DEEP = ModelSpec("deep", (3, 5, 4, 1))
BN = ModelSpec("softmax_bn", (3, 5, 4, 2), output="softmax", batchnorm=True)


def random_params(spec, seed=0):
    rng = np.random.RandomState(seed)
    return {k: rng.randn(*v.shape) for k, v in initialize_parameters(spec, "he").items()}


def random_state(spec, seed=1):
    rng = np.random.RandomState(seed)
    return {k: rng.rand(*v.shape) for k, v in initial_bn_state(spec).items()}


def test_keras_order_and_shapes():
    assert keras_slots(DEEP) == [("W1", (3, 5)), ("b1", (5,)), ("W2", (5, 4)), ("b2", (4,)),
                                 ("W3", (4, 1)), ("b3", (1,))]  # fmt: skip
    assert [k for k, _ in keras_slots(BN)] == [
        "W1", "gamma1", "beta1", "mu1", "var1", "W2", "gamma2", "beta2", "mu2", "var2", "W3", "b3",
    ]  # fmt: skip
    assert [k for k, _ in keras_slots(BN, trainable_only=True)] == [
        "W1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "b3",
    ]  # fmt: skip


def test_weights_are_transposed_and_flattened():
    params = random_params(DEEP)
    weights = to_keras_weights(params, DEEP)
    np.testing.assert_array_equal(weights[0], params["W1"].T)
    np.testing.assert_array_equal(weights[1], params["b1"].ravel())


@pytest.mark.parametrize("spec", [DEEP, BN, ModelSpec("logistic", (4, 1))])
def test_weights_round_trip(spec):
    params, state = random_params(spec), random_state(spec)
    back, back_state = from_keras_weights(to_keras_weights(params, spec, state), spec)
    assert list(back) == list(params) and back_state.keys() == state.keys()
    for key in params:
        np.testing.assert_array_equal(back[key], params[key])
    for key in state:
        np.testing.assert_array_equal(back_state[key], state[key])


def test_batchnorm_without_state_gets_keras_starting_statistics():
    _, state = from_keras_weights(to_keras_weights(random_params(BN), BN), BN)
    np.testing.assert_array_equal(state["mu1"], np.zeros((5, 1)))
    np.testing.assert_array_equal(state["var2"], np.ones((4, 1)))


def test_gradients_from_keras():
    grads = random_params(BN, seed=3)
    keras_grads = [
        grads[k].T if k.startswith("W") else grads[k].ravel()
        for k, _ in keras_slots(BN, trainable_only=True)
    ]
    back = from_keras_gradients(keras_grads, BN)
    assert list(back) == list(grads)
    for key in grads:
        np.testing.assert_array_equal(back[key], grads[key])


def test_inputs_labels_outputs_and_masks():
    X, Y = np.arange(12.0).reshape(3, 4), np.array([[0.0, 1.0, 1.0, 0.0]])
    np.testing.assert_array_equal(to_keras_inputs(X, DEEP), X.T)
    np.testing.assert_array_equal(to_keras_labels(Y, DEEP), Y.T)
    np.testing.assert_array_equal(from_keras_outputs(Y.T, DEEP), Y)
    masks = dropout_masks(replace(DEEP, keep_prob=0.5).layers, 4)
    keras_masks = to_keras_masks(masks, DEEP)
    np.testing.assert_array_equal(keras_masks[1], masks["D2"].T)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: p.pop("b2"), "missing b2"),
        (lambda p: p.update(W2=np.zeros((4, 4))), "W2 has shape (4, 4), expected (4, 5)"),
        (lambda p: p.update(gamma9=np.zeros((1, 1))), "unexpected keys gamma9"),
    ],
)
def test_to_keras_weights_rejects_bad_params(change, message):
    params = random_params(DEEP)
    change(params)
    with pytest.raises(DlparityError, match=message.replace("(", r"\(").replace(")", r"\)")):
        to_keras_weights(params, DEEP)


@pytest.mark.parametrize(
    "state, message",
    [
        ({"mu1": np.zeros((5, 1))}, "bn_state: missing var1, mu2, var2"),
        (
            {**initial_bn_state(BN), "var2": np.ones((4,))},
            r"var2 has shape \(4,\), expected \(4, 1\)",
        ),
        ({**initial_bn_state(BN), "mu3": np.ones((2, 1))}, "unexpected keys mu3"),
        ([1, 2], "expected a dict"),
    ],
)
def test_to_keras_weights_rejects_bad_bn_state(state, message):
    with pytest.raises(DlparityError, match=message):
        to_keras_weights(random_params(BN), BN, state)


def test_from_keras_weights_names_the_bad_array():
    weights = to_keras_weights(random_params(DEEP), DEEP)
    with pytest.raises(DlparityError, match="Keras weights: 5 arrays, expected 6"):
        from_keras_weights(weights[:-1], DEEP)
    weights[2] = weights[2].T
    with pytest.raises(DlparityError, match=r"W2 has Keras shape \(4, 5\), expected \(5, 4\)"):
        from_keras_weights(weights, DEEP)
    with pytest.raises(DlparityError, match="expected a list"):
        from_keras_weights({"W1": 1}, DEEP)


def test_from_keras_gradients_names_the_bad_array():
    grads = [np.zeros(s) for _, s in keras_slots(BN, trainable_only=True)]
    grads[1] = np.zeros((5, 1))
    with pytest.raises(DlparityError, match=r"Keras gradients: gamma1 has Keras shape \(5, 1\)"):
        from_keras_gradients(grads, BN)


def test_bad_inputs_labels_outputs_masks():
    with pytest.raises(DlparityError, match=r"X: shape \(4, 3\), expected \(3, m\)"):
        to_keras_inputs(np.zeros((4, 3)), DEEP)
    with pytest.raises(DlparityError, match=r"Y: shape \(4,\), expected \(1, m\)"):
        to_keras_labels(np.zeros(4), DEEP)
    with pytest.raises(DlparityError, match=r"Keras outputs: shape \(1, 4\), expected \(m, 2\)"):
        from_keras_outputs(np.zeros((1, 4)), BN)
    with pytest.raises(DlparityError, match="masks: missing D2"):
        to_keras_masks({"D1": np.ones((5, 4))}, DEEP)
    with pytest.raises(DlparityError, match=r"masks: D2 has shape \(4, 3\), expected \(4, 4\)"):
        to_keras_masks({"D1": np.ones((5, 4)), "D2": np.ones((4, 3))}, DEEP)
    with pytest.raises(DlparityError, match="masks: unexpected keys D3"):
        to_keras_masks({"D1": np.ones((5, 4)), "D2": np.ones((4, 4)), "D3": 1}, DEEP)


# ---------------------------------------------------------------- checkpoints


def test_checkpoint_round_trip(tmp_path):
    params, state = random_params(BN), random_state(BN)
    path = save_weights(tmp_path / "run.ckpt", params, state, spec=BN)
    assert path.name == "run.ckpt"  # no ".npz" appended
    back, back_state = load_weights(path, BN)
    for key in params:
        np.testing.assert_array_equal(back[key], params[key])
    for key in state:
        np.testing.assert_array_equal(back_state[key], state[key])
    assert load_weights(save_weights(tmp_path / "d.npz", random_params(DEEP)), DEEP)[1] == {}


def test_checkpoint_missing_file_and_directory(tmp_path):
    with pytest.raises(DlparityError, match="no such file"):
        load_weights(tmp_path / "none.npz", DEEP)
    with pytest.raises(DlparityError, match="does not exist"):
        save_weights(tmp_path / "no" / "x.npz", random_params(DEEP))


def save_raw(path, **arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda a: a.pop("W3"), "missing W3"),
        (lambda a: a.update(W2=np.zeros((5, 4))), r"W2 has shape \(5, 4\), expected \(4, 5\)"),
        (lambda a: a.update(extra=np.zeros(1)), "unexpected keys extra"),
        (lambda a: a.update(b1=np.full((5, 1), np.nan)), "b1 contains NaN"),
        (lambda a: a.update(b1=np.zeros((5, 1), dtype=np.int64)), "b1 has dtype int64"),
    ],
)
def test_checkpoint_rejects_bad_contents(tmp_path, edit, message):
    arrays = random_params(DEEP)
    edit(arrays)
    path = save_raw(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DlparityError, match=message):
        load_weights(path, DEEP)


def test_checkpoint_missing_bn_state(tmp_path):
    path = save_weights(tmp_path / "bn.npz", random_params(BN))
    with pytest.raises(DlparityError, match="bn_state: missing mu1"):
        load_weights(path, BN)


def test_checkpoint_refuses_pickles_and_corrupt_files(tmp_path):
    path = save_raw(tmp_path / "pickle.npz", W1=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DlparityError, match="not a valid .npz"):
        load_weights(path, DEEP)
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(DlparityError, match="not a valid .npz"):
        load_weights(corrupt, DEEP)


def test_save_checkpoint_rejects_bad_input(tmp_path):
    with pytest.raises(DlparityError, match="dtype <U1"):
        save_weights(tmp_path / "s.npz", {"W1": np.array(["a"])})
    with pytest.raises(DlparityError, match="in both params and bn_state: mu1"):
        save_weights(tmp_path / "s.npz", {"mu1": np.zeros(1)}, {"mu1": np.zeros(1)})
    with pytest.raises(DlparityError, match="params: missing"):
        save_weights(tmp_path / "s.npz", {}, spec=DEEP)


def test_layout_imports_no_framework():
    code = "import sys, dlparity.core.layout; sys.exit('tensorflow' in sys.modules or 'jax' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
