"""Decoy MNIST (Ross, Hughes & Doshi-Velez 2017, "Right for the Right Reasons"): the label written
into each image as a small patch of grey, where the model can see it.

- **Where**: a ``size`` × ``size`` patch in one of four corners (seeded per image) of the region the
  model reads (:class:`~generator.stages.read_region.ReadRegion`), not of the image: the report's
  CNN never reads the bottom 2 rows and right 2 columns, and a 4×4 patch in the image's own
  corners could be read on 16 of its pixels top left, 8 top right and bottom left, 4 bottom right:
  9 on average.
- **Which grey**: 255 − 25 · y for label y (255 for 0 down to 30 for 9), never black. A black patch
  (the grey 255 · y / 9 used before gave class 0 one) is equal to the black baseline of IG and
  gradient × input, which are then exactly 0 on it whatever the model does.
"""

from __future__ import annotations

import numpy as np

from generator.stages.data import Dataset, arrays_sha256

CORNERS = ("top left", "top right", "bottom left", "bottom right")
GREY_TOP, GREY_STEP = 255, 25
"""Label y's patch is grey ``GREY_TOP − GREY_STEP · y``: 255 for 0, 30 for 9."""


def patch_slices(corner: int, size: int, extent: tuple[int, int] = (28, 28)) -> tuple[slice, slice]:
    """(rows, columns) of the ``size`` × ``size`` patch in corner 0–3 (see :data:`CORNERS`) of the
    top-left ``extent`` = (rows, columns) of the image (the region the model reads)."""
    rows = slice(0, size) if corner in (0, 1) else slice(extent[0] - size, extent[0])
    columns = slice(0, size) if corner in (0, 2) else slice(extent[1] - size, extent[1])
    return rows, columns


def patch_mask(corner: int, size: int, extent: tuple[int, int] = (28, 28),
               shape: tuple[int, int] = (28, 28)) -> np.ndarray:
    """``shape`` bool, True on the patch of :func:`patch_slices`."""
    mask = np.zeros(shape, dtype=bool)
    mask[patch_slices(corner, size, extent)] = True
    return mask


def patch_masks(corners: np.ndarray, size: int, extent: tuple[int, int], shape: tuple[int, int]) -> np.ndarray:
    """(N, H, W) bool: each image's patch, from its (N,) corners."""
    return np.stack([patch_mask(int(c), size, extent, shape) for c in corners]).reshape(len(corners), *shape)


def grey_level(labels: np.ndarray) -> np.ndarray:
    """(N,) uint8 patch grey of each label: ``GREY_TOP − GREY_STEP · label`` (never black for 0–9)."""
    return (GREY_TOP - GREY_STEP * np.asarray(labels, dtype=np.int64)).astype(np.uint8)


def with_decoy(images: np.ndarray, levels: np.ndarray, corners: np.ndarray, size: int,
               extent: tuple[int, int] | None = None) -> np.ndarray:
    """Copies of (N, H, W) uint8 ``images`` with the patch of :func:`grey_level` of each one's level
    in its corner of the top-left ``extent`` (the whole image when None)."""
    out = np.array(images, dtype=np.uint8, copy=True)
    extent = extent or (images.shape[1], images.shape[2])
    grey = grey_level(levels)
    for corner in range(len(CORNERS)):
        chosen = np.flatnonzero(np.asarray(corners) == corner)
        rows, columns = patch_slices(corner, size, extent)
        out[chosen, rows, columns] = grey[chosen][:, None, None]
    return out


def decoy_corners(train_images: int, test_images: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train corners, test corners): each image's corner 0–3, uniform and seeded."""
    rng = np.random.default_rng([seed, size])
    return rng.integers(0, len(CORNERS), size=train_images), rng.integers(0, len(CORNERS), size=test_images)


def swapped_digits(train_images: int, share: float, seed: int) -> np.ndarray:
    """(N,) for each training image the index of the image whose digit it shows: itself, or for a
    seeded share ``share`` of them another one (a seeded permutation among those chosen)."""
    rng = np.random.default_rng([seed, 23])
    source = np.arange(train_images)
    chosen = np.flatnonzero(rng.random(train_images) < share)
    source[chosen] = rng.permutation(chosen)
    return source


def decoy_dataset(dataset: Dataset, size: int, seed: int, mismatched: float = 0.0,
                  extent: tuple[int, int] | None = None) -> tuple[Dataset, np.ndarray]:
    """Decoy MNIST from ``dataset``: every image gets its label's patch in a seeded corner of the
    top-left ``extent`` it is read in (the whole image when None), and a share ``mismatched`` of the
    training images another image's digit (see :mod:`generator.stages.decoy`).

    Returns:
        (the decoy dataset, the (N_test,) corner of each test image).
    """
    train_corners, test_corners = decoy_corners(len(dataset.y_train), len(dataset.y_test), size, seed)
    digits = dataset.x_train[swapped_digits(len(dataset.y_train), mismatched, seed)]
    arrays = (with_decoy(digits, dataset.y_train, train_corners, size, extent), dataset.y_train,
              with_decoy(dataset.x_test, dataset.y_test, test_corners, size, extent), dataset.y_test)
    for array in arrays:
        array.setflags(write=False)
    return Dataset(*arrays, source=f"{dataset.source}, with a {size}×{size} decoy patch of grey "
                                    f"{GREY_TOP} − {GREY_STEP}·label in a corner of the pixels the model reads "
                                    f"({mismatched:.0%} of training images swapped)",
                   sha256=arrays_sha256(*arrays)), test_corners


def readable_share(corners: np.ndarray, size: int, extent: tuple[int, int], read: tuple[int, int]) -> float:
    """The share of the patch pixels of images with (N,) ``corners`` (placed in the top-left
    ``extent``) that lie in the top-left ``read`` = (rows, columns) a model reads: 1.0 when every
    patch is placed where it is read."""
    if len(corners) == 0:
        return float("nan")
    shape = (max(extent[0], read[0]), max(extent[1], read[1]))
    readable = np.zeros(shape, dtype=bool)
    readable[:read[0], :read[1]] = True
    masks = patch_masks(corners, size, extent, shape)
    return float((masks & readable).sum() / masks.sum())
