"""dlparity: the Deep Learning Specialization's networks in NumPy, JAX and TensorFlow, proven equal.

The spine (this package) is NumPy only, in layers whose imports point down (the contract in
pyproject.toml, checked by tests/test_architecture.py):

    cli        the command line
    diagnose   a user's own port against the reference
    tools      runs, bench, tune, sweep, report, plots, show, notebooks, checkpoint files
    course     datasets, experiments, the migration table, the lessons that `show` reads
    runtime    devices, quiet imports, compile cache, the framework loader, keras-jax's worker,
               KERAS_BACKEND
    core       errors, specs, the optimizer registry, init, rng, schedules, the plan, the contract
               checks, training state and result, the framework descriptor: all that the framework
               packages import

Framework packages (pure_numpy, jax_impl, tf_impl, keras_impl) import core and runtime only; each
describes itself in its framework.py, which the loader reads without importing the package.
"""

__version__ = "0.1.0"
