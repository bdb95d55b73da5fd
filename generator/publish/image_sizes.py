"""Give every ``<img>`` of a built site its ``width`` and ``height``, so pages do not jump while
lazy images load.

A pass over the built HTML, after the site engine (MkDocs or Zensical) has run: each image's
intrinsic size is read from its file — a raster's header (Pillow reads only that), an SVG's
``width`` and ``height`` (or its ``viewBox``) — and written into the tag where an attribute is
missing. Attributes already there are kept. The browser then reserves the image's box before the
file arrives; the site's CSS keeps the aspect ratio wherever it sets a width (``height: auto``).

Images on other hosts, ``data:`` images and files that are not there are left alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from generator.publish.images import image_path

IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
SRC = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE)
LENGTH = re.compile(r"^\s*([0-9.]+)\s*(px|pt|pc|in|cm|mm)?\s*$")
PX_PER_UNIT = {None: 1.0, "px": 1.0, "pt": 96 / 72, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}
"""CSS pixels per SVG length unit (a CSS inch is 96 px)."""


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf"""\s{name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", tag, re.IGNORECASE)
    return None if found is None else next(g for g in found.groups() if g is not None)


def _length(text: str | None) -> float | None:
    """An SVG length in CSS px; None for a percentage, a missing or an unknown unit."""
    found = LENGTH.match(text or "")
    return None if found is None else float(found.group(1)) * PX_PER_UNIT[found.group(2)]


def svg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) in CSS px of an SVG document: its root's width and height, else its viewBox."""
    root = SVG_TAG.search(data)
    if root is None:
        return None
    tag = root.group(0).decode("utf-8", "replace")
    width, height = _length(_attribute(tag, "width")), _length(_attribute(tag, "height"))
    box = (_attribute(tag, "viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        box_width, box_height = float(box[2]), float(box[3])
        if width is None and height is None:
            width, height = box_width, box_height
        elif width is None and box_height:
            width = height * box_width / box_height
        elif height is None and box_width:
            height = width * box_height / box_width
    if not width or not height:
        return None
    return round(width), round(height)


def intrinsic_size(path: Path) -> tuple[int, int] | None:
    """(width, height) of the image file at ``path`` in CSS px; None if it cannot be read."""
    try:
        if path.suffix.lower() == ".svg":
            with path.open("rb") as file:
                return svg_size(file.read(4096))
        from PIL import Image

        with Image.open(path) as image:  # reads the header only
            return image.size
    except (OSError, ValueError, SyntaxError):
        return None


def _local_file(src: str, page: Path, site: Path) -> Path | None:
    """The file of the site that ``src`` (as written in ``page``) names; None for other hosts."""
    target = image_path(src, page, site)
    return target if target is not None and target.is_file() and target.is_relative_to(site.resolve()) else None


def sized_tag(tag: str, size: tuple[int, int]) -> str:
    """``tag`` with ``width`` and ``height`` added where missing (one given: the other to scale)."""
    width, height = _attribute(tag, "width"), _attribute(tag, "height")
    if width is not None and height is not None:
        return tag
    added = []
    if width is None and height is None:
        added = [f'width="{size[0]}"', f'height="{size[1]}"']
    elif width is None and height.isdigit():
        added = [f'width="{round(int(height) * size[0] / size[1])}"']
    elif height is None and width.isdigit():
        added = [f'height="{round(int(width) * size[1] / size[0])}"']
    return tag if not added else f"<img {' '.join(added)}{tag[4:]}"


def add_image_sizes(site: Path) -> int:
    """Add the missing sizes to every ``<img>`` of every HTML page under ``site``; how many tags changed."""
    site = Path(site)
    sizes: dict[Path, tuple[int, int] | None] = {}
    changed = 0
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")

        def size(match: re.Match[str]) -> str:
            nonlocal changed
            tag = match.group(0)
            src = SRC.search(tag)
            file = _local_file(next(g for g in src.groups() if g is not None), page, site) if src else None
            if file is None:
                return tag
            if file not in sizes:
                sizes[file] = intrinsic_size(file)
            new = tag if sizes[file] is None else sized_tag(tag, sizes[file])
            changed += new != tag
            return new

        sized = IMG.sub(size, html)
        if sized != html:
            page.write_text(sized, encoding="utf-8")
    return changed


__all__ = ["add_image_sizes", "intrinsic_size", "sized_tag", "svg_size"]
