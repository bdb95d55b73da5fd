"""Images a built site's pages show, and those it does not contain (the site must work offline,
with nothing loaded from another host). Both engines' builds check them; so do the tests."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _ImageSources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.extend(value for name, value in attrs if name == "src" and value)


def referenced_images(site_dir: Path) -> list[tuple[Path, str]]:
    """Every ``<img src>`` in the built HTML.

    Args:
        site_dir: a built site.

    Returns:
        (html_file, src) pairs, files in sorted order, sources in document order.
    """
    found = []
    for html_file in sorted(Path(site_dir).rglob("*.html")):
        parser = _ImageSources()
        parser.feed(html_file.read_text(encoding="utf-8"))
        found.extend((html_file, src) for src in parser.sources)
    return found


def missing_images(site_dir: Path) -> list[str]:
    """Images that a built page references but the site does not contain.

    Remote sources (``https://…``, ``//host/…``) count as missing too: the site is meant
    to work offline, with nothing loaded from other hosts. Inline ``data:`` images are fine.

    Returns:
        One "page.html: src" line per missing image.
    """
    site_dir = Path(site_dir)
    missing = []
    for html_file, src in referenced_images(site_dir):
        if urlsplit(src).scheme == "data":
            continue
        target = image_path(src, html_file, site_dir)
        if target is None or not target.is_file():
            missing.append(f"{html_file.relative_to(site_dir)}: {src}")
    return missing


def image_path(src: str, html_file: Path, site_dir: Path) -> Path | None:
    """The (resolved) path that ``src``, written in ``html_file``, names in the site at ``site_dir``
    (query and fragment dropped); None for a source on another host or inline."""
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    return (Path(site_dir) / path.lstrip("/") if path.startswith("/") else Path(html_file).parent / path).resolve()
