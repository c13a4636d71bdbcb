"""dlparity: the Deep Learning Specialization's networks in NumPy, JAX and TensorFlow, proven equal.

The spine (this package) is NumPy only: specs, initial parameters, shared randomness, datasets,
experiments and the migration table. Framework packages: pure_numpy, jax_impl, tf_impl.
"""

__version__ = "0.1.0"


class DlparityError(ValueError):
    """A problem with the user's input: printed as one line by the command."""
