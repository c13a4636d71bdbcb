"""C5W1's character-level language model ("Dinosaurus Island") in TensorFlow: the summed
cross-entropy of one example under a GradientTape, tf.clip_by_value, plain gradient descent, one
tf.function per example length.

The course's names and layout (pure_numpy.charmodel): parameters Wax (n_a, vocab_size), Waa,
Wya (vocab_size, n_a), b (n_a, 1), by (vocab_size, 1), a (n_a, 1). An example is padded to a fixed
length so that one trace serves every name: the padded steps keep a and add nothing to the loss.
"""

import tensorflow as tf

from dlparity.core import charmodel as course
from tf_impl import precision
from tf_impl.activations import softmax


def clip(gradients, maxValue):
    """Every gradient clipped by value to [-maxValue, maxValue] (tf.clip_by_value)."""
    return {key: tf.clip_by_value(g, -maxValue, maxValue) for key, g in gradients.items()}


def _step(x, a_prev, parameters):
    """One step: a (n_a, 1) = tanh(Wax x + Waa a_prev + b), y (vocab_size, 1) its softmax."""
    p = parameters
    a = tf.tanh(tf.matmul(p["Wax"], x) + tf.matmul(p["Waa"], a_prev) + p["b"])
    return a, softmax(tf.matmul(p["Wya"], a) + p["by"])


_cell = tf.function(_step)


def sample(parameters, char_to_ix, seed):
    """The indices of one name drawn from the model (the course's picks and seeds)."""
    n_a, vocab_size = parameters["Waa"].shape[0], parameters["by"].shape[0]

    def step(x, a_prev):
        a, y = _cell(tf.constant(x), a_prev, parameters)
        return a, y.numpy()

    return course.sample_indices(
        step, tf.zeros((n_a, 1), tf.float64), vocab_size, char_to_ix["\n"], seed
    )


def _loss(parameters, x, y, mask, a_prev):
    """-sum_t log y_t[Y_t] over the unmasked steps of x (T, vocab_size, 1), in the course's
    order, and the last hidden state (n_a, 1)."""
    loss = tf.zeros((), tf.float64)
    for t in range(x.shape[0]):
        a, probabilities = _step(x[t], a_prev, parameters)
        kept = mask[t] > 0
        loss = loss - tf.where(kept, tf.math.log(probabilities[y[t], 0]), 0.0)
        a_prev = tf.where(kept, a, a_prev)
    return loss, a_prev


def _value_and_grad(parameters, x, y, mask, a_prev):
    """The loss, its gradients with respect to the parameters, and the last hidden state."""
    with tf.GradientTape() as tape:
        tape.watch(parameters)
        loss, a_last = _loss(parameters, x, y, mask, a_prev)
    return loss, tape.gradient(loss, parameters), a_last


@tf.function
def _optimize(parameters, x, y, mask, a_prev, learning_rate, clip_value):
    """Forward, backward, clip, update: (loss, clipped gradients, a_last, new parameters)."""
    loss, grads, a_last = _value_and_grad(parameters, x, y, mask, a_prev)
    grads = clip(grads, clip_value)
    updated = {key: p - learning_rate * grads[key] for key, p in parameters.items()}
    return loss, grads, a_last, updated


def gradients(X, Y, a_prev, parameters):
    """The summed loss of one example from a_prev and its gradients (d + key), unclipped."""
    x, y, mask = course.padded(X, Y, parameters["by"].shape[0], len(X))
    loss, grads, _ = tf.function(_value_and_grad)(
        {key: tf.constant(value) for key, value in parameters.items()}, tf.constant(x),
        tf.constant(y), tf.constant(mask), tf.constant(a_prev, tf.float64),
    )  # fmt: skip
    return float(loss), {f"d{key}": g.numpy() for key, g in grads.items()}


def optimize(X, Y, a_prev, parameters, learning_rate=course.LEARNING_RATE, *, length=None):
    """One step on one example (X, Y lists of indices, padded to length steps, default len(X)):
    returns the loss, the clipped gradients (d + key), the last hidden state and the parameters."""
    vocab_size = parameters["by"].shape[0]
    x, y, mask = course.padded(X, Y, vocab_size, length or len(X))
    loss, grads, a_last, parameters = _optimize(
        parameters, tf.constant(x), tf.constant(y), tf.constant(mask),
        tf.constant(a_prev, tf.float64), tf.constant(learning_rate, tf.float64),
        tf.constant(course.CLIP_VALUE, tf.float64),
    )  # fmt: skip
    return loss.numpy(), {f"d{key}": g for key, g in grads.items()}, a_last, parameters


def _package(length):
    return course.Package(
        lambda *args: optimize(*args, length=length), sample,
        lambda p: {key: value.numpy() for key, value in p.items()},
    )  # fmt: skip


def model(data, ix_to_char, char_to_ix, num_iterations=35000, n_a=50, dino_names=7,
          vocab_size=27, *, every=2000, out=print, timings=None):  # fmt: skip
    """The course's model (pure_numpy.charmodel.model), every example padded to the longest.
    Returns a dlparity.core.charmodel.CharRun."""
    precision.configure("float64")
    data = list(data)
    parameters = course.initial_parameters(n_a, vocab_size, vocab_size)
    return course.train(
        _package(course.longest(data)), {k: tf.constant(v) for k, v in parameters.items()},
        data, char_to_ix, ix_to_char, num_iterations=num_iterations, n_a=n_a,
        dino_names=dino_names, every=every, out=out, timings=timings,
    )  # fmt: skip
