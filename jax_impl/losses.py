"""Costs: binary and softmax cross-entropy, and the L2 penalty. Y and AL are (n_y, m)."""

import jax
import jax.numpy as jnp

from jax_impl import activations


@jax.custom_jvp
def _binary_logprobs(ZL, Y):
    """Per example -[y log a + (1 - y) log(1 - a)] = max(z, 0) - y z + log(1 + e^-|z|), y in {0, 1}."""
    return jnp.maximum(ZL, 0) - Y * ZL + jnp.log1p(jnp.exp(-jnp.abs(ZL)))


@_binary_logprobs.defjvp
def _binary_logprobs_jvp(primals, tangents):
    # the derivative the reference writes by hand, dZ = AL - Y, rather than autodiff of
    # max and |z| (kinks at 0) through log1p(exp(.))
    ZL, Y = primals
    dZL, dY = tangents
    return _binary_logprobs(ZL, Y), (activations.sigmoid(ZL) - Y) * dZL - ZL * dY


def binary_cross_entropy(ZL, Y):
    """-(1/m) sum[y log a + (1 - y) log(1 - a)], a = sigmoid(z), evaluated from the logits ZL.

    Exact to rounding for every z (the literal formula is infinite from |z| = 36.7); its
    gradient with respect to ZL is (AL - Y) / m, the reference's dZ.
    """
    return jnp.sum(_binary_logprobs(ZL, Y)) / Y.shape[1]


def softmax_cross_entropy(ZL, Y):
    """-(1/m) sum over classes and examples of y log softmax(z), with log-softmax from the logits."""
    m = Y.shape[1]
    # z - max(z) - log(sum(e^(z - max(z)))), the reference's formula; the max is held constant
    # for the gradient (it cancels in value), so its gradient is exactly zero, not rounding
    log_A = jax.nn.log_softmax(ZL, axis=0)
    return -jnp.sum(Y * log_A) / m


def l2_penalty(params, lambd, m):
    """(lambd / 2m) * sum_l ||W_l||_F^2 over the weights only."""
    # layer order W1, W2, ...: a dict that went through jax.grad comes back with sorted keys
    weights = sorted((key for key in params if key.startswith("W")), key=lambda k: int(k[1:]))
    return lambd / (2 * m) * sum(jnp.sum(jnp.square(params[key])) for key in weights)
