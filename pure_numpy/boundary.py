"""NumPy's side of the contract: checked inputs as NumPy arrays; nothing to compile."""

import numpy as np

from dlparity.core import contract


def arrays(spec, params, X, Y=None, **options) -> contract.Arguments:
    """dlparity.core.contract's checked arguments as NumPy arrays of the spec's dtype."""
    arguments = contract.arguments(spec, params, X, Y, **options)
    return contract.convert(arguments, lambda a: np.asarray(a, spec.dtype))


def compiled(function, *, static):
    """NumPy runs each call as written: the function itself."""
    return function
