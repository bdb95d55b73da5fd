"""Results keyed by a hash of their inputs, so a rebuild redoes only what changed.

- :func:`fingerprint` hashes any mix of arrays, dataclasses, mappings, sequences and scalars.
- :class:`ArrayCache` stores dicts of arrays as ``<key>.npz`` with a sha256 beside it; an entry
  whose bytes do not match its hash is never trusted (it is recomputed).
- :class:`OutputLedger` remembers, per generated file, the key of the inputs it was drawn
  from and the hash of its bytes, so unchanged files need not be redrawn.
- :class:`StageLog` remembers the input components of each stage's last run, to say *why* a
  stage is recomputed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from generator.plumbing.fileio import write_bytes_if_changed, write_text_if_changed


def fingerprint(*objects: Any) -> str:
    """A sha256 over ``objects``, stable across runs and machines for equal values."""
    digest = hashlib.sha256()

    def feed(value: Any) -> None:
        if isinstance(value, np.ndarray):
            array = np.ascontiguousarray(value)
            digest.update(f"array:{array.dtype.str}:{array.shape}".encode())
            digest.update(array.tobytes())
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            digest.update(f"dataclass:{type(value).__qualname__}".encode())
            for item in dataclasses.fields(value):
                digest.update(item.name.encode())
                feed(getattr(value, item.name))
        elif isinstance(value, dict):
            digest.update(b"dict")
            for key in sorted(value, key=str):
                feed(str(key))
                feed(value[key])
        elif isinstance(value, (list, tuple)):
            digest.update(f"seq:{len(value)}".encode())
            for item in value:
                feed(item)
        elif isinstance(value, (str, int, float, bool, type(None), np.generic)):
            digest.update(f"{type(value).__name__}:{value!r}".encode())
        elif isinstance(value, Path):
            feed(str(value))
        else:
            raise TypeError(f"cannot fingerprint {type(value).__name__}")
        digest.update(b";")

    for value in objects:
        feed(value)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """Hex sha256 of the file's bytes."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class ArrayCache:
    """Dicts of NumPy arrays stored under their key, verified by hash when read."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.directory / f"{key}.npz", self.directory / f"{key}.sha256"

    def load(self, key: str) -> dict[str, np.ndarray] | None:
        """The stored arrays, or None when absent or corrupted (a corrupted entry is removed)."""
        data_path, hash_path = self._paths(key)
        if not (data_path.is_file() and hash_path.is_file()):
            return None
        try:
            if file_sha256(data_path) != hash_path.read_text().strip():
                raise ValueError("hash mismatch")
            with np.load(data_path, allow_pickle=False) as archive:
                return {name: archive[name] for name in archive.files}
        except (OSError, ValueError):
            for path in (data_path, hash_path):
                path.unlink(missing_ok=True)
            return None

    def store(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        data = buffer.getvalue()
        data_path, hash_path = self._paths(key)
        write_bytes_if_changed(data_path, data)
        write_text_if_changed(hash_path, hashlib.sha256(data).hexdigest() + "\n")


class _JsonStore:
    """A JSON object on disk, kept as a dict; an unreadable file is an empty store."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = self._read()

    def _read(self) -> dict[str, Any]:
        """The stored object; ``{}`` when the file is missing, not JSON, or JSON of another type
        (``[]``, ``null``): a damaged ledger means "recompute", never a crash."""
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save(self) -> None:
        write_text_if_changed(self.path, json.dumps(self.data, indent=1, sort_keys=True) + "\n")


class OutputLedger(_JsonStore):
    """Per generated file: the key of its inputs and the sha256 of its bytes."""

    def __init__(self, path: Path, root: Path) -> None:
        super().__init__(path)
        self.root = root

    def is_fresh(self, relative: str, key: str) -> bool:
        """True when ``relative`` exists, was made from inputs with ``key``, and is unaltered."""
        entry = self.data.get(relative)
        target = self.root / relative
        return _is_entry(entry) and entry[0] == key and target.is_file() and file_sha256(target) == entry[1]

    def record(self, relative: str, key: str) -> None:
        self.data[relative] = [key, file_sha256(self.root / relative)]

    def forget_missing(self) -> None:
        """Drop the entries of files that are gone, and entries that are not ``[key, sha256]``."""
        self.data = {name: entry for name, entry in self.data.items()
                     if _is_entry(entry) and (self.root / name).is_file()}


def _is_entry(entry: Any) -> bool:
    """Whether a ledger entry has the form it is written in: ``[key, sha256]``, two strings."""
    return isinstance(entry, list) and len(entry) == 2 and all(isinstance(part, str) for part in entry)


class StageLog(_JsonStore):
    """The input components of each stage's last run, to explain a recomputation."""

    def reason(self, stage: str, components: dict[str, str]) -> str:
        """Why ``stage`` must run: which components changed since its last recorded run."""
        last = self.data.get(stage)
        if not isinstance(last, dict):  # never recorded, or a damaged record
            return "no earlier result"
        changed = [name for name, value in components.items() if last.get(name) != value]
        return f"{', '.join(changed)} changed" if changed else "cached result missing or corrupted"

    def record(self, stage: str, components: dict[str, str]) -> None:
        self.data = {**self._read(), stage: dict(components)}  # keep what other stages recorded meanwhile
        self.save()

