"""Costs: binary and softmax cross-entropy, and the L2 penalty. Y and AL are (n_y, m)."""

import jax
import jax.numpy as jnp


def binary_cross_entropy(AL, Y, ZL):
    """-(1/m) sum[y log a + (1 - y) log(1 - a)], the course's formula, for labels y in {0, 1}.

    Where a sigmoid has saturated (a rounds to 0 or 1) the formula gives inf or NaN for that
    example; there, and only there, the same loss is computed from the logits ZL instead:
    max(z, 0) - y z + log(1 + e^-|z|).
    """
    m = Y.shape[1]
    # the course's formula is finite exactly where 0 < a < 1 (a NaN counts as saturated)
    saturated = ~((AL > 0) & (AL < 1))
    # the "double where": the untaken branch must stay finite too, or its gradient (0 * inf)
    # poisons the taken one's; 0.5 is any a with finite logs
    safe_AL = jnp.where(saturated, 0.5, AL)
    # for y in {0, 1}, log(y a + (1 - y)(1 - a)) is y log a + (1 - y) log(1 - a) bit for bit, in
    # value and in gradient, with one log instead of two (XLA's float64 log is the run's
    # costliest op); the public functions reject other labels (models._check_labels)
    course = -jnp.log(Y * safe_AL + (1 - Y) * (1 - safe_AL))
    # the sigmoid saturates only where |z| > 36 (float64; > 16 in float32): there e^-|z| is
    # below 2^-53 (2^-24) and log1p(x) = x - x^2/2 + ... rounds to x, so e^-|z| is the
    # reference's log1p(e^-|z|) exactly, with one transcendental fewer
    from_logits = jnp.maximum(ZL, 0) - Y * ZL + jnp.exp(-jnp.abs(ZL))
    return jnp.sum(jnp.where(saturated, from_logits, course)) / m


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
