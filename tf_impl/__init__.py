"""The same networks in TensorFlow: low-level (GradientTape, tf.function) and idiomatic Keras."""
