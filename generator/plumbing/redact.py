"""Keep the build machine's absolute paths out of everything published.

A path under the project becomes relative to it, one under the home folder starts with
``~``, and any other keeps only its file name (``…/name``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

PATH_SETTINGS = (("data", "path"), ("train", "model"), ("output", "site_dir"), ("output", "cache_dir"),
                 ("output", "previous"))


def public_path(path: str | Path, root: Path) -> str:
    """How ``path`` is shown in the report."""
    if not str(path):
        return ""
    absolute = Path(path).expanduser().absolute()
    for base, prefix in ((Path(root).absolute(), ""), (Path.home(), "~/")):
        try:
            return prefix + absolute.relative_to(base).as_posix()
        except ValueError:
            continue
    return f"…/{absolute.name}"


def public_text(text: str, paths: list[str], root: Path) -> str:
    """``text`` with each of ``paths`` (absolute or as given) replaced by its public form."""
    for path in sorted({str(p) for p in paths if str(p)}, key=len, reverse=True):
        for spelling in {path, str(Path(path).expanduser().absolute())}:
            text = text.replace(spelling, public_path(path, root))
    return text


def public_settings(settings: dict[str, Any], root: Path) -> dict[str, Any]:
    """A copy of the settings dict with every path setting in its public form."""
    published = copy.deepcopy(settings)
    for section, key in PATH_SETTINGS:
        published[section][key] = public_path(published[section][key], root)
    return published
