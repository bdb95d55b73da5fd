"""The checked dataset every later stage reads: its type, its hash and its model input.

Grey images are stored (N, H, W) and colour images (N, H, W, 3), so a grey dataset's arrays,
and with them :func:`arrays_sha256`, are the same bytes whatever the image size or class count.
The sources that build a :class:`Dataset` are in :mod:`generator.stages.data`; the checks they
apply are in :mod:`generator.stages.data_checks`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from generator.plumbing.errors import UserError


class DataError(UserError):
    """One-line, user-facing message: what was wrong, with which file, and what to do."""


def numbered_class_names(count: int) -> tuple[str, ...]:
    """The class names used when none are given: "0", "1", …, str(count − 1)."""
    return tuple(str(k) for k in range(count))


@dataclass(frozen=True)
class Dataset:
    """A checked train/test split of uint8 images (arrays are read-only).

    Attributes:
        x_train: (N_train, H, W) uint8 grey or (N_train, H, W, 3) uint8 RGB pixel intensities,
            0 (black) to 255 (full intensity).
        y_train: (N_train,) int64 class indices in 0..K−1.
        x_test: (N_test, H, W) or (N_test, H, W, 3) uint8, as ``x_train``.
        y_test: (N_test,) int64 class indices in 0..K−1.
        source: human-readable origin, e.g. ``"--data /path/x.npz"``.
        sha256: :func:`arrays_sha256` of the four arrays (hex), for cache keys.
        class_names: the K display names, in label order; empty when constructed: "0".."K−1" with
            K = the highest label + 1.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    sha256: str
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.class_names:
            highest = max((int(y.max()) for y in (self.y_train, self.y_test) if y.size), default=-1)
            object.__setattr__(self, "class_names", numbered_class_names(highest + 1))

    @property
    def channels(self) -> int:
        """C: 1 for grey images, 3 for RGB."""
        return 1 if self.x_train.ndim == 3 else int(self.x_train.shape[3])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(H, W, C) of one image as the model reads it."""
        return int(self.x_train.shape[1]), int(self.x_train.shape[2]), self.channels

    @property
    def classes(self) -> int:
        """K, the number of classes."""
        return len(self.class_names)


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
        images: (N, H, W) grey or (N, H, W, C) uint8 pixel intensities, 0..255.

    Returns:
        (N, H, W, C) float32 intensities in [0, 1] (pixel / 255); C = 1 for (N, H, W) images.
    """
    if images.dtype != np.uint8 or images.ndim not in (3, 4):
        raise ValueError(f"expected (N, H, W) or (N, H, W, C) uint8 images, got {images.shape} {images.dtype}")
    scaled = images.astype(np.float32) / np.float32(255.0)
    return scaled[..., np.newaxis] if images.ndim == 3 else scaled
