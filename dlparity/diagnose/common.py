"""What both diagnoses share: the tolerance, arrays from any framework, calling the user's code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dlparity.core.errors import DlparityError

# The parity suite's float64 bar (parity_tests/conftest.py, tests check they stay equal): with the
# same formula, two frameworks differ by summation order and x*(1/k)-versus-x/k rounding, a few
# ulps on O(1) values; rtol 1e-12 / atol 1e-14 leaves room for that and for nothing else.
RTOL, ATOL = 1e-12, 1e-14
TOLERANCE = f"rtol {RTOL:g}, atol {ATOL:g} (float64 rounding of the same formula)"


@dataclass(frozen=True)
class Finding:
    """A known difference: its name, what it does, and its dlparity.course.migration.TABLE row."""

    name: str
    description: str
    migration_row: str | None

    def __str__(self) -> str:
        row = f"migration row {self.migration_row!r}" if self.migration_row else "no migration row"
        return f"{self.name}: {self.description} [{row}]"


def to_numpy(value, what: str) -> np.ndarray:
    """A NumPy, JAX or TensorFlow array, or a PyTorch tensor (duck-typed), as a NumPy copy.

    Refuses arrays that are not float64: a diagnosis in float32 would see rounding everywhere.
    """
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # PyTorch, without importing it
        value = value.detach().cpu().numpy()
    elif callable(getattr(value, "numpy", None)):  # TensorFlow tensors and variables
        value = value.numpy()
    try:
        array = np.array(value)
    except Exception as error:  # the user's object: any failure is theirs to read
        raise DlparityError(f"{what}: not an array ({type(value).__name__}: {error})") from None
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype != np.float64:
        raise DlparityError(
            f"{what}: dtype {array.dtype}, diagnosis needs float64 "
            "(jax_enable_x64 for JAX, Keras floatx and dtype policy float64 for TensorFlow)"
        )
    return array


def check_callable(function, what: str) -> None:
    if not callable(function):
        raise DlparityError(f"{what}: expected a function, got {type(function).__name__}")


def call_user(function: Callable, what: str, *args, **kwargs):
    """Call the user's function; an exception it raises becomes one line naming it."""
    try:
        return function(*args, **kwargs)
    except DlparityError:
        raise
    except Exception as error:  # whatever the user's framework raises
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise DlparityError(f"{what} raised {type(error).__name__}: {message}") from None


def close(got: np.ndarray, want: np.ndarray, *, atol: float = ATOL) -> bool:
    """Same shape and equal to the tolerance; NaN equals NaN (a formula may produce both)."""
    return got.shape == want.shape and bool(
        np.allclose(got, want, rtol=RTOL, atol=atol, equal_nan=True)
    )


def worst_entry(got: np.ndarray, want: np.ndarray) -> tuple[int, ...]:
    """Index of the entry furthest beyond the tolerance (same shapes)."""
    excess = np.abs(got - want) - RTOL * np.abs(want)
    excess = np.where(np.isnan(excess), np.inf, excess)
    return tuple(int(i) for i in np.unravel_index(np.argmax(excess), got.shape))
