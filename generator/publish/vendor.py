"""Third-party browser files the site needs, copied into the pages before any site engine runs.

The site must be correct whatever engine builds it (MkDocs, or Zensical, which reads
mkdocs.yml but runs only the plugins it re-implemented), so nothing it needs may be copied by
an engine plugin. :func:`vendor_assets` writes these files into ``<docs>/assets/vendor/``,
where every engine copies them to the built site like any other static file:

- ``glightbox/``: GLightbox's script, stylesheet and licence, as shipped inside the installed
  ``mkdocs-glightbox`` package (only its files are used, not its MkDocs plugin), loaded by
  ``javascripts/lightbox.js`` only on pages with a figure to zoom.

Files are written only when their bytes change, and files of an earlier build that are no
longer vendored are deleted, so a rebuild leaves the folder exactly as a cold build does.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from generator.plumbing.fileio import write_bytes_if_changed
from generator.publish.site_error import SiteError

VENDOR_DIR = "assets/vendor"
"""Where the vendored files go, relative to the docs folder (and so to the built site)."""
GLIGHTBOX_DISTRIBUTION = "mkdocs-glightbox"
GLIGHTBOX_FILES = {"LICENSE.md": "LICENSE", "glightbox.min.css": "glightbox.min.css",
                   "glightbox.min.js": "glightbox.min.js"}
"""GLightbox's files in the package → their names in the site (the licence without ``.md``, which
would make it a page of the site)."""
GLIGHTBOX_IN_DISTRIBUTION = "mkdocs_glightbox/glightbox"


def glightbox_files() -> list[tuple[Path, str]]:
    """GLightbox's files as (source, path relative to the ``glightbox`` target folder).

    Raises:
        SiteError: ``mkdocs-glightbox`` is not installed, or lacks one of the files.
    """
    try:
        folder = Path(str(distribution(GLIGHTBOX_DISTRIBUTION).locate_file(GLIGHTBOX_IN_DISTRIBUTION)))
    except PackageNotFoundError:
        raise SiteError(f"the {GLIGHTBOX_DISTRIBUTION} package (GLightbox files) is not installed; install the "
                        'project with `python -m pip install -e ".[test]"`') from None
    files = [(folder / name, target) for name, target in GLIGHTBOX_FILES.items()]
    for source, _ in files:
        if not source.is_file():
            raise SiteError(f"GLightbox file {source} is missing; reinstall {GLIGHTBOX_DISTRIBUTION}")
    return files


def vendored_files() -> list[tuple[Path, str]]:
    """Every file to vendor as (source, path relative to :data:`VENDOR_DIR`), sorted by target path."""
    files = [(source, f"glightbox/{relative}") for source, relative in glightbox_files()]
    return sorted(files, key=lambda item: item[1])


def vendor_assets(docs_dir: Path) -> int:
    """Make ``<docs_dir>/assets/vendor/`` hold exactly the :func:`vendored_files`, byte for byte.

    Args:
        docs_dir: the folder the site engine builds from.

    Returns:
        How many files were written or deleted (0 when the folder was already up to date).
    """
    target = Path(docs_dir) / VENDOR_DIR
    wanted = vendored_files()
    changed = sum(write_bytes_if_changed(target / relative, source.read_bytes()) for source, relative in wanted)
    keep = {relative for _, relative in wanted}
    stale = [path for path in target.rglob("*") if path.is_file() and path.relative_to(target).as_posix() not in keep]
    for path in stale:
        path.unlink()
    for folder in sorted((p for p in target.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return changed + len(stale)
