"""Write files only when their content changes, and never leave a half-written file.

Rewriting an unchanged file would bump its modification time and make a rebuild look
like it changed something; writing in place would leave a truncated file behind if the
process died mid-write. Both helpers write to a temporary file in the target directory
and ``os.replace`` it into place, which is atomic on POSIX and Windows.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_bytes_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless the file already holds exactly these bytes.

    Parent directories are created as needed.

    Args:
        path: the file to write.
        data: its complete new content.

    Returns:
        True if the file was created or rewritten, False if it already held ``data``.

    Raises:
        IsADirectoryError: ``path`` is a directory (the message names it, not the temporary file).
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a directory, and a file name is needed")
    try:
        if path.read_bytes() == data:
            return False
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique name opened with "x" (not mkstemp) so the file gets the usual umask-based
    # permissions rather than mkstemp's owner-only 0600.
    temporary = path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        with open(temporary, "xb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return True


def write_text_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` as UTF-8 (newlines kept as ``\\n``) unless the file already holds it.

    Args:
        path: the file to write.
        text: its complete new content.

    Returns:
        True if the file was created or rewritten, False if it was already up to date.
    """
    return write_bytes_if_changed(path, text.encode("utf-8"))


def remove_stale(directory: Path, keep: set[str]) -> None:
    """Delete generated files from an earlier build that this build no longer produces."""
    if directory.is_dir():
        for path in directory.iterdir():
            if path.name not in keep:
                path.unlink()
