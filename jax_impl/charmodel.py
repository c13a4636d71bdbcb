"""C5W1's character-level language model ("Dinosaurus Island") in JAX: the steps of one example
are a lax.scan, the gradients jax.value_and_grad of its summed cross-entropy, the clipping
optax.clip (by value) and the update optax.sgd, all one jitted step.

The course's names and layout (pure_numpy.charmodel): parameters Wax (n_a, vocab_size), Waa,
Wya (vocab_size, n_a), b (n_a, 1), by (vocab_size, 1), a (n_a, 1). An example is padded to a fixed
length so that one compilation serves every name: the padded steps keep a and add nothing to the
loss (nor, then, to the gradients).
"""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from dlparity.core import charmodel as course
from jax_impl.activations import softmax


def _dot(W, A):
    # precision="highest": on GPUs a float32 matmul would otherwise run in TF32
    return jnp.matmul(W, A, precision="highest")


def clip(gradients, maxValue):
    """Every gradient clipped by value to [-maxValue, maxValue] (optax.clip)."""
    return optax.clip(maxValue).update(gradients, optax.EmptyState())[0]


@jax.jit
def _step(x, a_prev, parameters):
    """One step: a (n_a, 1) = tanh(Wax x + Waa a_prev + b), y (vocab_size, 1) its softmax."""
    p = parameters
    a = jnp.tanh(_dot(p["Wax"], x) + _dot(p["Waa"], a_prev) + p["b"])
    return a, softmax(_dot(p["Wya"], a) + p["by"])


def sample(parameters, char_to_ix, seed):
    """The indices of one name drawn from the model (the course's picks and seeds)."""
    n_a, vocab_size = parameters["Waa"].shape[0], parameters["by"].shape[0]

    def step(x, a_prev):
        a, y = _step(x, a_prev, parameters)
        return a, np.asarray(y)

    return course.sample_indices(step, jnp.zeros((n_a, 1)), vocab_size, char_to_ix["\n"], seed)


def _loss(parameters, x, y, mask, a0):
    """-sum_t log y_t[Y_t] over the unmasked steps of x (T, vocab_size, 1) from a0, summed in
    the course's order; and the last hidden state (n_a, 1)."""

    def over(carry, inputs):
        a_prev, loss = carry
        xt, yt, mt = inputs
        a, probabilities = _step(xt, a_prev, parameters)
        loss = loss - jnp.where(mt > 0, jnp.log(probabilities[yt, 0]), 0.0)
        return (jnp.where(mt > 0, a, a_prev), loss), None

    (a_last, loss), _ = lax.scan(over, (a0, jnp.zeros((), a0.dtype)), (x, y, mask))
    return loss, a_last


_value_and_grad = jax.jit(jax.value_and_grad(_loss, has_aux=True))


def gradients(X, Y, a_prev, parameters):
    """The summed loss of one example from a_prev and its gradients (d + key), unclipped."""
    x, y, mask = course.padded(X, Y, parameters["by"].shape[0], len(X))
    (loss, _), grads = _value_and_grad(parameters, x, y, mask, jnp.asarray(a_prev))
    return float(loss), {f"d{key}": np.asarray(g) for key, g in grads.items()}


@partial(jax.jit, static_argnames="clip_value")
def _optimize(parameters, x, y, mask, a_prev, learning_rate, clip_value):
    """Forward, backward, clip, update: (loss, clipped gradients, a_last, new parameters)."""
    (loss, a_last), grads = jax.value_and_grad(_loss, has_aux=True)(parameters, x, y, mask, a_prev)
    grads = clip(grads, clip_value)
    sgd = optax.sgd(learning_rate)
    updates, _ = sgd.update(grads, sgd.init(parameters), parameters)
    return loss, grads, a_last, optax.apply_updates(parameters, updates)


def optimize(X, Y, a_prev, parameters, learning_rate=course.LEARNING_RATE, *, length=None):
    """One step on one example (X, Y lists of indices, padded to length steps, default len(X)):
    returns the loss, the clipped gradients (d + key), the last hidden state and the parameters."""
    vocab_size = parameters["by"].shape[0]
    x, y, mask = course.padded(X, Y, vocab_size, length or len(X))
    loss, grads, a_last, parameters = _optimize(
        parameters, x, y, mask, jnp.asarray(a_prev), learning_rate, course.CLIP_VALUE
    )
    return loss, {f"d{key}": g for key, g in grads.items()}, a_last, parameters


def _package(length):
    return course.Package(
        partial(optimize, length=length), sample,
        lambda p: {key: np.asarray(value) for key, value in p.items()},
    )  # fmt: skip


def model(data, ix_to_char, char_to_ix, num_iterations=35000, n_a=50, dino_names=7,
          vocab_size=27, *, every=2000, out=print, timings=None):  # fmt: skip
    """The course's model (pure_numpy.charmodel.model), every example padded to the longest.
    Returns a dlparity.core.charmodel.CharRun."""
    data = list(data)
    parameters = course.initial_parameters(n_a, vocab_size, vocab_size)
    return course.train(
        _package(course.longest(data)), {k: jnp.asarray(v) for k, v in parameters.items()},
        data, char_to_ix, ix_to_char, num_iterations=num_iterations, n_a=n_a,
        dino_names=dino_names, every=every, out=out, timings=timings,
    )  # fmt: skip
