"""Keras archives (.keras files): opened one way, written byte for byte the same, and their load
errors said in one line.

- :func:`load_keras` is the one way this project opens one: uncompiled, in Keras' safe mode, so
  nothing from the file runs.
- :func:`normalize_keras_archive` makes a saved archive a function of the model alone.
- Keras says "File not found" for a file that exists but is not a zip archive, and a model its safe
  mode refuses (a Lambda layer's function, a function or class named outside Keras, a vocabulary
  file outside the archive) gets a generic first line, "… could not be deserialized properly",
  with the reason in the last "Exception encountered:" part of the message:
  :func:`not_a_zip_text` and :func:`load_error_text` say what is wrong instead.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)



def normalize_keras_archive(path: Path) -> None:
    """Make a saved .keras file a function of the model alone: fixed zip timestamps, no save
    date in its metadata and shared-object ids renumbered, so the same model always gives
    the same bytes and sha256."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info, data in members:
            if info.filename == "metadata.json":
                metadata = json.loads(data)
                metadata.pop("date_saved", None)
                data = json.dumps(metadata, sort_keys=True).encode()
            elif info.filename == "config.json":
                data = json.dumps(_renumber_shared_objects(json.loads(data), {})).encode()
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            archive.writestr(fixed, data)
    path.write_bytes(buffer.getvalue())


def _renumber_shared_objects(node: Any, numbers: dict[Any, int]) -> Any:
    """Replace Keras' ``shared_object_id`` values (memory addresses at save time) by 1, 2, …
    in order of appearance; equal ids stay equal, so shared objects stay shared."""
    if isinstance(node, dict):
        return {key: numbers.setdefault(value, len(numbers) + 1) if key == "shared_object_id"
                else _renumber_shared_objects(value, numbers) for key, value in node.items()}
    if isinstance(node, list):
        return [_renumber_shared_objects(item, numbers) for item in node]
    return node


def load_keras(path: Path | str) -> Any:
    """The one way this project opens a .keras archive: uncompiled, in Keras' safe mode (no
    arbitrary code from the file). Raises whatever Keras raises for a broken archive."""
    import keras

    return keras.saving.load_model(path, compile=False, safe_mode=True)


def not_a_zip_text(path: Path) -> str:
    """What a file that is not a zip archive is, in words: a damaged one (it starts like a zip
    archive but has no directory at its end, as when a copy was cut short) or not one at all."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        damaged = stream.read(4) == b"PK\x03\x04"
    return (f"a damaged zip archive (no directory at its end: cut short?, {size:,} bytes)" if damaged
            else f"not a Keras archive (not a zip file, {size:,} bytes)")


SAFE_MODE_REFUSALS = ("could not be deserialized properly", "disallowed by default", "Could not locate")
"""Phrases of Keras' messages when safe mode, or its registry of known objects, refuses a part of
a model's config (a Lambda layer's function, a function or class named outside Keras, a file
outside the archive)."""


def load_error_text(path: Path, message: str) -> str:
    """The one line to show for Keras' ``message`` on failing to load ``path``: for a refusal by
    safe mode, the reason (the first sentence of the last "Exception encountered:" part, where Keras
    puts it under a generic first line) and what to do; else Keras' first line."""
    if not any(phrase in message for phrase in SAFE_MODE_REFUSALS):
        return f"cannot load model {path}: {message.splitlines()[0]}"
    return (f"cannot load model {path}: Keras safe mode refused it: {refusal_reason(message)}; this tool never "
            "loads code (or files outside the archive) from a model file, so re-save the model without Lambda "
            "layers or custom code")


def refusal_reason(message: str, limit: int = 300) -> str:
    """The first sentence of the last "Exception encountered:" part of a Keras error ``message`` (the
    whole message when it has none), on one line and at most ``limit`` characters."""
    last = message.rsplit("Exception encountered:", 1)[-1]
    text = " ".join(last.split())
    sentence = re.match(r"(.+?[.!?])(?:\s|$)", text)
    reason = (sentence.group(1) if sentence else text).rstrip(".")
    return reason if len(reason) <= limit else reason[:limit - 1] + "…"
