"""C5W1's character-level language model ("Dinosaurus Island") in Keras: a model of
keras.layers.SimpleRNN(return_sequences=True) and a softmax Dense, loaded with the course's
parameters by dlparity.core.recurrent_layout, trained by a custom step (the summed cross-entropy
under a GradientTape) with keras.optimizers.SGD(clipvalue=5), one example at a time, in float64.

Keras on TensorFlow: Keras on JAX computes the tanh of float64 in float32 (the "keras-jax" row of
dlparity.course.migration). The model's inputs: x (1, T, vocab_size) one-hot, the initial state
a0 (1, n_a) and a mask (1, T) (an example is padded to a fixed length so that one trace serves every
name: SimpleRNN carries its state over the padded steps, which add nothing to the loss). Its
outputs: the hidden states (1, T, n_a) and the probabilities (1, T, vocab_size).
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from dlparity.core import charmodel as course
from dlparity.core import recurrent_layout as layout
from keras_impl import backend


def clip(gradients, maxValue):
    """Every gradient clipped by value to [-maxValue, maxValue] (ops.clip, as clipvalue does)."""
    return {key: ops.clip(g, -maxValue, maxValue) for key, g in gradients.items()}


def _build(parameters, learning_rate=course.LEARNING_RATE):
    """The Keras model holding the course's parameters (NumPy), its optimizer compiled in."""
    backend.configure("float64")
    (n_y, n_a), n_x = parameters["Wya"].shape, parameters["Wax"].shape[1]
    x, a0 = keras.Input((None, n_x)), keras.Input((n_a,))
    mask = keras.Input((None,), dtype="bool")
    rnn = keras.layers.SimpleRNN(n_a, return_sequences=True)
    dense = keras.layers.Dense(n_y, activation="softmax")
    h = rnn(x, initial_state=[a0], mask=mask)
    model = keras.Model([x, a0, mask], [h, dense(h)])
    rnn.set_weights(layout.keras_simple_rnn_weights({**parameters, "ba": parameters["b"]}))
    dense.set_weights(layout.keras_dense_weights(parameters["Wya"], parameters["by"]))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate, clipvalue=course.CLIP_VALUE))
    return model


def _to_course(values):
    """Keras' five weights (or their gradients) in the course's names and layout."""
    rnn = layout.course_simple_rnn_parameters(values[:3])
    Wya, by = layout.course_dense_parameters(values[3:])
    return {"Wax": rnn["Wax"], "Waa": rnn["Waa"], "Wya": Wya, "b": rnn["ba"], "by": by}


def _parameters(model):
    return _to_course([w.numpy() for w in model.weights])


@tf.function
def _one_step(model, x, a_prev):
    h, y = model([x, a_prev, tf.ones((1, 1), tf.bool)])
    return h[:, 0], y[0, 0]


def sample(parameters, char_to_ix, seed):
    """The indices of one name drawn from the model (parameters: the Keras model)."""
    n_a, vocab_size = parameters.inputs[1].shape[1], parameters.outputs[1].shape[2]

    def step(x, a_prev):
        a, y = _one_step(parameters, tf.constant(x.T[None]), a_prev)
        return a, y.numpy()

    return course.sample_indices(
        step, tf.zeros((1, n_a), tf.float64), vocab_size, char_to_ix["\n"], seed
    )


def _loss(model, x, y, mask, a_prev):
    """-sum_t log y_t[Y_t] over the unmasked steps, in the course's order; the hidden states."""
    h, probabilities = model([x, a_prev, mask])
    picked = ops.take_along_axis(probabilities[0], y[:, None], axis=1)[:, 0]
    loss = ops.zeros((), "float64")
    for t in range(x.shape[1]):
        loss = loss - ops.where(mask[0, t], ops.log(picked[t]), 0.0)
    return loss, h


@tf.function
def _train_step(model, x, y, mask, a_prev, last):
    with tf.GradientTape() as tape:
        loss, h = _loss(model, x, y, mask, a_prev)
    grads = tape.gradient(loss, model.trainable_weights)
    model.optimizer.apply_gradients(zip(grads, model.trainable_weights, strict=True))
    return loss, grads, h[:, last]


@tf.function
def _value_and_grad(model, x, y, mask, a_prev):
    with tf.GradientTape() as tape:
        loss, _ = _loss(model, x, y, mask, a_prev)
    return loss, tape.gradient(loss, model.trainable_weights)


def gradients(X, Y, a_prev, parameters):
    """The summed loss of one example from a_prev (n_a, 1) and its gradients (d + key, the
    course's layout), unclipped, through the Keras model of the course's parameters."""
    model = _build(parameters)
    x, y, mask = course.padded(X, Y, model.outputs[1].shape[2], len(X))
    loss, grads = _value_and_grad(
        model, tf.constant(x[:, :, 0][None]), tf.constant(y), tf.constant(mask[None] > 0),
        tf.constant(np.asarray(a_prev).reshape(1, -1)),
    )  # fmt: skip
    return float(loss), {f"d{k}": g for k, g in _to_course([g.numpy() for g in grads]).items()}


def optimize(X, Y, a_prev, parameters, learning_rate=course.LEARNING_RATE, *, length=None):
    """One step on one example (X, Y lists of indices, padded to length steps, default len(X)),
    parameters the Keras model (updated): returns the loss, the clipped gradients (d + key, the
    course's layout), the last hidden state (1, n_a) and the model (built from the course's
    parameters when they are a dict of NumPy arrays)."""
    if isinstance(parameters, dict):
        parameters = _build(parameters, learning_rate)
    parameters.optimizer.learning_rate.assign(learning_rate)
    vocab_size = parameters.outputs[1].shape[2]
    x, y, mask = course.padded(X, Y, vocab_size, length or len(X))
    a_prev = np.asarray(a_prev).reshape(1, -1)
    loss, grads, a_last = _train_step(
        parameters, tf.constant(x[:, :, 0][None]), tf.constant(y), tf.constant(mask[None] > 0),
        tf.constant(a_prev), tf.constant(len(X) - 1),
    )  # fmt: skip
    gradients = _to_course([g.numpy() for g in grads])
    return loss.numpy(), clip({f"d{k}": g for k, g in gradients.items()}, course.CLIP_VALUE), \
        a_last, parameters  # fmt: skip


def model(data, ix_to_char, char_to_ix, num_iterations=35000, n_a=50, dino_names=7,
          vocab_size=27, *, every=2000, out=print, timings=None):  # fmt: skip
    """The course's model (pure_numpy.charmodel.model) as a Keras model, every example padded to
    the longest. Returns a dlparity.core.charmodel.CharRun."""
    data = list(data)
    length = course.longest(data)
    package = course.Package(lambda *args: optimize(*args, length=length), sample, _parameters)
    parameters = course.initial_parameters(n_a, vocab_size, vocab_size)
    return course.train(
        package, _build(parameters), data, char_to_ix, ix_to_char,
        num_iterations=num_iterations, n_a=n_a, dino_names=dino_names, every=every, out=out,
        timings=timings,
    )  # fmt: skip
