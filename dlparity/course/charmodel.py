"""C5W1's character model run by name: its word lists, one framework's run, and a comparison of
several frameworks' runs (losses side by side, each framework's sampled names).

Word lists: "dinosaurs", the 318 genus names shipped with this package (wordlists/README.md), and
"dinos", the course's dinos.txt (1536 names) read from the data directory (--data-dir,
DLPARITY_DATA or ./datasets), split on newlines as the course's notebook does.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlparity.core import charmodel as course
from dlparity.core import gradcheck
from dlparity.core.errors import DlparityError
from dlparity.course import data
from dlparity.runtime import frameworks

WORDLISTS = {"dinosaurs": "318 dinosaur genera shipped with dlparity",
             "dinos": "the course's dinos.txt (1536 names), from the data directory"}  # fmt: skip
SHIPPED = Path(__file__).parent / "wordlists" / "dinosaurs.txt"
COURSE_FILE = "dinos.txt"
ASSIGNMENT = "C5W1 Dinosaurus Island"
# Keras on JAX computes the tanh of float64 in float32 (migration's "keras-jax" row)
FRAMEWORKS = ("numpy", "jax", "tf", "keras")


def names(wordlist: str = "dinosaurs", data_dir: str | os.PathLike | None = None) -> list[str]:
    """The word list's names, lowercased, one per example (the course's data.split("\\n"))."""
    if wordlist not in WORDLISTS:
        raise DlparityError(f"unknown word list {wordlist!r}; known: {', '.join(WORDLISTS)}")
    if wordlist == "dinosaurs":
        path = SHIPPED
    else:
        path = data._course_file(data.resolve_data_dir(data_dir), COURSE_FILE, ASSIGNMENT)
    return _checked(path.read_text(encoding="utf-8", errors="replace").lower(), path)


def _checked(text: str, path: Path) -> list[str]:
    """The lines of text, which must hold the course's 27 characters and no others."""
    outside = sorted(set(text) - set(course.VOCABULARY))
    if outside:
        raise DlparityError(
            f"{path.name}: characters outside the newline and a-z: {''.join(outside)!r}"
        )
    lines = text.split("\n")
    if lines and lines[-1] == "":  # a final newline ends the last name, it is no empty one
        lines.pop()
    if not any(line.strip() for line in lines):
        raise DlparityError(f"{path.name}: no names")
    return lines


def check_framework(name: str) -> str:
    """name if the character model runs on it, else a one-line DlparityError."""
    if name not in FRAMEWORKS:
        why = " (Keras on JAX computes float64's tanh in float32)" if name == "keras-jax" else ""
        raise DlparityError(
            f"framework {name!r}: the character model runs on {', '.join(FRAMEWORKS)}{why}"
        )
    missing = frameworks.missing_packages(name)
    if missing:
        raise DlparityError(f"{name}: not installed here (needs {', '.join(missing)})")
    return name


def module(framework: str):
    """The framework package's charmodel module."""
    return importlib.import_module(
        f"{frameworks.get(check_framework(framework)).package}.charmodel"
    )


@dataclass(frozen=True)
class Settings:
    """One run's settings: the course's model arguments and the report interval."""

    iterations: int = 2000
    n_a: int = 50
    dino_names: int = 7
    every: int = 2000


def run(
    framework: str, words: list[str], settings: Settings, out=print, timings=None
) -> course.CharRun:
    """The framework's model on words, its reports printed with out (None: silent); timings, a
    list, gets each iteration's seconds in optimize."""
    char_to_ix, ix_to_char = course.vocabulary()
    return module(framework).model(
        words, ix_to_char, char_to_ix, settings.iterations, settings.n_a, settings.dino_names,
        len(char_to_ix), every=settings.every, out=out, timings=timings,
    )  # fmt: skip


def reference_of(runs: dict[str, course.CharRun], reference: str = "numpy") -> str:
    """The framework the others are compared with: reference if it ran, else the first."""
    return reference if reference in runs else next(iter(runs))


def max_differences(runs: dict[str, course.CharRun], reference: str = "numpy") -> dict[str, float]:
    """Each framework's largest |loss - the reference's loss| over every iteration."""
    base = runs[reference_of(runs, reference)].losses
    return {n: float(np.max(np.abs(np.subtract(run.losses, base)))) for n, run in runs.items()}


def compare(runs: dict[str, course.CharRun], reference: str = "numpy") -> str:
    """The smoothed losses at each report side by side, each framework's largest difference
    from the reference's loss over every iteration, and each report's names per framework."""
    names = list(runs)
    reference = reference_of(runs, reference)
    base = runs[reference]
    lines = ["iteration  " + "  ".join(f"{n:>12}" for n in names)]
    for j in base.samples:
        lines.append(f"{j:>9}  " + "  ".join(f"{runs[n].smoothed[j]:>12.6f}" for n in names))
    lines.append("")
    for n, gap in max_differences(runs, reference).items():
        lines.append(
            f"{n}: max |loss - {reference}'s| over {len(base.losses)} iterations = {gap:.3g}"
        )
    for j in base.samples:
        lines.append(f"\nIteration {j}:")
        same = all(runs[n].samples[j] == base.samples[j] for n in names)
        rows = (
            [("every framework", base.samples[j])]
            if same
            else [(n, runs[n].samples[j]) for n in names]
        )
        lines.extend(f"  {n}: {', '.join(s)}" for n, s in rows)
    return "\n".join(lines)


def as_json(runs: dict[str, course.CharRun], words: str, settings: Settings,
            reference: str = "numpy") -> dict:  # fmt: skip
    """What --json writes: the settings, each framework's losses (the course's curr_loss and its
    smoothed loss, by iteration) and sampled names (by report), and the differences."""
    reference = reference_of(runs, reference)
    gaps = max_differences(runs, reference)
    return {
        "model": "charmodel", "words": words, "iterations": settings.iterations,
        "n_a": settings.n_a, "names": settings.dino_names, "every": settings.every,
        "reference": reference,
        "runs": [{"framework": n, "losses": run.losses, "smoothed": run.smoothed,
                  "samples": {str(j): names for j, names in run.samples.items()},
                  "max_abs_loss_diff": gaps[n]} for n, run in runs.items()],
        "max_abs_loss_diff": max(gaps.values()),
        "same_names": all(run.samples == runs[reference].samples for run in runs.values()),
    }  # fmt: skip


# eps where both errors of a centered difference are small: rounding, |J| ε_mach / ε per
# coordinate, and truncation, ε² |J'''| / 6; the cube root of float64's ε_mach, to a power of ten
ROUNDING_EPSILON = 1e-5
AUTODIFF = {"numpy": "backprop through time by hand", "jax": "jax.value_and_grad of a lax.scan",
            "tf": "tf.GradientTape", "keras": "tf.GradientTape through SimpleRNN and Dense"}  # fmt: skip


@dataclass(frozen=True)
class GradientCheck:
    """The course's gradient check of the character model on one name: the centered differences
    of the reference's summed loss J at the initial parameters, from a zero hidden state, against
    each framework's gradients. differences: at the course's eps; where one is not below the
    threshold, rounded: at ROUNDING_EPSILON, which tells the differences' own rounding (falling
    as 1/eps) from a wrong gradient (which stays)."""

    example: str
    steps: int
    parameters: int
    loss: float
    epsilon: float
    differences: dict[str, float]  # framework -> the course's relative difference
    from_reference: dict[str, float]  # framework -> max |its gradient - the reference's|
    rounded: dict[str, float] | None = None

    def passed(self, name: str) -> bool:
        return (
            min(self.differences[name], (self.rounded or self.differences)[name])
            < gradcheck.PASS_THRESHOLD
        )


def gradient_check(
    names: list[str], words: list[str], n_a: int, epsilon: float = 1e-7, progress=None
) -> GradientCheck:
    """Each framework's gradients (the reference's backprop through time by hand, the others'
    autodiff) of the loss on the course's first example against the centered differences."""
    char_to_ix, _ = course.vocabulary()
    example = course.examples(words)[0]
    X, Y = course.sequences(example, char_to_ix)
    vocab_size = len(char_to_ix)
    parameters = course.initial_parameters(n_a, vocab_size, vocab_size)
    a0 = np.zeros((n_a, 1))
    keys = list(parameters)
    reference = module("numpy")
    loss, base = reference.gradients(X, Y, a0, parameters)
    base = gradcheck.dictionary_to_vector(base, [f"d{k}" for k in keys])
    grads = {}
    for name in names:
        _, g = module(name).gradients(X, Y, a0, {k: v.copy() for k, v in parameters.items()})
        grads[name] = gradcheck.dictionary_to_vector(g, [f"d{k}" for k in keys])

    def differences(eps):
        approx = gradcheck.centered_differences(
            lambda p: reference.gradients(X, Y, a0, p)[0], parameters, keys, eps, progress=progress
        )
        return {n: gradcheck.relative_difference(g, approx) for n, g in grads.items()}

    found = differences(epsilon)
    rounded = (
        differences(ROUNDING_EPSILON) if max(found.values()) >= gradcheck.PASS_THRESHOLD else None
    )
    return GradientCheck(
        example, len(X), base.size, float(loss), epsilon, found,
        {n: float(np.max(np.abs(g - base))) for n, g in grads.items()}, rounded,
    )  # fmt: skip
