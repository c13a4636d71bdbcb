"""The same networks in TensorFlow: low-level (GradientTape, tf.function) and idiomatic Keras.

Importing any tf_impl module imports TensorFlow through dlparity.quiet first, without its
start-up logging.
"""

from dlparity import quiet

quiet.import_tensorflow()
