"""dlparity gradcheck: the course's gradient check of a framework on an experiment's network."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dlparity.core.gradcheck import sample_indices


class Check(NamedTuple):
    """difference: the course's relative difference; checked of total coordinates; examples
    used; kinks: ReLU inputs exactly 0 at the checked point (the reference's forward pass)."""

    difference: float
    checked: int
    total: int
    examples: int
    kinks: int


def relu_kinks(params, X, spec, masks) -> int:
    """How many ReLU inputs are exactly 0 in the reference's training forward pass."""
    from dlparity.core import layers
    from pure_numpy.models import forward_layers

    values = forward_layers(params, X, spec, training=True, masks=masks)
    relus = [layer.l for layer in spec.layers
             if isinstance(layer, layers.Activation) and layer.name == "relu"]  # fmt: skip
    return sum(int(np.sum(values[f"Z{l}"] == 0)) for l in relus)


def check_options(framework: str, examples: int, max_params, shift_biases: float) -> None:
    """The options of a gradient check, each refused in one line (before any data loads)."""
    from dlparity.core.errors import DlparityError
    from dlparity.runtime import frameworks

    checked = frameworks.names(lambda f: f.gradcheck)
    if framework not in checked:
        raise DlparityError(f"gradcheck: framework must be one of {', '.join(checked)}")
    if examples < 1:
        raise DlparityError(f"--examples: must be a positive integer, got {examples}")
    if max_params is not None and max_params < 1:
        raise DlparityError(f"--max-params: must be a positive integer, got {max_params}")
    if not np.isfinite(shift_biases) or abs(shift_biases) > 1:
        raise DlparityError(f"--shift-biases: must be a number in [-1, 1], got {shift_biases}")


def check_experiment(
    experiment, framework: str, arrays, *, examples: int = 8, max_params=2000,
    shift_biases: float = 0.0, progress=None,
) -> Check:  # fmt: skip
    """Gradient check of a framework on an experiment's network, initial parameters (every bias
    moved by shift_biases) and first examples. Runs in float64; dropout uses the course's masks,
    batch norm the initial running statistics.
    """
    from dlparity.core.init import initial_bn_state, parameter_keys
    from dlparity.core.rng import dropout_masks
    from dlparity.runtime import frameworks
    from dlparity.tools.runs import initial_parameters

    check_options(framework, examples, max_params, shift_biases)
    frameworks.load(framework)
    spec = experiment.spec.with_dtype("float64")
    first = [slice(None)] * arrays[0].ndim
    first[spec.examples_axis] = slice(0, examples)
    X, Y = arrays[0][tuple(first)], arrays[1][:, :examples]
    params = initial_parameters(experiment)
    params = {k: v + shift_biases if k.startswith("b") else v for k, v in params.items()}
    masks = None
    if spec.keep_prob < 1:
        masks = dropout_masks(spec.layers, X.shape[spec.examples_axis])
    total = sum(int(np.size(params[k])) for k in parameter_keys(spec))
    indices = sample_indices(total, max_params)
    gradient_check = frameworks.function(frameworks.get(framework).gradcheck)
    difference = gradient_check(
        params, X, Y, spec, masks=masks, bn_state=initial_bn_state(spec), indices=indices,
        progress=progress,
    )  # fmt: skip
    checked = total if indices is None else len(indices)
    used = Y.shape[1]
    return Check(difference, checked, total, used, relu_kinks(params, X, spec, masks))
