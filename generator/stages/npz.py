"""The .npz format of a Keras-format dataset, read with NumPy and never unpickled.

This module only reads the format: the named arrays of an ``np.savez`` archive, with a one-line
:class:`NpzError` for a file that is not one (random bytes, a single ``.npy`` array, a damaged
or truncated zip, a missing key). :mod:`generator.stages.data` checks what it read like any
other source. NumPy's own message for a file that is not a zip archive advises unpickling it,
which this tool never does; the first bytes are looked at first so that message never shows.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
"""How a zip archive (an .npz) starts: a file entry, or the end record of an empty archive."""
NPY_MAGIC = b"\x93NUMPY"
"""How a single .npy array starts (refused with its own message)."""


class NpzError(ValueError):
    """A file that is not a readable .npz archive with the keys asked for; the message is one line
    and names the file."""


def _first_bytes(start: bytes) -> str:
    return "; it is empty" if not start else f"; it starts with bytes {start[:4].hex(' ')}"


def read_npz(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The arrays ``keys`` of the .npz archive at ``path``.

    Raises:
        NpzError: the file is not a zip archive, holds a single array, is damaged, or lacks a key.
    """
    try:  # our own handle: np.load leaks the file it opened when a zip is damaged
        with path.open("rb") as stream:
            start = stream.read(len(NPY_MAGIC))
            if not start.startswith(ZIP_MAGICS) and not start.startswith(NPY_MAGIC):
                raise NpzError(f"{path} is not an .npz archive (it is not a zip file{_first_bytes(start)}); "
                               f"save the arrays {', '.join(keys)} with np.savez")
            stream.seek(0)
            archive = np.load(stream, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise NpzError(f"{path} holds a single array, not an .npz archive with "
                               f"{', '.join(keys)}; save the arrays with np.savez")
            missing = [key for key in keys if key not in archive.files]
            if missing:
                raise NpzError(f"{path} lacks {', '.join(missing)} (it has "
                               f"{', '.join(archive.files) or 'no arrays'}); a Keras-format .npz "
                               f"needs {', '.join(keys)}")
            return {key: archive[key] for key in keys}
    except NpzError:
        raise
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as error:
        raise NpzError(f"cannot read {path} as an .npz archive ({error}); check that the file is "
                       "an intact np.savez output") from None
