import numpy as np
import pytest

from dlparity.core.errors import DlparityError
from dlparity.core.init import initial_bn_state
from dlparity.core.rng import dropout_masks
from pure_numpy import activations, layers, models
from pure_numpy.gradcheck import gradient_check
from tests.conftest import SPECS, small_problem


def _masks(spec, m):
    return dropout_masks(spec.layers, m) if spec.keep_prob < 1 else None


def test_gradient_check_passes_for_every_architecture(spec_name):
    spec = SPECS[spec_name]
    params, X, Y = small_problem(spec)
    difference = gradient_check(
        params, X, Y, spec, masks=_masks(spec, X.shape[1]), bn_state=initial_bn_state(spec)
    )
    assert difference < 1e-7


def test_gradient_check_fails_loudly_on_a_broken_backward(monkeypatch):
    spec = SPECS["deep"]
    params, X, Y = small_problem(spec)
    monkeypatch.setattr(activations, "relu_backward", lambda dA, Z: dA * (Z > 0) * 1.1)
    assert gradient_check(params, X, Y, spec) > 1e-3


def test_gradient_check_catches_a_broken_batchnorm_backward(monkeypatch):
    spec = SPECS["softmax_bn"]
    params, X, Y = small_problem(spec)
    real = layers.batchnorm_backward

    def broken(dZ_tilde, cache):
        dZ, dgamma, dbeta = real(dZ_tilde, cache)
        return dZ, dgamma, 2 * dbeta

    monkeypatch.setattr(layers, "batchnorm_backward", broken)
    assert gradient_check(params, X, Y, spec, bn_state=initial_bn_state(spec)) > 1e-3


def test_forward_shapes_and_predictions(spec_name):
    spec = SPECS[spec_name]
    params, X, Y = small_problem(spec)
    bn_state = initial_bn_state(spec)
    AL, new_state = models.forward(params, X, spec, training=True, bn_state=bn_state)
    assert AL.shape == Y.shape and list(new_state) == list(bn_state)
    layers_ = models.forward_layers(params, X, spec, training=True, bn_state=bn_state)
    assert list(layers_) == [f"{v}{l}" for l in range(1, spec.num_layers + 1) for v in "ZA"]
    assert layers_[f"A{spec.num_layers}"] is not None and np.array_equal(
        layers_[f"A{spec.num_layers}"], AL
    )
    labels = models.predict(params, X, spec, bn_state=bn_state)
    assert labels.shape == (1, X.shape[1])
    assert set(np.unique(labels)) <= set(
        range(spec.layer_dims[-1] if spec.output == "softmax" else 2)
    )


def test_dropout_only_in_training():
    spec = SPECS["deep_dropout"]
    params, X, _ = small_problem(spec)
    train_out, _ = models.forward(params, X, spec, training=True)
    test_out, _ = models.forward(params, X, spec, training=False)
    course_masks = _masks(spec, X.shape[1])
    explicit, _ = models.forward(params, X, spec, training=True, masks=course_masks)
    assert np.array_equal(train_out, explicit) and not np.allclose(train_out, test_out)


def test_gradients_update_batchnorm_running_statistics():
    spec = SPECS["softmax_bn"]
    params, X, Y = small_problem(spec)
    state = initial_bn_state(spec)
    _, _, new = models.gradients(params, X, Y, spec, bn_state=state)
    Z1 = params["W1"] @ X
    np.testing.assert_allclose(new["mu1"], 0.1 * Z1.mean(axis=1, keepdims=True), rtol=1e-13)
    np.testing.assert_allclose(new["var1"], 0.9 + 0.1 * Z1.var(axis=1, keepdims=True), rtol=1e-13)


def test_l2_adds_lambd_over_m_times_W():
    plain, l2 = SPECS["deep"], SPECS["deep_l2"]
    params, X, Y = small_problem(plain)
    _, g0, _ = models.gradients(params, X, Y, plain)
    _, g1, _ = models.gradients(params, X, Y, l2)
    np.testing.assert_allclose(g1["W2"] - g0["W2"], 0.7 / X.shape[1] * params["W2"], atol=1e-15)
    np.testing.assert_array_equal(g1["b2"], g0["b2"])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p, X, Y: (p, X.T, Y), "X: shape"),
        (lambda p, X, Y: (p, X, Y[:, :3]), "Y: shape"),
        (lambda p, X, Y: ({k: v for k, v in p.items() if k != "b2"}, X, Y), "missing b2"),
        (lambda p, X, Y: ({**p, "W2": p["W2"].T}, X, Y), "W2 has shape"),
        (lambda p, X, Y: ({**p, "W9": p["W1"]}, X, Y), "unexpected keys W9"),
    ],
)
def test_bad_inputs_name_the_problem(change, message):
    spec = SPECS["deep"]
    params, X, Y = change(*small_problem(spec))
    with pytest.raises(DlparityError, match=message):
        models.gradients(params, X, Y, spec)


def test_batchnorm_inference_needs_running_statistics_training_starts_at_0_1():
    spec = SPECS["softmax_bn"]
    params, X, Y = small_problem(spec)
    with pytest.raises(DlparityError, match="bn_state: inference with batch norm needs"):
        models.predict(params, X, spec)
    default = models.gradients(params, X, Y, spec)
    explicit = models.gradients(params, X, Y, spec, bn_state=initial_bn_state(spec))
    assert default[0] == explicit[0] and all(
        np.array_equal(default[2][k], explicit[2][k]) for k in explicit[2]
    )
