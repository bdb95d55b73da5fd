"""``gradient-gallery init [DIR]``: start a report project anywhere.

It writes the site configuration and the hand-written pages a team may edit (the packaged
defaults, :mod:`generator.publish.layout`), a settings file listing every setting at its default,
the GitHub Pages workflow with the one script its steps call, the requirements that workflow
installs, and a ``.gitignore`` for what builds write. Existing files are never overwritten unless
``force`` is given.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from generator import __version__
from generator.plumbing.errors import UserError
from generator.plumbing.settings import Settings
from generator.plumbing.settings_file import PROJECT_SETTINGS
from generator.publish import layout

REQUIREMENTS = "requirements-report.txt"
"""What the workflow's install step installs in a project made by ``init`` (see .ci/publish-report)."""


class InitError(UserError):
    """The project could not be written; the message names the files in the way."""


def toml_value(value: Any) -> str:
    """One settings value as TOML (booleans, numbers, strings and lists of strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    return "[" + ", ".join(toml_value(item) for item in value) + "]"


def settings_text(settings: Settings = Settings()) -> str:
    """The settings file: every key, commented out at its default value, section by section."""
    lines = ["# Settings of this report: the same keys as the [tool.gradient-gallery] table of a",
             "# pyproject.toml. Each line shows a default; uncomment and change what you need.",
             "# Flags of `gradient-gallery build` override this file.", ""]
    values = settings.to_dict()  # plain values, as a user writes them
    lines += [f"# {key} = {toml_value(value)}" for key, value in values.items() if not isinstance(value, dict)]
    for name, section in values.items():
        if isinstance(section, dict):
            lines += ["", f"[{name}]", *(f"# {key} = {toml_value(value)}" for key, value in section.items())]
    return "\n".join(lines) + "\n"


def gitignore_text() -> str:
    """What builds write in a project: the site, the cache, the lock and the generated pages."""
    generated = [f"/{layout.PAGES}/{pattern.removesuffix('*')}" for pattern in layout.GENERATED_SOURCES]
    return "\n".join(["# Written by gradient-gallery builds", "/site/", "/site.*/", "/.site.*",
                      "/.gradient-gallery/", "/.gradient-gallery.lock", "/previous-site/", ".venv/", "",
                      "# Pages the build generates beside the hand-written ones", *generated]) + "\n"


def requirements_text() -> str:
    return (f"# What the report workflow installs (.ci/publish-report install). gradient-gallery is not on\n"
            f"# PyPI: point the line below at the wheel or the repository your team installs it from, e.g.\n"
            f"# gradient-gallery @ git+https://github.com/OWNER/gradient-gallery@v{__version__}\n"
            f"gradient-gallery=={__version__}\n")


def project_files() -> dict[str, bytes]:
    """Project-relative path → contents of every file ``init`` writes."""
    defaults = layout.defaults_dir()
    files = {layout.CONFIG: (defaults / layout.CONFIG).read_bytes()}
    pages = defaults / layout.PAGES
    files.update({f"{layout.PAGES}/{name}": (pages / name).read_bytes() for name in layout.hand_written(pages)})
    for name in (layout.WORKFLOW, layout.PUBLISH_SCRIPT):
        files[name] = (defaults / name).read_bytes()
    files[str(PROJECT_SETTINGS)] = settings_text().encode()
    files[REQUIREMENTS] = requirements_text().encode()
    files[".gitignore"] = gitignore_text().encode()
    return files


def init_project(folder: Path, force: bool = False) -> list[str]:
    """Write a report project into ``folder`` (created if needed); returns the paths written.

    Raises:
        InitError: some of the files exist and ``force`` is False; nothing is written then.
    """
    place = folder
    while not place.exists() and place != place.parent:
        place = place.parent
    if not place.is_dir():
        where = "is a file" if place == folder else f"cannot be made: {place} is a file"
        raise InitError(f"{folder} {where}, not a folder; give `gradient-gallery init` a folder to write the "
                        "project into (it is created if needed)")
    files = project_files()
    existing = [name for name in files if (folder / name).exists()]
    if existing and not force:
        shown = ", ".join(existing[:3]) + (f" and {len(existing) - 3} more" if len(existing) > 3 else "")
        raise InitError(f"{folder} already has {shown}; nothing was written (use --force to overwrite)")
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if name == layout.PUBLISH_SCRIPT:
            path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return list(files)
