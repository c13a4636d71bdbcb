"""C5W1's character-level language model ("Dinosaurus Island") by hand: the RNN cell of
pure_numpy.recurrent with a softmax over the next character, the summed cross-entropy, backprop
through time, clipping by value and plain gradient descent, one example per step.

The course's names and layout: parameters Wax (n_a, vocab_size), Waa (n_a, n_a), Wya (vocab_size,
n_a), b (n_a, 1), by (vocab_size, 1); X a list of indices (None: the zero first input), Y the next
characters; a (n_a, 1). What no framework computes (the vocabulary, the order of the examples, the
sampling picks, the smoothing, the reports) is dlparity.core.charmodel's.
"""

import numpy as np

from dlparity.core import charmodel as course
from pure_numpy.recurrent import rnn_cell_backward, rnn_cell_forward

_KEYS = ("Wax", "Waa", "Wya", "b", "by")


def _cell(parameters):
    """The parameters as pure_numpy.recurrent's cell reads them (its bias is ba)."""
    return {**parameters, "ba": parameters["b"]}


def clip(gradients, maxValue):
    """Every gradient clipped by value to [-maxValue, maxValue]; new arrays, the input untouched."""
    return {key: np.clip(g, -maxValue, maxValue) for key, g in gradients.items()}


def _step(x, a_prev, parameters):
    """One step: a (n_a, 1) = tanh(Wax x + Waa a_prev + b), y (vocab_size, 1) its softmax."""
    a, y, _ = rnn_cell_forward(x, a_prev, _cell(parameters))
    return a, y


def sample(parameters, char_to_ix, seed):
    """The indices of one name drawn from the model (the course's picks and seeds)."""
    n_a, vocab_size = parameters["Waa"].shape[0], parameters["by"].shape[0]
    return course.sample_indices(
        lambda x, a_prev: _step(x, a_prev, parameters),
        np.zeros((n_a, 1)), vocab_size, char_to_ix["\n"], seed,
    )  # fmt: skip


def rnn_forward(X, Y, a0, parameters, vocab_size=27):
    """The loss -sum_t log y_t[Y_t] over X's steps from a0, and the cache (each step's cell cache,
    y (vocab_size, 1) and x (vocab_size, 1))."""
    x = course.one_hot(X, vocab_size)
    loss, a_prev, caches = 0.0, a0, []
    for t in range(len(X)):
        a_prev, y, cache = rnn_cell_forward(x[:, t : t + 1], a_prev, _cell(parameters))
        loss -= np.log(y[Y[t], 0])
        caches.append((cache, y))
    return loss, caches


def rnn_backward(X, Y, parameters, cache):
    """The gradients dWax, dWaa, dWya, db, dby summed over the steps, backwards in time; dy =
    y - onehot(Y_t) enters each step's hidden state through Wya, beside da_next. Also a, the
    hidden states by step (a[t] (n_a, 1))."""
    grads = {f"d{key}": np.zeros_like(parameters[key]) for key in _KEYS}
    da_next = np.zeros_like(parameters["b"])
    for t in reversed(range(len(X))):
        step_cache, y = cache[t]
        dy = np.copy(y)
        dy[Y[t]] -= 1
        grads["dWya"] += dy @ step_cache[0].T
        grads["dby"] += dy
        step = rnn_cell_backward(parameters["Wya"].T @ dy + da_next, step_cache)
        grads["db"] += step["dba"]
        grads["dWax"] += step["dWax"]
        grads["dWaa"] += step["dWaa"]
        da_next = step["da_prev"]
    return grads, [step_cache[0] for step_cache, _ in cache]


def gradients(X, Y, a_prev, parameters):
    """The summed loss of one example from a_prev and its gradients (d + key), unclipped."""
    loss, cache = rnn_forward(X, Y, a_prev, parameters, parameters["by"].shape[0])
    return loss, rnn_backward(X, Y, parameters, cache)[0]


def update_parameters(parameters, gradients, lr):
    """Plain gradient descent, in place: W += -lr dW."""
    for key in _KEYS:
        parameters[key] += -lr * gradients[f"d{key}"]
    return parameters


def optimize(X, Y, a_prev, parameters, learning_rate=course.LEARNING_RATE):
    """One step on one example: forward, backward, clip to [-5, 5], update (in place, as the
    course does). Returns the loss, the clipped gradients, the last hidden state a (n_a, 1) and
    the parameters."""
    loss, cache = rnn_forward(X, Y, a_prev, parameters, parameters["by"].shape[0])
    gradients, a = rnn_backward(X, Y, parameters, cache)
    gradients = clip(gradients, course.CLIP_VALUE)
    parameters = update_parameters(parameters, gradients, learning_rate)
    return loss, gradients, a[len(X) - 1], parameters


PACKAGE = course.Package(optimize, sample, lambda p: {k: np.array(v) for k, v in p.items()})


def model(data, ix_to_char, char_to_ix, num_iterations=35000, n_a=50, dino_names=7,
          vocab_size=27, *, every=2000, out=print, timings=None):  # fmt: skip
    """The course's model: parameters from np.random.seed(1), the examples shuffled with seed 0,
    num_iterations steps of optimize, a report every `every` iterations. Returns a
    dlparity.core.charmodel.CharRun."""
    parameters = course.initial_parameters(n_a, vocab_size, vocab_size)
    return course.train(
        PACKAGE, parameters, data, char_to_ix, ix_to_char, num_iterations=num_iterations,
        n_a=n_a, dino_names=dino_names, every=every, out=out, timings=timings,
    )  # fmt: skip
