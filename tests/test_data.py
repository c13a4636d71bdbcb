"""dlparity.course.data: generated datasets replay the course's recipes; course files are validated."""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest
import scipy.io
import sklearn.datasets

from dlparity.core.errors import DlparityError
from dlparity.course.data import DATASETS, SOURCES, load, resolve_data_dir

GENERATED = [n for n, info in DATASETS.items() if info.source != "file" and n != "digit-images"]
# name -> (n_x, m_train, m_test, n_y)
EXPECTED_SHAPES = {
    "flower": (2, 400, 0, 1),
    "noisy_circles": (2, 200, 0, 1),
    "noisy_moons": (2, 200, 0, 1),
    "blobs": (2, 200, 0, 1),
    "gaussian_quantiles": (2, 200, 0, 1),
    "no_structure": (2, 200, 0, 1),
    "circles": (2, 300, 100, 1),
    "moons": (2, 300, 0, 1),
    "digits": (64, 1347, 450, 10),
}


def _course_file_or_skip(*names):
    data_dir = resolve_data_dir()
    for name in names:
        if not (data_dir / name).is_file():
            pytest.skip(f"course file {name} not in {data_dir} (set DLPARITY_DATA)")
    return data_dir


def _write_h5(path, **arrays):
    with h5py.File(path, "w") as f:
        for key, value in arrays.items():
            f.create_dataset(key, data=value)


def _images(m, seed=0):
    return np.random.RandomState(seed).randint(0, 256, size=(m, 64, 64, 3), dtype=np.uint8)


def _write_image_split(path, split, x, y):
    _write_h5(path, **{f"{split}_set_x": x, f"{split}_set_y": np.asarray(y)})


def _write_cats(d, train_x=None, train_y=None, test_x=None, test_y=None):
    train_x = _images(4, seed=1) if train_x is None else train_x
    test_x = _images(3, seed=2) if test_x is None else test_x
    train_y = np.array([0, 1, 1, 0]) if train_y is None else train_y
    test_y = np.array([1, 0, 1]) if test_y is None else test_y
    _write_image_split(d / "train_catvnoncat.h5", "train", train_x, train_y)
    _write_image_split(d / "test_catvnoncat.h5", "test", test_x, test_y)
    return d


def _write_signs(d, train_labels=None, test_labels=None):
    train_y = np.tile(np.arange(6), 2) if train_labels is None else np.asarray(train_labels)
    test_y = np.arange(6)[::-1] if test_labels is None else np.asarray(test_labels)
    _write_image_split(d / "train_signs.h5", "train", _images(len(train_y), 3), train_y)
    _write_image_split(d / "test_signs.h5", "test", _images(len(test_y), 4), test_y)
    return train_y, test_y


def _write_football(d, **override):
    rng = np.random.RandomState(0)
    mat = {
        "X": rng.randn(7, 2),
        "y": rng.randint(0, 2, (7, 1)).astype(np.uint8),
        "Xval": rng.randn(5, 2),
        "yval": rng.randint(0, 2, (5, 1)).astype(np.uint8),
    }
    mat.update(override)
    mat = {k: v for k, v in mat.items() if v is not None}
    scipy.io.savemat(d / "data.mat", mat)
    return mat


def _raises(match, name, data_dir):
    with pytest.raises(DlparityError, match=match) as info:
        load(name, data_dir)
    assert "\n" not in str(info.value)
    return str(info.value)


# ---------------------------------------------------------------- registry and data dir


def test_registry_entries_are_complete():
    files_or_images = {"cats", "football", "signs", "sign-images", "digit-images"}
    assert set(EXPECTED_SHAPES) | files_or_images == set(DATASETS)
    for name, info in DATASETS.items():
        assert info.name == name and info.source in SOURCES and callable(info.loader)
        assert bool(info.files) == (info.source == "file")


def test_digit_images_are_the_digits_as_images():
    """Example j of digit-images is column j of digits, row by row; the same labels."""
    X, Y, X_test, Y_test = load("digits")
    images, Y_i, images_test, Y_test_i = load("digit-images")
    assert (images.shape, images_test.shape) == ((1347, 8, 8, 1), (450, 8, 8, 1))
    np.testing.assert_array_equal(images[5, 2, :, 0], X[16:24, 5])
    np.testing.assert_array_equal(images_test.reshape(450, 64).T, X_test)
    np.testing.assert_array_equal(Y_i, Y)
    np.testing.assert_array_equal(Y_test_i, Y_test)


def test_resolve_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("DLPARITY_DATA", raising=False)
    assert str(resolve_data_dir()) == "datasets"
    monkeypatch.setenv("DLPARITY_DATA", str(tmp_path))
    assert resolve_data_dir() == tmp_path
    assert resolve_data_dir(tmp_path / "x") == tmp_path / "x"
    assert resolve_data_dir(str(tmp_path / "y")) == tmp_path / "y"


@pytest.mark.parametrize("name", ["nope", "Flower", "", None])
def test_unknown_dataset_lists_known_names(name):
    msg = _raises("unknown dataset", name, None)
    assert all(known in msg for known in DATASETS)


# ---------------------------------------------------------------- generated datasets


@pytest.mark.parametrize("name", GENERATED)
def test_generated_shapes_dtypes_labels(name):
    n_x, m, m_test, n_y = EXPECTED_SHAPES[name]
    X, Y, X_test, Y_test = load(name)
    assert (X.shape, Y.shape) == ((n_x, m), (n_y, m))
    assert (X_test.shape, Y_test.shape) == ((n_x, m_test), (n_y, m_test))
    for a in (X, Y, X_test, Y_test):
        assert a.dtype == np.float64 and np.isfinite(a).all()
    assert set(np.unique(Y)) == {0.0, 1.0}
    if n_y > 1:
        assert (Y.sum(axis=0) == 1).all() and (Y_test.sum(axis=0) == 1).all()


@pytest.mark.parametrize("name", GENERATED)
def test_generated_deterministic_and_global_rng_untouched(name):
    np.random.seed(123)
    before = np.random.get_state()
    first = load(name)
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1])
    assert before[2:] == after[2:]
    for a, b in zip(first, load(name), strict=True):
        np.testing.assert_array_equal(a, b)


def test_flower_is_the_course_recipe():
    np.random.seed(1)
    t = np.linspace(0, 3.12, 200) + np.random.randn(200) * 0.2
    r = 4 * np.sin(4 * t) + np.random.randn(200) * 0.2
    X, Y, _, _ = load("flower")
    np.testing.assert_array_equal(X[:, 0], [r[0] * np.sin(t[0]), r[0] * np.cos(t[0])])
    np.testing.assert_array_equal(X[:, :200], np.stack([r * np.sin(t), r * np.cos(t)]))
    np.testing.assert_array_equal(Y[0], np.repeat([0.0, 1.0], 200))


def test_circles_and_moons_equal_sklearn_after_the_course_seeds():
    np.random.seed(1)
    Xc, yc = sklearn.datasets.make_circles(n_samples=300, noise=0.05)
    np.random.seed(2)
    Xct, yct = sklearn.datasets.make_circles(n_samples=100, noise=0.05)
    np.random.seed(3)
    Xm, ym = sklearn.datasets.make_moons(n_samples=300, noise=0.2)
    for got, want in zip(load("circles"), (Xc.T, yc[None], Xct.T, yct[None]), strict=True):
        np.testing.assert_array_equal(got, want)
    X, Y, _, _ = load("moons")
    np.testing.assert_array_equal(X, Xm.T)
    np.testing.assert_array_equal(Y, ym[None])


def test_c1w3_extras_are_drawn_in_course_order_after_seed_1():
    N = 200
    np.random.seed(1)
    want = {
        "noisy_circles": sklearn.datasets.make_circles(n_samples=N, factor=0.5, noise=0.3),
        "noisy_moons": sklearn.datasets.make_moons(n_samples=N, noise=0.2),
        "blobs": sklearn.datasets.make_blobs(n_samples=N, random_state=5, n_features=2, centers=6),
        "gaussian_quantiles": sklearn.datasets.make_gaussian_quantiles(
            mean=None, cov=0.5, n_samples=N, n_features=2, n_classes=2
        ),
    }
    want["blobs"] = (want["blobs"][0], want["blobs"][1] % 2)
    want["no_structure"] = (np.random.rand(N, 2), np.random.rand(N) < 0.5)
    for name, (Xw, yw) in want.items():
        X, Y, _, _ = load(name)
        np.testing.assert_array_equal(X, Xw.T, err_msg=name)
        np.testing.assert_array_equal(Y, yw[None], err_msg=name)


def test_digits_split_is_a_fixed_permutation_of_sklearn_digits():
    X, Y, X_test, Y_test = load("digits")
    digits = sklearn.datasets.load_digits()
    perm = np.random.RandomState(0).permutation(1797)
    np.testing.assert_array_equal(np.hstack([X, X_test]), digits.data[perm].T / 16.0)
    np.testing.assert_array_equal(np.hstack([Y, Y_test]).argmax(axis=0), digits.target[perm])
    assert X.min() == 0.0 and X.max() == 1.0


# ---------------------------------------------------------------- small files in course format


def test_cats_small_files(tmp_path):
    x = _images(4, seed=1)
    _write_cats(tmp_path, train_x=x)
    X, Y, X_test, Y_test = load("cats", tmp_path)
    assert (X.shape, Y.shape, X_test.shape, Y_test.shape) == (
        (12288, 4),
        (1, 4),
        (12288, 3),
        (1, 3),
    )
    np.testing.assert_array_equal(X, x.reshape(4, -1).T / 255.0)
    np.testing.assert_array_equal(Y, [[0, 1, 1, 0]])


def test_signs_small_files_one_hot(tmp_path):
    train_y, test_y = _write_signs(tmp_path)
    X, Y, X_test, Y_test = load("signs", tmp_path)
    assert (X.shape, Y.shape, X_test.shape, Y_test.shape) == (
        (12288, 12),
        (6, 12),
        (12288, 6),
        (6, 6),
    )
    assert Y.dtype == np.float64 and (Y.sum(axis=0) == 1).all()
    np.testing.assert_array_equal(Y.argmax(axis=0), train_y)
    np.testing.assert_array_equal(Y_test.argmax(axis=0), test_y)
    assert X.min() >= 0.0 and X.max() <= 1.0


def test_football_small_file(tmp_path):
    mat = _write_football(tmp_path)
    X, Y, X_test, Y_test = load("football", tmp_path)
    np.testing.assert_array_equal(X, mat["X"].T)
    np.testing.assert_array_equal(Y, mat["y"].T)
    np.testing.assert_array_equal(X_test, mat["Xval"].T)
    assert Y_test.shape == (1, 5) and Y.dtype == np.float64


def test_data_dir_from_environment(tmp_path, monkeypatch):
    _write_football(tmp_path)
    monkeypatch.setenv("DLPARITY_DATA", str(tmp_path))
    assert load("football")[0].shape == (2, 7)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("name", "fname", "course"),
    [
        ("cats", "train_catvnoncat.h5", "C1W2/C1W4"),
        ("football", "data.mat", "C2W1"),
        ("signs", "train_signs.h5", "C2W3"),
    ],
)
def test_missing_file_says_which_and_where(tmp_path, name, fname, course):
    msg = _raises(fname, name, tmp_path)
    assert str(tmp_path) in msg and course in msg
    assert "--data-dir" in msg and "DLPARITY_DATA" in msg


def test_missing_test_file_and_missing_directory(tmp_path):
    _write_cats(tmp_path)
    (tmp_path / "test_catvnoncat.h5").unlink()
    _raises("missing course file test_catvnoncat.h5", "cats", tmp_path)
    _raises("directory does not exist", "cats", tmp_path / "absent")


@pytest.mark.parametrize("content", [b"", b"not an hdf5 file" * 64])
def test_corrupt_h5(tmp_path, content):
    _write_cats(tmp_path)
    (tmp_path / "train_catvnoncat.h5").write_bytes(content)
    _raises("train_catvnoncat.h5 is not a valid HDF5 file", "cats", tmp_path)


def test_truncated_h5(tmp_path):
    _write_signs(tmp_path)
    path = tmp_path / "test_signs.h5"
    path.write_bytes(path.read_bytes()[:4000])
    _raises("test_signs.h5 is not a valid HDF5 file", "signs", tmp_path)


@pytest.mark.parametrize("content", [b"", b"MATLAB garbage" * 64])
def test_corrupt_mat(tmp_path, content):
    (tmp_path / "data.mat").write_bytes(content)
    _raises("data.mat is not a valid MATLAB .mat file", "football", tmp_path)


def test_missing_h5_key(tmp_path):
    _write_cats(tmp_path)
    _write_h5(tmp_path / "test_catvnoncat.h5", test_set_x=_images(2))
    _raises("test_catvnoncat.h5 has no dataset 'test_set_y'", "cats", tmp_path)


def test_missing_mat_key(tmp_path):
    _write_football(tmp_path, yval=None)
    _raises("data.mat has no variable 'yval'", "football", tmp_path)


@pytest.mark.parametrize(
    "x", [np.zeros((4, 64, 64), np.uint8), np.zeros((4, 32, 32, 3), np.uint8), np.zeros(5)]
)
def test_wrong_image_shape(tmp_path, x):
    _write_cats(tmp_path, train_x=x)
    msg = _raises(r"train_set_x has shape .* expected \(m, 64, 64, 3\)", "cats", tmp_path)
    assert str(x.shape) in msg


def test_label_count_mismatch(tmp_path):
    _write_cats(tmp_path, test_y=np.array([1, 0]))
    _raises("test_set_y has 2 labels for 3 examples", "cats", tmp_path)


def test_football_x_wrong_shape(tmp_path):
    _write_football(tmp_path, Xval=np.zeros((5, 3)))
    _raises(r"data.mat:Xval has shape \(5, 3\), expected \(m, 2\) with m > 0", "football", tmp_path)


def test_football_label_count_mismatch(tmp_path):
    _write_football(tmp_path, y=np.zeros((6, 1)))
    _raises("data.mat:y has 6 labels for 7 examples", "football", tmp_path)


def test_nan_in_mat(tmp_path):
    X = np.random.RandomState(1).randn(7, 2)
    X[3, 1] = np.nan
    _write_football(tmp_path, X=X)
    _raises("data.mat:X contains 1 non-finite values", "football", tmp_path)


def test_nan_in_h5_images(tmp_path):
    x = _images(4).astype(np.float64)
    x[0, 0, 0, 0] = np.inf
    _write_cats(tmp_path, train_x=x)
    _raises("train_set_x contains 1 non-finite values", "cats", tmp_path)


def test_pixels_out_of_range(tmp_path):
    _write_cats(tmp_path, test_x=np.full((3, 64, 64, 3), 300.0))
    _raises(r"test_set_x has pixel values outside \[0, 255\]", "cats", tmp_path)


def test_non_numeric_labels(tmp_path):
    _write_cats(tmp_path, train_y=np.array([b"cat", b"dog", b"cat", b"dog"]))
    _raises("train_set_y has dtype .* expected numbers", "cats", tmp_path)


def test_cat_labels_outside_0_1(tmp_path):
    _write_cats(tmp_path, train_y=np.array([0, 2, 1, 5]))
    _raises(r"train_catvnoncat.h5:train_set_y has labels outside 0..1: 2, 5", "cats", tmp_path)


def test_sign_labels_outside_0_5(tmp_path):
    _write_signs(tmp_path, test_labels=[0, 1, 6, -1])
    _raises(r"test_signs.h5:test_set_y has labels outside 0..5: -1, 6", "signs", tmp_path)


def test_football_labels_outside_0_1(tmp_path):
    _write_football(tmp_path, yval=np.array([[0.0], [1.0], [0.5], [1.0], [0.0]]))
    _raises(r"data.mat:yval has labels outside 0..1: 0.5", "football", tmp_path)


# ---------------------------------------------------------------- the real course files


@pytest.mark.coursedata
def test_real_cats():
    data_dir = _course_file_or_skip("train_catvnoncat.h5", "test_catvnoncat.h5")
    X, Y, X_test, Y_test = load("cats", data_dir)
    assert (X.shape, Y.shape, X_test.shape, Y_test.shape) == (
        (12288, 209),
        (1, 209),
        (12288, 50),
        (1, 50),
    )
    assert (Y.sum(), Y_test.sum()) == (72, 33)
    assert min(X.min(), X_test.min()) >= 0.0 and max(X.max(), X_test.max()) <= 1.0
    with h5py.File(data_dir / "train_catvnoncat.h5", "r") as f:
        x0 = f["train_set_x"][0]
    np.testing.assert_array_equal(X[:, 0], x0.reshape(-1) / 255.0)


@pytest.mark.coursedata
def test_real_football():
    data_dir = _course_file_or_skip("data.mat")
    X, Y, X_test, Y_test = load("football", data_dir)
    assert (X.shape, Y.shape, X_test.shape, Y_test.shape) == (
        (2, 211),
        (1, 211),
        (2, 200),
        (1, 200),
    )
    assert all(a.dtype == np.float64 for a in (X, Y, X_test, Y_test))
    assert set(np.unique(Y)) == set(np.unique(Y_test)) == {0.0, 1.0}


@pytest.mark.coursedata
def test_real_signs_test_split_with_small_train_file(tmp_path):
    data_dir = _course_file_or_skip("test_signs.h5")
    shutil.copy(data_dir / "test_signs.h5", tmp_path / "test_signs.h5")
    _write_image_split(tmp_path / "train_signs.h5", "train", _images(6), np.arange(6))
    X, Y, X_test, Y_test = load("signs", tmp_path)
    assert (X_test.shape, Y_test.shape) == ((12288, 120), (6, 120))
    np.testing.assert_array_equal(Y_test.sum(axis=1), [20] * 6)
    assert X_test.min() >= 0.0 and X_test.max() <= 1.0


def test_h5_with_no_examples(tmp_path):
    _write_cats(tmp_path, train_x=np.zeros((0, 64, 64, 3), np.uint8), train_y=np.zeros(0))
    _raises(r"train_catvnoncat.h5:train_set_x holds no images \(m = 0\)", "cats", tmp_path)


def test_mat_with_no_examples(tmp_path):
    _write_football(tmp_path, X=np.zeros((0, 2)), y=np.zeros((0, 1)))
    _raises(r"data.mat:X has shape \(0, 2\), expected \(m, 2\) with m > 0", "football", tmp_path)


def test_data_path_that_is_a_file(tmp_path):
    path = tmp_path / "data.mat"
    path.write_bytes(b"x")
    _raises("is a file, not a folder", "football", path)


def test_unreadable_file_is_not_called_corrupt(tmp_path, monkeypatch):
    # permissions are not enforced for root, so the access check itself is made to say no
    _write_cats(tmp_path)
    monkeypatch.setattr("dlparity.course.data.os.access", lambda path, mode: False)
    _raises("cannot read .*train_catvnoncat.h5: permission denied", "cats", tmp_path)


def test_unreadable_data_directory(tmp_path, monkeypatch):
    def denied(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("pathlib.Path.is_file", denied)
    _raises("cannot read the data directory .*: permission denied", "cats", tmp_path)
