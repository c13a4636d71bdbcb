"""The C2W3 TensorFlow assignment's initialization, for the signs-softmax experiment.

The assignment draws every weight AND bias from one `tf.keras.initializers.GlorotNormal(seed=1)`,
in course-layout shapes W_l (n_l, n_{l-1}), b_l (n_l, 1), in order W1, b1, W2, b2, ...
"""

import numpy as np
import tensorflow as tf

from dlparity.core.checks import check_params
from dlparity.core.spec import ModelSpec


def glorot_course_parameters(spec: ModelSpec, seed: int = 1) -> dict[str, np.ndarray]:
    """W_l and b_l drawn as C2W3 does, as NumPy arrays of spec.dtype usable by every framework.

    Draws are float32, the assignment's dtype, whatever Keras' floatx is. Glorot's fans are the
    shape's two dimensions, so the course layout gives the same scale as Keras' own layout. In
    Keras 3 a seeded initializer is stateless: two layers of identical shape get identical values.
    """
    initializer = tf.keras.initializers.GlorotNormal(seed=seed)
    params = {}
    for l in range(1, spec.num_layers + 1):
        n_l, n_prev = spec.layer_dims[l], spec.layer_dims[l - 1]
        params[f"W{l}"] = initializer(shape=(n_l, n_prev), dtype="float32")
        params[f"b{l}"] = initializer(shape=(n_l, 1), dtype="float32")
    params = {k: np.asarray(v).astype(spec.dtype) for k, v in params.items()}
    check_params(params, spec)
    return params
