"""Where a build finds its site configuration, templates and hand-written pages, and where it writes.

Three cases, the first that applies wins:

1. **A report project** — the working directory has ``mkdocs.yml`` and ``site_src/`` (this
   repository, or a folder made by ``gradient-gallery init``). Its ``mkdocs.yml`` and pages are
   used, its ``templates/`` when it has one (else the packaged templates), and the generated pages
   are written into its ``site_src/`` beside the hand-written ones.
2. **No project** — the packaged defaults (:func:`defaults_dir`) are used, and the pages are
   assembled in ``<cache_dir>/docs`` of the working directory, so nothing is written into the
   installed package.

This module uses the standard library only: ``setup.py`` runs it to choose the files a wheel
ships (:func:`packaged_files`).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

CONFIG = "mkdocs.yml"
TEMPLATES = "templates"
PAGES = "site_src"
WORKFLOW = ".github/workflows/report.yml"
PUBLISH_SCRIPT = ".ci/publish-report"
PACKAGED = "defaults"
"""Folder inside the ``generator`` package where a wheel carries the files of :func:`packaged_files`."""

GENERATED_SOURCES = (
    "index.md", "classes.md", "classes/*", "misclassified.md", "misclassified/*", "explorer.md", "trust.md", "decoy.md", "changes.md",
    "figures/*", "data/*", "manifest.json", "methods/how-this-report-was-made.md", "methods/baselines.md",
    "assets/vendor/*",
)
"""Paths under ``site_src/`` that builds write (never hand-written; git-ignored), as glob patterns:
the generated pages, figures and data, and the vendored GLightbox files."""


@dataclass(frozen=True)
class Layout:
    """The files one build reads and the folder it writes pages into.

    Attributes:
        root: the working directory: lock file, cache and site are relative to it.
        config: the ``mkdocs.yml`` of the site.
        templates: the folder of the ``*.md.j2`` page templates.
        pages: the folder of the hand-written pages (and the site's scripts and styles).
        docs: the folder MkDocs builds from; the same as ``pages`` for a project, else a
            folder in the cache that the hand-written pages are copied into first.
        project: whether the working directory is a report project (case 1 of the module).
    """

    root: Path
    config: Path
    templates: Path
    pages: Path
    docs: Path
    project: bool


def defaults_dir() -> Path:
    """The folder holding the default ``mkdocs.yml``, ``templates/`` and ``site_src/``: the copy a
    wheel installs inside the package, else the source checkout this module runs from."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / PACKAGED
    return packaged if (packaged / CONFIG).is_file() else package.parent


def is_project(folder: Path) -> bool:
    """Whether ``folder`` is a report project: it has ``mkdocs.yml`` and ``site_src/``."""
    return (folder / CONFIG).is_file() and (folder / PAGES).is_dir()


def find_layout(root: Path, cache_dir: str) -> Layout:
    """The layout of a build run in ``root`` with the cache in ``cache_dir`` (relative to root)."""
    defaults = defaults_dir()
    if is_project(root):
        templates = root / TEMPLATES if (root / TEMPLATES).is_dir() else defaults / TEMPLATES
        return Layout(root, root / CONFIG, templates, root / PAGES, root / PAGES, project=True)
    return Layout(root, defaults / CONFIG, defaults / TEMPLATES, defaults / PAGES, root / cache_dir / "docs",
                  project=False)


def is_generated(relative: str) -> bool:
    """Whether a ``site_src``-relative path (with ``/``) is one that builds write."""
    return any(fnmatch.fnmatch(relative, pattern) for pattern in GENERATED_SOURCES)  # "*" also matches "/"


def files_under(folder: Path) -> list[str]:
    """The ``folder``-relative paths (with ``/``) of every file under ``folder``, sorted."""
    if not folder.is_dir():
        return []
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())


def hand_written(pages: Path) -> list[str]:
    """The ``pages``-relative paths of the hand-written files under ``pages`` (see :func:`files_under`)."""
    return [name for name in files_under(pages) if not is_generated(name)]


def site_files(checkout: Path) -> list[tuple[Path, str]]:
    """(source file, checkout-relative path) of what a site is built from: the site
    configuration, the templates and the hand-written pages of ``checkout``."""
    files = [(checkout / CONFIG, CONFIG)]
    files += [(checkout / TEMPLATES / name, f"{TEMPLATES}/{name}") for name in files_under(checkout / TEMPLATES)]
    files += [(checkout / PAGES / name, f"{PAGES}/{name}") for name in hand_written(checkout / PAGES)]
    return files


def packaged_files(checkout: Path) -> list[tuple[Path, str]]:
    """(source file, path inside :data:`PACKAGED`) for every file a wheel ships: the
    :func:`site_files`, and the Pages workflow with the one script its steps call (which
    ``gradient-gallery init`` writes)."""
    return site_files(checkout) + [(checkout / name, name) for name in (WORKFLOW, PUBLISH_SCRIPT)]


def copy_pages(pages: Path, docs: Path) -> None:
    """Make the hand-written files of ``docs`` those of ``pages``: copy each one whose bytes
    differ and delete any other hand-written file (generated ones are the build's to manage)."""
    from generator.plumbing.fileio import write_bytes_if_changed  # here: setup.py runs this module alone

    wanted = hand_written(pages)
    for name in wanted:
        write_bytes_if_changed(docs / name, (pages / name).read_bytes())
    for name in set(hand_written(docs)) - set(wanted):
        (docs / name).unlink()
