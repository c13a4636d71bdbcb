"""The same networks in JAX: pure functions over dicts of arrays, jax.value_and_grad, jit, optax.

float64 must be switched on before any array is made, or float64 inputs silently become float32:
importing any jax_impl module runs this first.
"""

import jax

jax.config.update("jax_enable_x64", True)
