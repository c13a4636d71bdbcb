"""Dataset registry: every dataset as ``(X_train, Y_train, X_test, Y_test)`` in course layout.

X is (n_x, m) float64 with examples as columns; Y is (1, m) float64 0/1 for binary datasets and
one-hot (C, m) float64 for multi-class ones. A dataset without a test set returns (n_x, 0) and
(n_y, 0) test arrays. Generated datasets replay the course's recipes (same seeds, same
scikit-learn calls) and leave NumPy's global generator as they found it. Course files are read
from a data directory and validated; every problem raises `DlparityError` with one line.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlparity.core.errors import DlparityError

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

ENV_VAR = "DLPARITY_DATA"
DEFAULT_DATA_DIR = "datasets"
SOURCES = ("generated", "embedded", "file")


@dataclass(frozen=True)
class DatasetInfo:
    """One registry entry; `loader(data_dir)` returns the four arrays."""

    name: str
    course: str
    description: str
    source: str  # "generated", "embedded" (ships with a library) or "file" (course files)
    files: tuple[str, ...] = ()
    loader: Callable[[Path], Arrays] | None = field(default=None, repr=False, compare=False)


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The folder holding course files: `data_dir`, else $DLPARITY_DATA, else ./datasets."""
    if data_dir is None:
        data_dir = os.environ.get(ENV_VAR) or DEFAULT_DATA_DIR
    return Path(data_dir).expanduser()


def load(name: str, data_dir: str | os.PathLike | None = None) -> Arrays:
    """Load dataset `name` as (X_train (n_x, m), Y_train (n_y, m), X_test, Y_test), float64."""
    info = DATASETS.get(name) if isinstance(name, str) else None
    if info is None:
        raise DlparityError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASETS)}")
    return info.loader(resolve_data_dir(data_dir))


# ---------------------------------------------------------------- helpers


@contextlib.contextmanager
def _global_seed(seed: int) -> Iterator[None]:
    """Seed NumPy's global generator as the course does; restore the caller's state afterwards."""
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(saved)


def _course_layout(X, y, X_test=None, y_test=None) -> Arrays:
    """Rows-as-examples X (m, n_x) and labels (m,) -> course layout; no test set -> empty."""
    X = np.asarray(X, dtype=np.float64).T
    Y = np.asarray(y, dtype=np.float64).reshape(1, -1)
    if X_test is None:
        return X, Y, np.empty((X.shape[0], 0)), np.empty((1, 0))
    X_test = np.asarray(X_test, dtype=np.float64).T
    return X, Y, X_test, np.asarray(y_test, dtype=np.float64).reshape(1, -1)


def _one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Integer labels (m,) -> one-hot (n_classes, m) float64."""
    return np.eye(n_classes)[np.asarray(labels, dtype=np.int64)].T


# ---------------------------------------------------------------- generated datasets


def _flower(_: Path) -> Arrays:
    """C1W3 planar 'flower': X (2, 400), Y (1, 400); no test set."""
    m, N, a = 400, 200, 4
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1), dtype=np.uint8)
    with _global_seed(1):
        for j in range(2):
            ix = range(N * j, N * (j + 1))
            t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2
            r = a * np.sin(4 * t) + np.random.randn(N) * 0.2
            X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
            Y[ix] = j
    return _course_layout(X, Y)


def _c1w3_extras() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The five C1W3 extra datasets, 200 points each, drawn in the course's order after seed 1.

    The course draws them without seeding; seed 1 makes them reproducible. The course's
    no_structure labels are a (200, 2) array that its notebook cannot use; here they are
    rand(200) < 0.5.
    """
    import sklearn.datasets

    N = 200
    with _global_seed(1):
        noisy_circles = sklearn.datasets.make_circles(n_samples=N, factor=0.5, noise=0.3)
        noisy_moons = sklearn.datasets.make_moons(n_samples=N, noise=0.2)
        X, y = sklearn.datasets.make_blobs(n_samples=N, random_state=5, n_features=2, centers=6)
        gaussian_quantiles = sklearn.datasets.make_gaussian_quantiles(
            mean=None, cov=0.5, n_samples=N, n_features=2, n_classes=2, random_state=None
        )
        no_structure = np.random.rand(N, 2), np.random.rand(N) < 0.5
    return {
        "noisy_circles": noisy_circles,
        "noisy_moons": noisy_moons,
        "blobs": (X, y % 2),
        "gaussian_quantiles": gaussian_quantiles,
        "no_structure": no_structure,
    }


def _extra(name: str) -> Callable[[Path], Arrays]:
    def loader(_: Path) -> Arrays:
        """C1W3 extra dataset: X (2, 200), Y (1, 200); no test set."""
        return _course_layout(*_c1w3_extras()[name])

    return loader


def _circles(_: Path) -> Arrays:
    """C2W1 initialization: train X (2, 300), Y (1, 300); test X (2, 100), Y (1, 100)."""
    import sklearn.datasets

    with _global_seed(1):
        X, y = sklearn.datasets.make_circles(n_samples=300, noise=0.05)
    with _global_seed(2):
        X_test, y_test = sklearn.datasets.make_circles(n_samples=100, noise=0.05)
    return _course_layout(X, y, X_test, y_test)


def _moons(_: Path) -> Arrays:
    """C2W2 optimization: X (2, 300), Y (1, 300); no test set."""
    import sklearn.datasets

    with _global_seed(3):
        X, y = sklearn.datasets.make_moons(n_samples=300, noise=0.2)
    return _course_layout(X, y)


def _digits(_: Path) -> Arrays:
    """scikit-learn's 8x8 digits / 16: X (64, 1347) / (64, 450), Y one-hot (10, m); fixed split."""
    import sklearn.datasets

    digits = sklearn.datasets.load_digits()
    X = digits.data.T / 16.0
    Y = _one_hot(digits.target, 10)
    perm = np.random.RandomState(0).permutation(X.shape[1])
    train, test = perm[:1347], perm[1347:]
    return X[:, train], Y[:, train], X[:, test], Y[:, test]


def _digit_images(data_dir: Path) -> Arrays:
    """digits as images for a ConvNet: X (1347, 8, 8, 1) / (450, 8, 8, 1), the same examples,
    order and Y as digits (each column of digits is one image, row by row)."""
    X, Y, X_test, Y_test = _digits(data_dir)
    return X.T.reshape(-1, 8, 8, 1), Y, X_test.T.reshape(-1, 8, 8, 1), Y_test


# ---------------------------------------------------------------- course files


def _course_file(data_dir: Path, fname: str, assignment: str) -> Path:
    """Path of a readable course file, or a DlparityError saying what is wrong and where."""
    path = data_dir / fname
    try:
        found = path.is_file()
        is_dir = data_dir.is_dir()
    except PermissionError:
        raise DlparityError(
            f"cannot read the data directory {data_dir}: permission denied"
        ) from None
    if data_dir.exists() and not is_dir:
        raise DlparityError(
            f"data directory {data_dir} is a file, not a folder: point --data-dir or {ENV_VAR} "
            f"at the folder holding {fname}"
        )
    if not found:
        missing = "" if is_dir else " (directory does not exist)"
        raise DlparityError(
            f"missing course file {fname} in {data_dir.resolve()}{missing}: download it from the "
            f"course's {assignment} assignment and point --data-dir or {ENV_VAR} at its folder"
        )
    if not os.access(path, os.R_OK):
        raise DlparityError(f"cannot read {path}: permission denied")
    return path


def _read_h5(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The named datasets of an HDF5 file as arrays."""
    import h5py

    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise DlparityError(f"{path} is not a valid HDF5 file (corrupt or wrong format)") from e
    with f:
        out = {}
        for key in keys:
            if not isinstance(f.get(key), h5py.Dataset):
                raise DlparityError(f"{path.name} has no dataset {key!r} (found: {sorted(f)})")
            try:
                out[key] = f[key][()]
            except (OSError, ValueError, TypeError) as e:
                raise DlparityError(f"{path.name}: cannot read {key!r} (corrupt file)") from e
    return out


def _read_mat(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The named variables of a MATLAB v5 .mat file as arrays."""
    import scipy.io

    try:
        mat = scipy.io.loadmat(path)
    except Exception as e:  # scipy raises many types on a bad file; none should escape
        raise DlparityError(f"{path} is not a valid MATLAB .mat file (corrupt or v7.3)") from e
    for key in keys:
        if key not in mat:
            found = sorted(k for k in mat if not k.startswith("__"))
            raise DlparityError(f"{path.name} has no variable {key!r} (found: {found})")
    return {key: np.asarray(mat[key]) for key in keys}


def _numeric(a: np.ndarray, what: str) -> np.ndarray:
    """`a` as float64, or an error if it is not numbers or not all finite."""
    if a.dtype.kind not in "biuf":
        raise DlparityError(f"{what} has dtype {a.dtype}, expected numbers")
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise DlparityError(
            f"{what} contains {np.size(a) - np.isfinite(a).sum()} non-finite values"
        )
    return a


def _images(x: np.ndarray, what: str) -> np.ndarray:
    """Images (m, 64, 64, 3) in 0..255 -> (12288, m) in [0, 1], flattened example by example."""
    if x.ndim != 4 or x.shape[1:] != (64, 64, 3):
        raise DlparityError(f"{what} has shape {x.shape}, expected (m, 64, 64, 3)")
    if x.shape[0] == 0:
        raise DlparityError(f"{what} holds no images (m = 0)")
    x = _numeric(x, what)
    if x.size and (x.min() < 0 or x.max() > 255):
        raise DlparityError(f"{what} has pixel values outside [0, 255]")
    return x.reshape(x.shape[0], -1).T / 255.0


def _labels(y: np.ndarray, what: str, m: int, n_classes: int) -> np.ndarray:
    """m labels in 0..n_classes-1 as a float64 vector (m,)."""
    y = _numeric(np.asarray(y), what).reshape(-1)
    if y.size != m:
        raise DlparityError(f"{what} has {y.size} labels for {m} examples")
    bad = np.setdiff1d(np.unique(y), np.arange(n_classes))
    if bad.size:
        shown = ", ".join(f"{v:g}" for v in bad[:5])
        raise DlparityError(f"{what} has labels outside 0..{n_classes - 1}: {shown}")
    return y


def _image_split(data_dir: Path, fname: str, split: str, assignment: str, n_classes: int):
    """One split of an image h5 file -> X (12288, m), labels (m,)."""
    path = _course_file(data_dir, fname, assignment)
    raw = _read_h5(path, (f"{split}_set_x", f"{split}_set_y"))
    X = _images(raw[f"{split}_set_x"], f"{fname}:{split}_set_x")
    y = _labels(raw[f"{split}_set_y"], f"{fname}:{split}_set_y", X.shape[1], n_classes)
    return X, y


def _cats(data_dir: Path) -> Arrays:
    """C1W2/C1W4 cat vs non-cat: X (12288, 209) / (12288, 50) in [0, 1]; Y (1, m) 0/1."""
    X, y = _image_split(data_dir, "train_catvnoncat.h5", "train", "C1W2/C1W4", 2)
    X_test, y_test = _image_split(data_dir, "test_catvnoncat.h5", "test", "C1W2/C1W4", 2)
    return X, y.reshape(1, -1), X_test, y_test.reshape(1, -1)


def _signs(data_dir: Path) -> Arrays:
    """C2W3 SIGNS: X (12288, 1080) / (12288, 120) in [0, 1]; Y one-hot (6, m)."""
    X, y = _image_split(data_dir, "train_signs.h5", "train", "C2W3", 6)
    X_test, y_test = _image_split(data_dir, "test_signs.h5", "test", "C2W3", 6)
    return X, _one_hot(y, 6), X_test, _one_hot(y_test, 6)


def _sign_images(data_dir: Path) -> Arrays:
    """SIGNS as images for a ConvNet (C4W1's application): X (1080, 64, 64, 3) / (120, 64, 64, 3)
    in [0, 1], the same examples, order and Y as signs."""
    X, Y, X_test, Y_test = _signs(data_dir)
    return X.T.reshape(-1, 64, 64, 3), Y, X_test.T.reshape(-1, 64, 64, 3), Y_test


def _football(data_dir: Path) -> Arrays:
    """C2W1 regularization data.mat: X (2, 211), Y (1, 211); test X (2, 200), Y (1, 200)."""
    path = _course_file(data_dir, "data.mat", "C2W1 regularization")
    raw = _read_mat(path, ("X", "y", "Xval", "yval"))
    arrays = []
    for xk, yk in (("X", "y"), ("Xval", "yval")):
        x = raw[xk]
        if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] == 0:
            raise DlparityError(f"data.mat:{xk} has shape {x.shape}, expected (m, 2) with m > 0")
        x = _numeric(x, f"data.mat:{xk}")
        arrays += [x.T, _labels(raw[yk], f"data.mat:{yk}", x.shape[0], 2).reshape(1, -1)]
    return tuple(arrays)


# ---------------------------------------------------------------- registry

_EXTRAS = {
    "noisy_circles": "two noisy concentric circles (make_circles, factor .5, noise .3)",
    "noisy_moons": "two noisy interleaved half-moons (make_moons, noise .2)",
    "blobs": "six Gaussian blobs, labels mod 2 (make_blobs, random_state 5)",
    "gaussian_quantiles": "two classes split by a Gaussian quantile (cov .5)",
    "no_structure": "uniform random points with random labels",
}

DATASETS: dict[str, DatasetInfo] = {
    info.name: info
    for info in [
        DatasetInfo(
            "flower",
            "C1W3",
            "planar 'flower', two interleaved classes, 400 points",
            "generated",
            loader=_flower,
        ),
        *(
            DatasetInfo(
                n, "C1W3", d + ", 200 points (seeded with 1)", "generated", loader=_extra(n)
            )
            for n, d in _EXTRAS.items()
        ),
        DatasetInfo(
            "circles",
            "C2W1",
            "concentric circles for initialization, 300 + 100 test",
            "generated",
            loader=_circles,
        ),
        DatasetInfo(
            "moons", "C2W2", "half-moons for optimization, 300 points", "generated", loader=_moons
        ),
        DatasetInfo(
            "digits",
            "-",
            "scikit-learn 8x8 digits, 10 classes, 1347 + 450 test",
            "embedded",
            loader=_digits,
        ),
        DatasetInfo(
            "digit-images",
            "-",
            "the same digits as 8x8x1 images (m, 8, 8, 1), for ConvNets",
            "embedded",
            loader=_digit_images,
        ),
        DatasetInfo(
            "cats",
            "C1W2/C1W4",
            "cat vs non-cat 64x64 RGB images, 209 + 50 test",
            "file",
            ("train_catvnoncat.h5", "test_catvnoncat.h5"),
            loader=_cats,
        ),
        DatasetInfo(
            "football",
            "C2W1",
            "goalkeeper kicks: 2D field positions, which team heads the ball; 211 + 200 test",
            "file",
            ("data.mat",),
            loader=_football,
        ),
        DatasetInfo(
            "signs",
            "C2W3",
            "hand signs 0-5, 64x64 RGB images, 1080 + 120 test",
            "file",
            ("train_signs.h5", "test_signs.h5"),
            loader=_signs,
        ),
        DatasetInfo(
            "sign-images",
            "C4W1",
            "the same SIGNS as 64x64x3 images (m, 64, 64, 3), for ConvNets",
            "file",
            ("train_signs.h5", "test_signs.h5"),
            loader=_sign_images,
        ),
    ]
}
