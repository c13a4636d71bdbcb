"""Costs: binary and softmax cross-entropy, and the L2 penalty. Y and AL are (n_y, m)."""

import jax
import jax.numpy as jnp


def binary_cross_entropy(AL, Y, ZL):
    """-(1/m) sum[y log a + (1 - y) log(1 - a)], the course's formula.

    Where a sigmoid has saturated (a rounds to 0 or 1) the formula gives inf or NaN for that
    example; there, and only there, the same loss is computed from the logits ZL instead:
    max(z, 0) - y z + log(1 + e^-|z|).
    """
    m = Y.shape[1]
    course = -(Y * jnp.log(AL) + (1 - Y) * jnp.log(1 - AL))
    bad = ~jnp.isfinite(course)
    # the "double where": the course branch must also be finite where it is not taken, or its
    # gradient (0 * inf) poisons the taken branch's; 0.5 is any value with finite logs
    safe_AL = jnp.where(bad, 0.5, AL)
    course = -(Y * jnp.log(safe_AL) + (1 - Y) * jnp.log(1 - safe_AL))
    from_logits = jnp.maximum(ZL, 0) - Y * ZL + jnp.log1p(jnp.exp(-jnp.abs(ZL)))
    return jnp.sum(jnp.where(bad, from_logits, course)) / m


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
