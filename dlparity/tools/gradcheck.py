"""dlparity gradcheck: the course's gradient check of a framework on an experiment's network."""

from __future__ import annotations

import numpy as np

from dlparity.core.gradcheck import sample_indices


def check_experiment(
    experiment, framework: str, arrays, *, examples: int = 8, max_params=2000, progress=None
):
    """Gradient check of a framework on an experiment's network, initial parameters and first examples.

    Returns (difference, coordinates checked, total coordinates). Runs in float64; dropout uses the
    course's masks, batch norm the initial running statistics.
    """
    from dlparity.core.errors import DlparityError
    from dlparity.core.init import initial_bn_state, parameter_keys
    from dlparity.core.rng import dropout_masks
    from dlparity.runtime import frameworks
    from dlparity.tools.runs import initial_parameters

    checked = frameworks.names(lambda f: f.gradcheck)
    if framework not in checked:
        raise DlparityError(f"gradcheck: framework must be one of {', '.join(checked)}")
    if examples < 1:
        raise DlparityError(f"--examples: must be a positive integer, got {examples}")
    if max_params is not None and max_params < 1:
        raise DlparityError(f"--max-params: must be a positive integer, got {max_params}")
    frameworks.load(framework)
    spec = experiment.spec.with_dtype("float64")
    X, Y = arrays[0][:, :examples], arrays[1][:, :examples]
    params = initial_parameters(experiment)
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
    return difference, total if indices is None else len(indices), total
