"""C5W1's character-level language model ("Dinosaurus Island"): everything that is not a framework's.

The vocabulary, the order of the examples, each iteration's X and Y, the initial parameters, the
smoothed loss, the sampling loop and its random picks, and the training loop that prints the course's
reports. Each package's charmodel.py supplies the arithmetic: its optimize (forward, backward, clip,
update) and the one step its sample takes; the picks are NumPy's here, so every framework samples
the same characters from the same probabilities.

The course's revision reproduced: a_prev carries the last hidden state from one example to the
next; every `every` iterations the names are sampled with seeds 0, 1, ..., dino_names - 1, and
within a name the pick of step `counter` reads np.random.seed(counter + seed) with seed grown by one
each step (so seeds 0, 2, 4, ... for the first name). Shapes: a (n_a, 1), x and y (vocab_size, 1).
"""

from __future__ import annotations

import string
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

VOCABULARY = "\n" + string.ascii_lowercase  # the 27 characters of dinos.txt, sorted
MAX_CHARACTERS = 50  # a sampled name stops here, then gets its newline
SHUFFLE_SEED, INIT_SEED = 0, 1
CLIP_VALUE = 5.0
LEARNING_RATE = 0.01


def vocabulary(text: str = VOCABULARY) -> tuple[dict[str, int], dict[int, str]]:
    """char_to_ix and ix_to_char over the sorted distinct characters of text (lowercased)."""
    chars = sorted(set(text.lower()))
    return {ch: i for i, ch in enumerate(chars)}, dict(enumerate(chars))


def examples(names: Iterable[str], seed: int = SHUFFLE_SEED) -> list[str]:
    """The names stripped, then shuffled as np.random.seed(seed); np.random.shuffle would."""
    shuffled = [name.strip() for name in names]
    np.random.RandomState(seed).shuffle(shuffled)
    return shuffled


def sequences(example: str, char_to_ix: dict[str, int]) -> tuple[list, list[int]]:
    """X = [None] + the example's indices (None: a zero input), Y = X[1:] + [newline]."""
    X = [None] + [char_to_ix[ch] for ch in example]
    return X, X[1:] + [char_to_ix["\n"]]


def plan(examples: list[str], char_to_ix, num_iterations: int) -> Iterator[tuple[int, list, list]]:
    """(j, X, Y) of every iteration: example j % len(examples)."""
    for j in range(num_iterations):
        yield (j, *sequences(examples[j % len(examples)], char_to_ix))


def longest(data: Iterable[str]) -> int:
    """The most steps an example of data takes: its longest name and the zero first input."""
    return max(len(name.strip()) for name in data) + 1


def one_hot(X: list, vocab_size: int) -> np.ndarray:
    """X's indices (None: zeros) as columns, (vocab_size, T_x)."""
    x = np.zeros((vocab_size, len(X)))
    for t, ix in enumerate(X):
        if ix is not None:
            x[ix, t] = 1.0
    return x


def padded(X: list, Y: list, vocab_size: int, length: int) -> tuple[np.ndarray, ...]:
    """For compiled steps of a fixed length: x (length, vocab_size, 1) one-hot, y (length,) int
    labels and mask (length,) 1.0 on X's steps, 0.0 on the padding after them."""
    x = np.zeros((length, vocab_size, 1))
    x[: len(X), :, 0] = one_hot(X, vocab_size).T
    y = np.zeros(length, dtype=np.int32)
    y[: len(Y)] = Y
    mask = np.zeros(length)
    mask[: len(X)] = 1.0
    return x, y, mask


def initial_parameters(n_a: int, n_x: int, n_y: int, seed: int = INIT_SEED) -> dict:
    """Wax (n_a, n_x), Waa (n_a, n_a), Wya (n_y, n_a) = randn * 0.01 after np.random.seed(seed),
    b (n_a, 1) and by (n_y, 1) zeros."""
    rng = np.random.RandomState(seed)
    W = {key: rng.randn(*shape) * 0.01 for key, shape in
         (("Wax", (n_a, n_x)), ("Waa", (n_a, n_a)), ("Wya", (n_y, n_a)))}  # fmt: skip
    return {**W, "b": np.zeros((n_a, 1)), "by": np.zeros((n_y, 1))}


def initial_loss(vocab_size: int, seq_length: int) -> float:
    """The loss of a uniform guess over seq_length characters, where the smoothing starts."""
    return -np.log(1.0 / vocab_size) * seq_length


def smooth(loss: float, cur_loss: float) -> float:
    return loss * 0.999 + cur_loss * 0.001


def pick(probabilities, seed: int) -> int:
    """The index np.random.seed(seed); np.random.choice(range(n), p=probabilities) draws."""
    p = np.asarray(probabilities, dtype=np.float64).ravel()
    return int(np.random.RandomState(seed).choice(p.size, p=p))


Step = Callable[[np.ndarray, object], tuple[object, np.ndarray]]


def sample_indices(step: Step, a0, vocab_size: int, newline: int, seed: int) -> list[int]:
    """The course's sampling loop: from a zero x and a0, step(x (vocab_size, 1), a_prev) -> (a,
    y (vocab_size, 1) probabilities) then pick with seed counter + seed, until the newline or
    MAX_CHARACTERS picks (a newline then appended)."""
    x, a_prev, indices, idx, counter = np.zeros((vocab_size, 1)), a0, [], -1, 0
    while idx != newline and counter != MAX_CHARACTERS:
        a_prev, y = step(x, a_prev)
        idx = pick(y, counter + seed)
        indices.append(idx)
        x = np.zeros((vocab_size, 1))
        x[idx] = 1.0
        seed += 1
        counter += 1
    if counter == MAX_CHARACTERS:
        indices.append(newline)
    return indices


def name(indices: list[int], ix_to_char: dict[int, str]) -> str:
    """The sampled characters as the course prints them: first letter upper case, no newline."""
    text = "".join(ix_to_char[ix] for ix in indices)
    return (text[:1].upper() + text[1:]).replace("\n", "")


def report(j: int, loss: float, names: list[str]) -> str:
    """The course's lines every `every` iterations: the smoothed loss, then the names."""
    return "Iteration: %d, Loss: %f\n\n%s\n\n" % (j, loss, "\n".join(names))  # noqa: UP031


@dataclass
class CharRun:
    """What model returns: the final parameters (NumPy), every iteration's loss (the course's
    curr_loss) and smoothed loss, and the names sampled at each report, by iteration."""

    parameters: dict
    losses: list[float] = field(default_factory=list)
    smoothed: list[float] = field(default_factory=list)
    samples: dict[int, list[str]] = field(default_factory=dict)

    @property
    def last_name(self) -> str:
        return list(self.samples.values())[-1][-1] if self.samples else ""


@dataclass(frozen=True)
class Package:
    """A package's side of the loop: optimize(X, Y, a_prev, parameters) -> (loss, gradients,
    a_last, parameters), sample(parameters, char_to_ix, seed) -> indices, and to_numpy of its
    parameters."""

    optimize: Callable
    sample: Callable
    to_numpy: Callable[[object], dict]


def train(
    package: Package, parameters, data: Iterable[str], char_to_ix, ix_to_char, *,
    num_iterations: int, n_a: int, dino_names: int, every: int = 2000,
    learning_rate: float = LEARNING_RATE, out: Callable[[str], object] | None = print,
    timings: list[float] | None = None,
) -> CharRun:  # fmt: skip
    """The course's model loop over examples(data): one example per step, a_prev carried over, the
    smoothed loss, and every `every` iterations and at the last the report (printed with out,
    unless None).
    timings, when given, gets each iteration's seconds in optimize (the reports left out)."""
    run = CharRun(parameters=None)
    loss, a_prev = initial_loss(len(char_to_ix), dino_names), np.zeros((n_a, 1))
    for j, X, Y in plan(examples(data), char_to_ix, num_iterations):
        start = time.perf_counter()
        curr_loss, _, a_prev, parameters = package.optimize(X, Y, a_prev, parameters, learning_rate)
        curr_loss = float(curr_loss)  # waits for a compiled step's result
        if timings is not None:
            timings.append(time.perf_counter() - start)
        loss = smooth(loss, curr_loss)
        run.losses.append(curr_loss)
        run.smoothed.append(loss)
        if j % every == 0 or j == num_iterations - 1:
            names = [name(package.sample(parameters, char_to_ix, seed), ix_to_char)
                     for seed in range(dino_names)]  # fmt: skip
            run.samples[j] = names
            if out is not None:
                out(report(j, loss, names))
    run.parameters = package.to_numpy(parameters)
    return run
