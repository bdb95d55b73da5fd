"""Tiny datasets written as IDX files (the four classic MNIST files), byte by byte."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from generator.stages.idx import IDX_FILES, candidate_names


CLASSIC = {key: candidate_names(*stem)[0] for key, stem in IDX_FILES.items()}
"""Keras key → its classic file name, e.g. x_train → train-images-idx3-ubyte."""


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """``array`` as an IDX file: magic 00 00 <code> <ndim>, big-endian sizes, big-endian values."""
    big_endian = {0x08: ">u1", 0x0C: ">i4", 0x0D: ">f4"}[code]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=big_endian).tobytes()


def small_arrays() -> dict[str, np.ndarray]:
    """A tiny dataset using the full pixel range and every label."""
    rng = np.random.default_rng(3)
    arrays = {}
    for split, n in (("train", 13), ("test", 10)):
        arrays[f"x_{split}"] = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        arrays[f"y_{split}"] = (np.arange(n) % 10).astype(np.uint8)
    arrays["x_train"][0, 0, :2] = (0, 255)
    return arrays


def write_idx_directory(directory: Path, arrays: dict[str, np.ndarray], names: dict[str, str] = CLASSIC,
                        compress: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for key, array in arrays.items():
        content = idx_bytes(array)
        name = names[key] + (".gz" if compress else "")
        (directory / name).write_bytes(gzip.compress(content, mtime=0) if compress else content)
    return directory
