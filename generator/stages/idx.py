"""The IDX format of the original MNIST distribution: four files per dataset, read with NumPy.

An IDX file is big-endian: two zero bytes, a type code (0x08 for unsigned bytes), the number of
dimensions n, then n unsigned 32-bit sizes, then the values in C order. A dataset is a directory
of four of them (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``), each possibly gzip-compressed.

This module only reads the format; :mod:`generator.stages.data` checks what it read like any
other source. Errors are :class:`IdxError`, one line naming the file.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

IDX_TYPES: dict[int, str] = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
"""IDX type code → NumPy dtype (big-endian)."""
IDX_FILES: dict[str, tuple[str, str]] = {
    "x_train": ("train-images", "idx3"),
    "y_train": ("train-labels", "idx1"),
    "x_test": ("t10k-images", "idx3"),
    "y_test": ("t10k-labels", "idx1"),
}
"""Keras key → (file stem, IDX suffix) of the classic names, e.g. ``train-images-idx3-ubyte``."""
GZIP_MAGIC = b"\x1f\x8b"


class IdxError(ValueError):
    """A missing or unreadable IDX file; the message is one line and names the file."""


def candidate_names(stem: str, suffix: str) -> tuple[str, ...]:
    """The file names accepted for one array, in order of preference: the classic
    ``stem-suffix-ubyte``, the common variant ``stem.suffix-ubyte``, each plain, then gzipped."""
    names = (f"{stem}-{suffix}-ubyte", f"{stem}.{suffix}-ubyte")
    return names + tuple(f"{name}.gz" for name in names)


def is_idx_directory(directory: Path) -> bool:
    """Whether ``directory`` holds at least one of the four IDX files (by any accepted name), so a
    missing one is reported as such rather than as an unknown layout."""
    return any((directory / name).is_file() for stem, suffix in IDX_FILES.values()
               for name in candidate_names(stem, suffix))


def idx_files(directory: Path) -> dict[str, Path]:
    """Keras key → the IDX file in ``directory`` that holds it (the first name that exists).

    Raises:
        IdxError: one of the four files is missing.
    """
    found: dict[str, Path] = {}
    for key, (stem, suffix) in IDX_FILES.items():
        names = candidate_names(stem, suffix)
        path = next((directory / name for name in names if (directory / name).is_file()), None)
        if path is None:
            raise IdxError(f"{directory} has no {names[0]} (nor {', '.join(names[1:])}); a dataset directory "
                           f"needs the four IDX files {', '.join(candidate_names(*s)[0] for s in IDX_FILES.values())}")
        found[key] = path
    return found


def _file_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when it starts with the gzip magic number."""
    raw = path.read_bytes()
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise IdxError(f"cannot decompress {path} ({error}); the gzip file is damaged or truncated") from None


def parse_idx(content: bytes, path: Path) -> np.ndarray:
    """One IDX array from its (uncompressed) bytes.

    Args:
        content: the whole file.
        path: where it came from, for messages.

    Returns:
        A read-only array of the header's shape, in native byte order (uint8 for type 0x08).

    Raises:
        IdxError: bad magic number, unknown type code, or a file shorter or longer than its header says.
    """
    if len(content) < 4:
        raise IdxError(f"{path} is truncated: {len(content)} bytes, shorter than an IDX header")
    if content[:2] != b"\x00\x00" or content[2] not in IDX_TYPES:
        raise IdxError(f"{path} is not an IDX file: magic number {content[:4].hex()}, expected 0000 followed by a "
                       f"type code ({', '.join(f'{code:02x}' for code in IDX_TYPES)}) and the number of dimensions")
    dtype, ndim = np.dtype(IDX_TYPES[content[2]]), content[3]
    header = 4 + 4 * ndim
    if len(content) < header:
        raise IdxError(f"{path} is truncated: its header announces {ndim} dimensions but the file ends after "
                       f"{len(content)} bytes")
    shape = tuple(int(size) for size in np.frombuffer(content, dtype=">u4", count=ndim, offset=4))
    expected = math.prod(shape) * dtype.itemsize  # Python integers: 2^31 · 2^31 · 4 must not wrap to 0
    if len(content) - header != expected:
        state = "truncated" if len(content) - header < expected else "longer than its header says"
        raise IdxError(f"{path} is {state}: shape {shape} of {dtype.name} needs {expected:,} bytes of data, the file "
                       f"has {len(content) - header:,}")
    array = np.frombuffer(content, dtype=dtype, offset=header).reshape(shape)
    return array if dtype.itemsize == 1 else array.astype(dtype.newbyteorder("="))


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file, plain or gzipped (see :func:`parse_idx`)."""
    try:
        content = _file_bytes(path)
    except OSError as error:
        raise IdxError(f"cannot read {path} ({error.strerror or error})") from None
    return parse_idx(content, path)


def read_idx_directory(directory: Path) -> dict[str, np.ndarray]:
    """Keras key (x_train, y_train, x_test, y_test) → array, from the four IDX files in ``directory``.

    Images must have 3 dimensions and labels 1; the shapes within them, the types and the
    labels are checked by the caller, as for any other source.

    Raises:
        IdxError: a file is missing or unreadable, or has the wrong number of dimensions.
    """
    arrays = {}
    for key, path in idx_files(directory).items():
        array = read_idx(path)
        wanted = 3 if key.startswith("x") else 1
        if array.ndim != wanted:
            what = "images (N, rows, columns)" if wanted == 3 else "labels (N,)"
            raise IdxError(f"{path} has {array.ndim} dimensions {array.shape}; expected {wanted} for {what} "
                          "(IDX images are grey)")
        arrays[key] = array
    return arrays
