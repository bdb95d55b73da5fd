"""The gallery stage: which page shows which example, in what order, on which colour scales.

Computing only. It decides the layout *data* — pages, example order, each method's colour
scale and what that scale clips on each page, the tile file of every map — and returns it
typed; the figures pass draws the tiles and the pages pass writes the HTML.

- A correctly classified example is shown on the page of its class, least certain first
  (smallest margin between the top logit and the runner-up).
- A misclassified example is shown on the Misclassified page of its true class, most confident
  first; the Misclassified index page (no gallery) counts them and links to each.
- One colour scale per method for the whole site (a colour means the same value on every
  page); contrast maps share their method's scale.
- The columns, tile names and contrast maps are the method catalogue's (:mod:`generator.methods`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from generator.methods import contrast_methods, method, methods
from generator.stages.colour_scale import LIMIT_PERCENTILE, Clipping, ColourScale, clipping, limit
from generator.stages.model_output import LOGIT_WORDS, ScoreWords
from generator.stages.results import AttributionRow, Example

CLASS_PAGE = "classes/class-{k}.md"
MISCLASSIFIED_PAGE = "misclassified.md"
"""The Misclassified index: counts per true class and per pair, linked to the gallery pages below."""
MISCLASSIFIED_CLASS_PAGE = "misclassified/true-{k}.md"
"""The gallery of the published mistakes on the test images of true class k."""
TILE_DIR = "figures/tiles"
CLASS_PAGE_LIMIT = 20
"""Up to this many classes every class has its pages (a class page and, with a published mistake,
a Misclassified page): a nav section of 20 entries still fits a laptop screen, and 20 covers the
common small label sets (MNIST's 10, CIFAR-100's 20 superclasses). Above it only the
:data:`CLASS_PAGE_LIMIT` most confused classes get pages (:func:`paged_classes`); the Classes
index lists every class and links the rest to the explorer filtered to them."""


@dataclass(frozen=True)
class Method:
    """One column of the gallery: a method of the catalogue (:mod:`generator.methods`) with the
    colour scale this build gives it.

    Attributes:
        key: the catalogue key: the key of :attr:`~generator.stages.results.AttributionRow.maps`
            and of the published arrays, e.g. "integrated_gradients".
        title: column head, the catalogue's title.
        short: the catalogue's short name, written under a map where there are no column heads (phones).
        scale: the colour scale shared by this method's maps on every page.
    """

    key: str
    title: str
    short: str
    scale: ColourScale

    def of(self, row: AttributionRow) -> np.ndarray:
        return row.map(self.key)


@dataclass(frozen=True)
class GalleryPage:
    """One page of examples.

    Attributes:
        page: the Markdown file, relative to the docs folder.
        examples: in display order.
        clipping: method key → what its colour limit clips on this page's maps.
    """

    page: str
    examples: tuple[Example, ...]
    clipping: dict[str, Clipping]


@dataclass(frozen=True)
class Gallery:
    """Everything the gallery pages and their tiles need, decided once.

    Attributes:
        methods: the map columns, in order.
        pages: the class pages (class order), then the Misclassified page of each true class
            that has a published mistake (class order); only the paged classes' (:func:`paged_classes`).
        margins: test index → top logit minus runner-up logit.
        unpaged: the published examples of classes without pages (true class order): the explorer
            lists them, their tiles are drawn, no gallery page shows them. Empty up to
            :data:`CLASS_PAGE_LIMIT` classes.
    """

    methods: tuple[Method, ...]
    pages: tuple[GalleryPage, ...]
    margins: dict[int, float]
    unpaged: tuple[Example, ...] = ()

    def page_of(self) -> dict[int, str]:
        """Test index → the page that shows it."""
        return {e.test_index: page.page for page in self.pages for e in page.examples}

    def misclassified_pages(self) -> tuple[GalleryPage, ...]:
        """The Misclassified gallery pages, true class order."""
        return tuple(page for page in self.pages if page.page.startswith(MISCLASSIFIED_CLASS_PAGE.split("{")[0]))


def paged_classes(confusion: np.ndarray, limit: int = CLASS_PAGE_LIMIT) -> tuple[int, ...]:
    """The classes that get pages, in class order: every class when there are at most ``limit``,
    else the ``limit`` most confused ones, by mistakes as true class (row sum off the diagonal of
    the (K, K) ``confusion`` counts, true × predicted), ties broken by the smaller class index."""
    confusion = np.asarray(confusion)
    classes = confusion.shape[0]
    if classes <= limit:
        return tuple(range(classes))
    mistakes = confusion.sum(axis=1) - np.diag(confusion)
    ranked = sorted(range(classes), key=lambda k: (-int(mistakes[k]), k))
    return tuple(sorted(ranked[:limit]))


def absent_misclassified_pages(gallery: Gallery, classes: int) -> tuple[str, ...]:
    """The Misclassified pages of the true classes without a published mistake: the build writes
    none, so the nav leaves them out."""
    written = {page.page for page in gallery.pages}
    return tuple(page for page in (MISCLASSIFIED_CLASS_PAGE.format(k=k) for k in range(classes)) if page not in written)


def tile_path(test_index: int, name: str, target: int | None = None) -> str:
    """Docs-relative tile file of one test image: ``name`` is "input" or a method key (then with
    its ``target`` class), e.g. "figures/tiles/03520-4-ig.webp"; contrast maps: :func:`contrast_tile_path`."""
    if target is None:
        return f"{TILE_DIR}/{test_index:05d}-{name}.webp"
    return f"{TILE_DIR}/{test_index:05d}-{target}-{method(name).tile}.webp"


def contrast_tile_path(test_index: int, key: str) -> str:
    """Docs-relative tile of a mistake's contrast map by method ``key`` (one of
    :func:`~generator.methods.contrast_methods`), named by its ``contrast`` tile name, e.g.
    "figures/tiles/03520-contrast.webp"."""
    return f"{TILE_DIR}/{test_index:05d}-{method(key).contrast}.webp"


def colour_bar_path(key: str) -> str:
    return f"{TILE_DIR}/scale-{method(key).tile}.webp"


def anchor(test_index: int) -> str:
    """The stable id of an example's row on its page, e.g. "test-03520"."""
    return f"test-{test_index:05d}"


def method_maps(key: str, examples: Sequence[Example]) -> list[np.ndarray]:
    """Every map of method ``key`` on ``examples``, with its contrast maps if it has them."""
    maps = [row.map(key) for e in examples for row in e.rows]
    if method(key).contrast is not None:
        maps += [e.contrast.map(key) for e in examples if e.contrast is not None]
    return maps


def method_limit(key: str, examples: Sequence[Example], percentile: float = LIMIT_PERCENTILE) -> float:
    """The colour limit of method ``key`` over ``examples`` (see :func:`~.colour_scale.limit`)."""
    return limit(method_maps(key, examples), percentile)


def build_gallery(examples: Sequence[Example], margins: np.ndarray, classes: int,
                  score: ScoreWords = LOGIT_WORDS, paged: Sequence[int] | None = None) -> Gallery:
    """Lay out ``examples`` on pages and fix the colour scales.

    Args:
        examples: every published example.
        margins: (N_test,) top score minus runner-up score of every test image.
        classes: number of classes (one page each).
        score: what the maps are of; it names the unit of every colour scale ("logit units").
        paged: the classes that get pages (:func:`paged_classes`); None: every class.
    """
    paged = range(classes) if paged is None else paged
    columns = tuple(
        Method(m.key, m.title, m.short, ColourScale(method_limit(m.key, examples), m.signed, m.cmap,
                                                    getattr(score, m.unit)))
        for m in methods())
    margin_of = {e.test_index: float(margins[e.test_index]) for e in examples}
    groups = [(CLASS_PAGE.format(k=k),
               sorted((e for e in examples if e.correct and e.true_label == k),
                      key=lambda e: (margin_of[e.test_index], e.test_index)))
              for k in paged]
    groups += [(MISCLASSIFIED_CLASS_PAGE.format(k=k), mistakes)
               for k in paged
               if (mistakes := sorted((e for e in examples if not e.correct and e.true_label == k),
                                      key=lambda e: (-e.confidence, e.test_index)))]
    pages = tuple(GalleryPage(page, tuple(shown), {m.key: clipping(method_maps(m.key, shown), m.scale.limit)
                                                   for m in columns})
                  for page, shown in groups)
    on_pages = set(paged)
    unpaged = tuple(sorted((e for e in examples if e.true_label not in on_pages),
                           key=lambda e: (e.true_label, e.test_index)))
    return Gallery(columns, pages, margin_of, unpaged)


def tile_jobs(gallery: Gallery) -> list[tuple[str, np.ndarray, ColourScale]]:
    """(tile path, values, scale) for every tile and colour bar the gallery shows."""
    from generator.figures.tiles import INPUT_SCALE

    scale_of = {m.key: m.scale for m in gallery.methods}
    jobs: list[tuple[str, np.ndarray, ColourScale]] = []
    for e in [e for page in gallery.pages for e in page.examples] + list(gallery.unpaged):
        jobs.append((tile_path(e.test_index, "input"), e.image, INPUT_SCALE))
        for row in e.rows:
            jobs += [(tile_path(e.test_index, m.key, row.target), m.of(row), m.scale)
                     for m in gallery.methods]
        if e.contrast is not None:
            jobs += [(contrast_tile_path(e.test_index, m.key), e.contrast.map(m.key), scale_of[m.key])
                     for m in contrast_methods()]
    return jobs


def mistakes_of_class(confusion: np.ndarray, k: int) -> int:
    """How many test images of true class ``k`` the model misclassified (row ``k`` of the
    confusion matrix off its diagonal)."""
    return int(confusion[k].sum() - confusion[k, k])


def most_confident_mistakes(gallery: Gallery) -> dict[tuple[int, int], str]:
    """(true, predicted) → "page#anchor" (docs-relative) of its most confident published mistake."""
    first: dict[tuple[int, int], str] = {}
    for page in gallery.misclassified_pages():
        for e in page.examples:  # most confident first
            first.setdefault((e.true_label, e.predicted), f"{page.page}#{anchor(e.test_index)}")
    return first
