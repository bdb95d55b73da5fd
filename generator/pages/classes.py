"""The pages of many classes: the Classes index (every class in one table) and the table of the
most frequent confusions, for a report with more classes than get pages of their own
(:data:`~generator.stages.gallery.CLASS_PAGE_LIMIT`).

Up to that limit the report is laid out as before: a class page per class, and the home page's
table of accuracy per class. Above it the home page keeps the table for the paged classes (the
most confused), and :data:`CLASSES_PAGE` lists every class, linking each to its page or, without
one, to the explorer filtered to it (``explorer.md?true=k``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from generator.pages.markdown_text import count, escape_markdown, href
from generator.plumbing.numbers import percent
from generator.stages.gallery import CLASS_PAGE, Gallery

CLASSES_PAGE = "classes.md"
"""The Classes index: written only when some classes have no page."""
TOP_CONFUSIONS = 20
"""Rows of the home page's table of the most frequent confusions (above the class-page limit)."""


@dataclass(frozen=True)
class Confusion:
    """One off-diagonal cell of the confusion matrix.

    Attributes:
        true: the true class index.
        predicted: the predicted class index (not ``true``).
        count: test images of class ``true`` predicted as ``predicted``.
        share: ``count`` over the test images of class ``true`` (0 to 1).
    """

    true: int
    predicted: int
    count: int
    share: float


def top_confusions(confusion: np.ndarray, limit: int = TOP_CONFUSIONS) -> list[Confusion]:
    """The ``limit`` most frequent mistakes of the (K, K) ``confusion`` counts (true × predicted):
    non-zero cells off the diagonal, most images first, ties by (true, predicted)."""
    confusion = np.asarray(confusion)
    rows = confusion.sum(axis=1)
    true, predicted = np.nonzero(confusion * (1 - np.eye(len(confusion), dtype=confusion.dtype)))
    cells = sorted(zip(true.tolist(), predicted.tolist()), key=lambda cell: (-int(confusion[cell]), cell))
    return [Confusion(t, p, int(confusion[t, p]), float(confusion[t, p] / rows[t])) for t, p in cells[:limit]]


def confusion_rows(confusions: Sequence[Confusion], names: Sequence[str]) -> list[dict[str, str]]:
    """The top-confusions table: "true → predicted", count and share of the true class, as text."""
    return [{"label": f"{escape_markdown(names[c.true])} → {escape_markdown(names[c.predicted])}",
             "count": count(c.count), "share": percent(c.share, 1)} for c in confusions]


def explorer_filter(explorer_page: str, k: int, page: str) -> str:
    """The link from ``page`` to the explorer showing only the images of true class ``k``."""
    return f"{href(explorer_page, page)}?true={k}"


def paged_of(gallery: Gallery, classes: int) -> tuple[int, ...]:
    """The classes with a class page in ``gallery`` (the gallery stage's choice,
    :func:`~generator.stages.gallery.paged_classes`), in class order."""
    pages = {page.page for page in gallery.pages}
    return tuple(k for k in range(classes) if CLASS_PAGE.format(k=k) in pages)


def class_link(paged: Sequence[int], k: int, page: str, explorer_page: str) -> str:
    """The link from ``page`` to class ``k``: its class page when it has one (``paged``), else
    the explorer filtered to it."""
    return href(CLASS_PAGE.format(k=k), page) if k in paged else explorer_filter(explorer_page, k, page)


def many_classes_context(confusion: np.ndarray, names: Sequence[str], paged: Sequence[int],
                         index_href: str) -> dict[str, Any] | None:
    """The home page's words for a report whose classes do not all have pages (how many classes,
    how many have pages, chance, the link ``index_href`` to the Classes index, the top-confusions
    table); None when every class has its pages."""
    if len(paged) == len(names):
        return None
    return {"classes": count(len(names)), "paged": count(len(paged)), "chance": chance(len(names)),
            "href": index_href, "confusions": confusion_rows(top_confusions(confusion), names)}


def chance(classes: int) -> str:
    """The accuracy of a guess among ``classes`` equally likely classes, 1/K, as a percentage
    ("10%", "33%"; below 1% one significant digit: "0.1%" for 1,000)."""
    return percent(1 / classes, 0)


def classes_index_context(confusion: np.ndarray, per_class_accuracy: Sequence[float], names: Sequence[str],
                          paged: Sequence[int], link: Callable[[int], str], footer: str) -> dict[str, Any]:
    """The Classes index: one row per class (test images, correct, mistakes as true class,
    accuracy) linked by ``link(k)`` (its page or its explorer filter), and how many have pages.

    Args:
        confusion: (K, K) counts, true × predicted.
        per_class_accuracy: (K,) accuracy per true class (NaN for a class without test images).
        names: the K class names (user text).
        paged: the classes with pages of their own.
        link: class index → link from the index page.
        footer: the page's footer line.
    """
    confusion, with_page = np.asarray(confusion), set(paged)
    rows = [{"name": escape_markdown(name), "href": link(k), "test_images": count(confusion[k].sum()),
             "correct": count(confusion[k, k]), "mistakes": count(confusion[k].sum() - confusion[k, k]),
             "accuracy": percent(per_class_accuracy[k]), "page": k in with_page}
            for k, name in enumerate(names)]
    return {"rows": rows, "classes": count(len(names)), "paged": count(len(paged)),
            "chance": chance(len(names)), "footer": footer}
