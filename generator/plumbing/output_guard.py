"""The folders a build replaces or writes into are never folders the user cares about.

A build replaces its output folder wholesale (rename aside, then delete) and writes its cache
folder. Before any stage runs, :func:`check_build_folders` refuses, with one line:

- an empty path (``--output "$SITE_DIR"`` with the variable unset);
- an output or cache folder that is, or contains, the project folder, the home folder or ``/``,
  or one of the project's own files and folders (``mkdocs.yml``, ``site_src/``, ``templates/``,
  the settings file); an output inside one of those folders or inside the cache; a cache inside,
  or equal to, the output (a publish would delete it);
- an output that exists and is a file, or a non-empty folder the tool did not write
  (:func:`written_by_us`: it holds :data:`MARKER`, which every published site carries);
- an output or cache whose parent cannot be written, found by creating and removing a folder
  there (a read-only or immutable parent otherwise fails only after every stage has run).

The publish step checks ownership again before it renames anything away
(:func:`refuse_to_replace`), so no code path deletes a folder the tool did not write.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.plumbing.errors import UserError

MARKER = ".gradient-gallery-site"
"""The file every published site carries: a build may replace a folder only when it holds it."""
MARKER_TEXT = ("This folder was written by gradient-gallery; the next build replaces it whole.\n"
               "Delete this file to keep a build from replacing the folder.\n")
CACHE_TAG = "CACHEDIR.TAG"
"""The cache folder's tag (https://bford.info/cachedir/): backup tools skip a folder that has it."""
CACHE_TAG_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                  "# This file is a cache directory tag created by gradient-gallery.\n")


class OutputFolderError(UserError, ValueError):
    """An output or cache folder a build must not replace or write; the message says why and what to do."""


@dataclass(frozen=True)
class Protected:
    """A path a build must never replace, contain in its output or cache, or write inside.

    Attributes:
        path: the absolute, resolved path.
        what: how the message names it ("the project folder", "the settings file", …).
        may_contain: whether the output may lie inside it (the project and home folders: yes).
    """

    path: Path
    what: str
    may_contain: bool = False


def _resolved(path: Path | str, root: Path) -> Path:
    return (root / Path(path).expanduser()).resolve()


def protected_paths(root: Path, project_files: Iterable[Path] = (), settings_files: Iterable[Path] = ()) -> list[Protected]:
    """What a build in ``root`` protects: the project folder, the home folder and ``/`` (outputs may
    lie inside them, but not be them or contain them), and the project's files and folders and the
    settings files (outputs may not be, contain or lie inside them)."""
    places = [Protected(root.resolve(), "the project folder", may_contain=True),
              Protected(Path.home().resolve(), "your home folder", may_contain=True),
              Protected(Path(root.resolve().anchor), "the file system root", may_contain=True)]
    places += [Protected(_resolved(path, root), f"the project's {Path(path).name}") for path in project_files]
    places += [Protected(_resolved(path, root), f"the settings file {Path(path).name}") for path in settings_files]
    return places


CLASH_ORDER = ("is", "contains", "lies inside")
"""How a folder can clash with a protected path, the most direct first (the one a message names)."""


def _clash(folder: Path, place: Protected) -> str | None:
    """How ``folder`` would harm ``place`` ("is", "contains", "lies inside"), or None."""
    if folder == place.path:
        return "is"
    if place.path.is_relative_to(folder):
        return "contains"
    if not place.may_contain and folder.is_relative_to(place.path):
        return "lies inside"
    return None


def written_by_us(folder: Path) -> bool:
    """Whether ``folder`` is a site a build wrote: it holds :data:`MARKER`, or (a site published
    before the marker existed) a ``manifest.json`` whose ``tool`` names a gradient-gallery version."""
    if (folder / MARKER).is_file():
        return True
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and isinstance(manifest.get("tool"), dict) and "version" in manifest["tool"]


def refuse_to_replace(folder: Path, setting: str = "--output") -> None:
    """Raise :class:`OutputFolderError` unless ``folder`` is absent, an empty folder, or a site the
    tool wrote (:func:`written_by_us`)."""
    if not folder.exists() and not folder.is_symlink():
        return
    if not folder.is_dir():
        raise OutputFolderError(f"{setting} {folder} is a file, not a folder; give the folder to publish the "
                                "site into, e.g. --output site")
    if any(folder.iterdir()) and not written_by_us(folder):
        raise OutputFolderError(f"{setting} {folder} is a folder with files that gradient-gallery did not write "
                                f"(it has no {MARKER}), and a build replaces its output folder whole; choose "
                                "another --output (or output.site_dir), or move or delete that folder yourself")


def mark_site(folder: Path) -> None:
    """Write :data:`MARKER` into a site about to be published."""
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def tag_cache(folder: Path) -> None:
    """Create the cache folder if needed and tag it (:data:`CACHE_TAG`) unless it is tagged."""
    folder.mkdir(parents=True, exist_ok=True)
    tag = folder / CACHE_TAG
    if not tag.is_file():
        tag.write_text(CACHE_TAG_TEXT, encoding="utf-8")


def _check_writable(folder: Path, setting: str) -> None:
    """Create and remove a folder in ``folder``, or in its nearest existing ancestor when it does
    not exist yet (a build creates it)."""
    place = folder
    while not place.exists():
        place = place.parent
    if not place.is_dir():
        raise OutputFolderError(f"{setting}: {place} is a file, not a folder; choose a path in a folder")
    try:
        probe = tempfile.mkdtemp(prefix=".gradient-gallery.probe-", dir=place)
    except OSError as error:
        raise OutputFolderError(f"{setting}: cannot write in {place} ({error.strerror or error}); "
                                "choose a folder you can write to, or fix its permissions") from None
    os.rmdir(probe)


def check_build_folders(site_dir: str, cache_dir: str, root: Path, project_files: Iterable[Path] = (),
                        settings_files: Iterable[Path] = ()) -> None:
    """Refuse a site or cache folder a build must not replace or write (see the module docstring).

    Args:
        site_dir: ``output.site_dir``, relative to ``root`` or absolute.
        cache_dir: ``output.cache_dir``, likewise.
        root: the project (working) folder.
        project_files: the project's own files and folders (mkdocs.yml, site_src/, templates/).
        settings_files: the settings files this build read or could read.

    Raises:
        OutputFolderError: the first problem found, on one line.
    """
    for setting, value in (("--output", site_dir), ("--cache-dir", cache_dir)):
        if not str(value).strip():
            raise OutputFolderError(f"{setting} is empty (an unset variable, as in --output \"$SITE_DIR\"?); "
                                    f"name a folder, e.g. {setting} {'site' if setting == '--output' else '.gradient-gallery'}")
    site, cache = _resolved(site_dir, root), _resolved(cache_dir, root)
    places = protected_paths(root, project_files, settings_files)
    for setting, folder in (("--output", site), ("--cache-dir", cache)):
        clashes = [(clash, place) for place in places if (clash := _clash(folder, place)) is not None]
        for clash, place in sorted(clashes, key=lambda found: CLASH_ORDER.index(found[0]))[:1]:
            raise OutputFolderError(f"{setting} {folder} {clash} {place.what} ({place.path}); a build "
                                        f"{'replaces' if setting == '--output' else 'writes into'} that folder, "
                                        f"so choose a folder of its own, e.g. {setting} "
                                        f"{'site' if setting == '--output' else '.gradient-gallery'}")
    if _clash(site, Protected(cache, "the cache folder")) is not None:
        how = "is" if site == cache else "contains" if cache.is_relative_to(site) else "lies inside"
        raise OutputFolderError(f"--output {site} {how} the cache folder ({cache}); every publish would "
                                "delete the cache or write the site into it; keep them apart, e.g. --output site "
                                "--cache-dir .gradient-gallery")
    refuse_to_replace(site)
    if cache.exists() and not cache.is_dir():
        raise OutputFolderError(f"--cache-dir {cache} is a file, not a folder; choose another output.cache_dir")
    _check_writable(site.parent, "--output")  # the site is built beside the published one, then renamed
    _check_writable(cache, "--cache-dir")
