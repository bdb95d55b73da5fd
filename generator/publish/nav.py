"""The site's navigation: what a build leaves out of it."""

from __future__ import annotations

from typing import Any


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
