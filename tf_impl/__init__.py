"""The same networks in TensorFlow: low-level (GradientTape, tf.function) and idiomatic Keras.

Keras chooses its backend once, when it is first imported, from KERAS_BACKEND. This package's
Keras code runs on TensorFlow: when Keras is not loaded yet, the backend is set to TensorFlow
for this process; when it was loaded on another backend, importing this package says so.
Importing any tf_impl module imports TensorFlow through dlparity.runtime.quiet first, without its
start-up logging.
"""

import os
import sys

from dlparity.core.errors import DlparityError
from dlparity.runtime import quiet

if "keras" not in sys.modules:
    os.environ["KERAS_BACKEND"] = "tensorflow"
elif (backend := sys.modules["keras"].backend.backend()) != "tensorflow":
    raise DlparityError(
        f"tf_impl needs Keras on the TensorFlow backend, but Keras was imported on {backend!r} "
        "(KERAS_BACKEND): import tf_impl before keras, or set KERAS_BACKEND=tensorflow"
    )

quiet.import_tensorflow()
