"""The site's navigation: what a build leaves out of it, and the per-class pages it lists."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any


def site_nav(nav: list[Any], omit: Collection[str] = (), class_pages: Collection[str] | None = None) -> list[Any]:
    """The nav of one build: ``nav`` listing the per-class pages ``class_pages`` this build wrote
    (:func:`with_class_pages`; None: as configured), without the entries of ``omit``
    (:func:`without_pages`)."""
    if class_pages is not None:
        nav = with_class_pages(nav, class_pages)
    return without_pages(nav, set(omit)) if omit else nav


def without_pages(nav: list[Any], pages: set[str]) -> list[Any]:
    """``nav`` without the entries that point at ``pages``, and without sections left empty."""
    kept: list[Any] = []
    for item in nav:
        if isinstance(item, dict):
            ((title, value),) = item.items()
            if isinstance(value, list):
                value = without_pages(value, pages)
                if value:
                    kept.append({title: value})
            elif value not in pages:
                kept.append(item)
        elif item not in pages:
            kept.append(item)
    return kept


PER_CLASS_PREFIXES = ("classes/class-", "misclassified/true-")
"""The per-class pages of the nav (``classes/class-K.md``, ``misclassified/true-K.md``): the
configuration lists MNIST's ten; a build lists the ones it wrote (:func:`with_class_pages`)."""
CLASSES_INDEX = "classes.md"
CLASSES_INDEX_TITLE = "All classes"


def with_class_pages(nav: list[Any], written: Collection[str]) -> list[Any]:
    """``nav`` with its per-class entries (:data:`PER_CLASS_PREFIXES`) replaced by the ``written``
    pages of the same kind, in class order, where the first such entry stood; the Classes index
    (:data:`CLASSES_INDEX`), when written and not in ``nav``, goes before the first class page.
    Other entries and sections are kept as they are."""
    kept: list[Any] = []
    placed: set[str] = set()
    for item in nav:
        if isinstance(item, dict):
            ((title, value),) = item.items()
            kept.append({title: with_class_pages(value, written)} if isinstance(value, list) else item)
            continue
        prefix = next((p for p in PER_CLASS_PREFIXES if isinstance(item, str) and item.startswith(p)), None)
        if prefix is None:
            kept.append(item)
        elif prefix not in placed:
            placed.add(prefix)
            if prefix == PER_CLASS_PREFIXES[0] and CLASSES_INDEX in written and not _lists(nav, CLASSES_INDEX):
                kept.append({CLASSES_INDEX_TITLE: CLASSES_INDEX})
            kept += sorted((page for page in written if page.startswith(prefix)), key=_class_of)
    return kept


def _class_of(page: str) -> int:
    """The class index of a per-class page, e.g. 12 for "classes/class-12.md"."""
    return int(page.rsplit("-", 1)[1].removesuffix(".md"))


def _lists(nav: list[Any], page: str) -> bool:
    """Whether ``nav`` (this level) already has an entry for ``page``."""
    return any(item == page or (isinstance(item, dict) and page in item.values()) for item in nav)


def class_nav_pages(pages: Collection[str]) -> list[str]:
    """Of a build's generated ``pages`` (docs-relative), those :func:`with_class_pages` lists:
    the per-class pages and the Classes index."""
    return [page for page in pages if page.startswith(PER_CLASS_PREFIXES) or page == CLASSES_INDEX]
