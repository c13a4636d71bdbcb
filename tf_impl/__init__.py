"""The same networks in TensorFlow: low-level (GradientTape, tf.function) and idiomatic Keras.

Keras chooses its backend once, when it is first imported, from KERAS_BACKEND. This package's
Keras code runs on TensorFlow: when Keras is not loaded yet, the backend is set to TensorFlow
for this process; when it was loaded on another backend, importing this package says so
(dlparity.runtime.keras_backend).
Importing any tf_impl module imports TensorFlow through dlparity.runtime.quiet first, without its
start-up logging.
"""

from dlparity.runtime import keras_backend, quiet

keras_backend.require("tensorflow", "tf_impl")
quiet.import_tensorflow()
