"""The same networks in JAX: pure functions over dicts of arrays, jax.value_and_grad, jit, optax.

float64 must be switched on before any array is made, or float64 inputs silently become float32:
importing any jax_impl module runs this first. It also turns on the persistent compilation
cache (dlparity.runtime.cache) and drops JAX's start-up notices (dlparity.runtime.quiet).
"""

from dlparity.runtime import cache, quiet

quiet.quiet_jax()

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
cache.configure_jax(jax)
