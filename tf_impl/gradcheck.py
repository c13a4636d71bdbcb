"""Gradient check of the tape's gradients against the cost itself."""

import numpy as np

from dlparity.core.gradcheck import gradient_difference
from dlparity.core.init import parameter_keys
from tf_impl.models import compute_cost, gradients


def gradient_check(
    params, X, Y, spec, *, masks=None, bn_state=None, epsilon=1e-7, indices=None, progress=None
) -> float:
    """Difference between GradientTape gradients and centered differences (float64, < 1e-7 passes).

    Dropout needs fixed masks (pass them); batch-norm running statistics play no part in a
    training-mode cost, so they are held as given. indices: check only those coordinates;
    progress(done, total) is called after each one.
    A float32 spec is checked in float64: centered differences with epsilon 1e-7 are noise in float32.
    """
    spec = spec.with_dtype("float64")
    _, grads, _ = gradients(params, X, Y, spec, masks=masks, bn_state=bn_state)

    def cost(p):
        return float(compute_cost(p, X, Y, spec, masks=masks, bn_state=bn_state))

    grads = {k: np.asarray(g) for k, g in grads.items()}
    keys = parameter_keys(spec)
    return gradient_difference(cost, params, grads, keys, epsilon, indices, progress)
