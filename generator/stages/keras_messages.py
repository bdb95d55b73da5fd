"""Keras' errors on loading a user's .keras file, as one line that says what is wrong.

Keras says "File not found" for a file that exists but is not a zip archive, and a model its safe
mode refuses (a Lambda layer's function, a function or class named outside Keras, a vocabulary
file outside the archive) gets a generic first line, "… could not be deserialized properly",
with the reason in the last "Exception encountered:" part of the message. Nothing from the file
runs: the model is always loaded with ``safe_mode=True`` (:func:`generator.stages.model.load_keras`).
"""

from __future__ import annotations

import re
from pathlib import Path


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
