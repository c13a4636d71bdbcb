"""Gradient check of the hand-written backward pass against the cost itself."""

from dlparity.core.gradcheck import gradient_difference
from dlparity.core.init import parameter_keys
from pure_numpy.models import compute_cost, gradients


def gradient_check(
    params, X, Y, spec, *, masks=None, bn_state=None, epsilon=1e-7, indices=None, progress=None
) -> float:
    """Difference between backward-pass gradients and centered differences (float64, < 1e-7 passes).

    Dropout needs fixed masks (pass them); batch-norm running statistics play no part in a
    training-mode cost, so they are held as given. indices: check only those coordinates;
    progress(done, total) is called after each one.
    """
    _, grads, _ = gradients(params, X, Y, spec, masks=masks, bn_state=bn_state)

    def cost(p):
        return compute_cost(p, X, Y, spec, masks=masks, bn_state=bn_state)

    keys = parameter_keys(spec)
    return gradient_difference(cost, params, grads, keys, epsilon, indices, progress)
