"""JAX's side of the contract: checked inputs as JAX arrays, and the one place that jits them."""

import jax
import jax.numpy as jnp

from dlparity.core import contract
from dlparity.core.errors import DlparityError


def check_dtype(spec) -> None:
    """float64 needs jax_enable_x64, which importing jax_impl switches on; refuse to run without it.

    Without it JAX silently computes in float32. It happens when jax_impl is loaded as a
    namespace package (a stale editable install made while jax_impl/ had no __init__.py).
    """
    if spec.dtype == "float64" and not jax.config.jax_enable_x64:
        raise DlparityError(
            "dtype: float64 needs jax_enable_x64, but jax_impl/__init__.py did not run (a stale "
            "editable install registers jax_impl as a namespace package: pip install -e . again)"
        )


def arrays(spec, params, X, Y=None, **options) -> contract.Arguments:
    """dlparity.core.contract's checked arguments as JAX arrays of the spec's dtype."""
    check_dtype(spec)
    arguments = contract.arguments(spec, params, X, Y, **options)
    return contract.convert(arguments, lambda a: jnp.asarray(a, spec.dtype))


def compiled(function, *, static):
    """jax.jit with the spec (and the mode) static: one executable per spec, cached by JAX."""
    return jax.jit(function, static_argnames=static)
