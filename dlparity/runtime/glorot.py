"""C2W3's initialization, drawn once for every package: the TensorFlow assignment draws every weight
AND bias from one `tf.keras.initializers.GlorotNormal(seed=1)`.

Keras is imported when a draw is asked for, on the backend this process's Keras runs on (a
framework package imports it on its own: tf_impl on TensorFlow, keras_impl on its backend).
"""

from __future__ import annotations

import numpy as np

from dlparity.core.checks import expected_shapes
from dlparity.core.errors import DlparityError
from dlparity.core.spec import ModelSpec


def glorot_parameters(spec: ModelSpec, seed: int = 1) -> dict[str, np.ndarray]:
    """W_l and b_l drawn as C2W3 does, in order W1, b1, W2, b2, ..., as NumPy arrays of spec.dtype
    usable by every framework.

    Draws are float32, the assignment's dtype, whatever Keras' floatx is, in course-layout shapes
    W_l (n_l, n_{l-1}), b_l (n_l, 1): Glorot's fans are the shape's two dimensions, so this gives
    the same scale as Keras' own layout. A seeded initializer is stateless in Keras 3: two
    parameters of one shape get the same values. Keras' backends draw different numbers: these
    are TensorFlow's when Keras runs on TensorFlow, JAX's on JAX.
    """
    if spec.running_statistics:
        raise DlparityError("spec: glorot_normal (C2W3) is for networks without batch norm")
    import keras

    initializer = keras.initializers.GlorotNormal(seed=seed)
    return {
        k: np.asarray(initializer(shape=shape, dtype="float32")).astype(spec.dtype)
        for k, shape in expected_shapes(spec).items()
    }
