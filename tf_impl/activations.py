"""Activations as TensorFlow ops. Every tensor is (n_l, m): units by examples.

No *_backward functions: tf.GradientTape differentiates these.
"""

import tensorflow as tf


def sigmoid(Z):
    """1 / (1 + e^-Z), the course's formula; e^-Z overflowing to inf gives exactly 0."""
    # double where: the exp that overflows never enters the gradient (0 * inf would be NaN)
    overflow = tf.math.is_inf(tf.exp(-Z))
    safe = tf.exp(tf.where(overflow, tf.zeros_like(Z), -Z))
    return tf.where(overflow, tf.zeros_like(Z), 1 / (1 + safe))


def relu(Z):
    return tf.nn.relu(Z)


def tanh(Z):
    return tf.tanh(Z)


def softmax(Z):
    """Softmax over the classes, axis 0 of a (C, m) tensor."""
    E = tf.exp(Z - tf.reduce_max(Z, axis=0, keepdims=True))
    return E / tf.reduce_sum(E, axis=0, keepdims=True)


HIDDEN = {"relu": relu, "tanh": tanh}
