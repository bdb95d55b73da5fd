"""The gallery stage: which page shows which example, in what order, on which colour scales.

Computing only. It decides the layout *data* — pages, example order, each method's colour
scale and what that scale clips on each page, the tile file of every map — and returns it
typed; the figures pass draws the tiles and the pages pass writes the HTML.

- A correctly classified example is shown on the page of its class, least certain first
  (smallest margin between the top logit and the runner-up).
- A misclassified example is shown on the Misclassified page of its true class, most confident
  first; the Misclassified index page (no gallery) counts them and links to each.
- One colour scale per method for the whole site (a colour means the same value on every
  page); contrast maps share the Integrated-Gradients scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from generator.stages.colour_scale import LIMIT_PERCENTILE, Clipping, ColourScale, clipping, limit
from generator.stages.model_output import LOGIT_WORDS, ScoreWords
from generator.stages.results import AttributionRow, Example

SIGNED_CMAP = "RdBu_r"
MAGNITUDE_CMAP = "viridis"
CLASS_PAGE = "classes/class-{k}.md"
MISCLASSIFIED_PAGE = "misclassified.md"
"""The Misclassified index: counts per true class and per pair, linked to the gallery pages below."""
MISCLASSIFIED_CLASS_PAGE = "misclassified/true-{k}.md"
"""The gallery of the published mistakes on the test images of true class k."""
TILE_DIR = "figures/tiles"


@dataclass(frozen=True)
class Method:
    """One column of the gallery.

    Attributes:
        key: the attribute of :class:`~generator.stages.results.AttributionRow` and the key of the
            published arrays, e.g. "integrated_gradients".
        title: column head, e.g. "Integrated Gradients".
        short: the name under a map where there are no column heads (phones), e.g. "IG".
        scale: the colour scale shared by this method's maps on every page.
    """

    key: str
    title: str
    short: str
    scale: ColourScale

    def of(self, row: AttributionRow) -> np.ndarray:
        return getattr(row, self.key)


# (key, column head, short name under a map on a phone, signed, unit: the ScoreWords property naming it)
METHOD_COLUMNS: tuple[tuple[str, str, str, bool, str], ...] = (
    ("gradient", "Gradient", "Gradient", True, "per_intensity"),
    ("saliency", "Saliency", "Saliency", False, "per_intensity"),
    ("gradient_x_input", "Gradient × input", "Grad×input", True, "units"),
    ("smoothgrad", "SmoothGrad", "SmoothGrad", True, "per_intensity"),
    ("integrated_gradients", "Integrated Gradients", "IG", True, "units"),
    ("expected_gradients", "Expected Gradients", "EG", True, "units"),
)
CONTRAST_METHODS = ("integrated_gradients", "expected_gradients")
"""The methods with a contrast map (logit_pred − logit_true) for each mistake, in their own column."""
TILE_NAMES = {"gradient": "grad", "saliency": "sal", "gradient_x_input": "gxi", "smoothgrad": "sg",
              "integrated_gradients": "ig", "expected_gradients": "eg"}
"""Short names of the methods in tile file names (they are repeated thousands of times per page)."""


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
            that has a published mistake (class order).
        margins: test index → top logit minus runner-up logit.
    """

    methods: tuple[Method, ...]
    pages: tuple[GalleryPage, ...]
    margins: dict[int, float]

    def page_of(self) -> dict[int, str]:
        """Test index → the page that shows it."""
        return {e.test_index: page.page for page in self.pages for e in page.examples}

    def misclassified_pages(self) -> tuple[GalleryPage, ...]:
        """The Misclassified gallery pages, true class order."""
        return tuple(page for page in self.pages if page.page.startswith(MISCLASSIFIED_CLASS_PAGE.split("{")[0]))


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
    return f"{TILE_DIR}/{test_index:05d}-{target}-{TILE_NAMES[name]}.webp"


def contrast_tile_path(test_index: int, key: str) -> str:
    """Docs-relative tile of a mistake's contrast map by method ``key`` (one of
    :data:`CONTRAST_METHODS`): "figures/tiles/03520-contrast.webp" for IG, "…-contrast-eg.webp" for EG."""
    suffix = "" if key == "integrated_gradients" else f"-{TILE_NAMES[key]}"
    return f"{TILE_DIR}/{test_index:05d}-contrast{suffix}.webp"


def colour_bar_path(method: str) -> str:
    return f"{TILE_DIR}/scale-{TILE_NAMES[method]}.webp"


def anchor(test_index: int) -> str:
    """The stable id of an example's row on its page, e.g. "test-03520"."""
    return f"test-{test_index:05d}"


def method_maps(key: str, examples: Sequence[Example]) -> list[np.ndarray]:
    """Every map of method ``key`` on ``examples``, with its contrast maps if it has them."""
    maps = [getattr(row, key) for e in examples for row in e.rows]
    if key in CONTRAST_METHODS:
        maps += [getattr(e.contrast, key) for e in examples if e.contrast is not None]
    return maps


def method_limit(key: str, examples: Sequence[Example], percentile: float = LIMIT_PERCENTILE) -> float:
    """The colour limit of method ``key`` over ``examples`` (see :func:`~.colour_scale.limit`)."""
    return limit(method_maps(key, examples), percentile)


def build_gallery(examples: Sequence[Example], margins: np.ndarray, classes: int,
                  score: ScoreWords = LOGIT_WORDS) -> Gallery:
    """Lay out ``examples`` on pages and fix the colour scales.

    Args:
        examples: every published example.
        margins: (N_test,) top score minus runner-up score of every test image.
        classes: number of classes (one page each).
        score: what the maps are of; it names the unit of every colour scale ("logit units").
    """
    methods = tuple(
        Method(key, title, short, ColourScale(method_limit(key, examples), signed,
                                              SIGNED_CMAP if signed else MAGNITUDE_CMAP, getattr(score, unit)))
        for key, title, short, signed, unit in METHOD_COLUMNS)
    margin_of = {e.test_index: float(margins[e.test_index]) for e in examples}
    groups = [(CLASS_PAGE.format(k=k),
               sorted((e for e in examples if e.correct and e.true_label == k),
                      key=lambda e: (margin_of[e.test_index], e.test_index)))
              for k in range(classes)]
    groups += [(MISCLASSIFIED_CLASS_PAGE.format(k=k), mistakes)
               for k in range(classes)
               if (mistakes := sorted((e for e in examples if not e.correct and e.true_label == k),
                                      key=lambda e: (-e.confidence, e.test_index)))]
    pages = tuple(GalleryPage(page, tuple(shown), {m.key: clipping(method_maps(m.key, shown), m.scale.limit)
                                                   for m in methods})
                  for page, shown in groups)
    return Gallery(methods, pages, margin_of)


def tile_jobs(gallery: Gallery) -> list[tuple[str, np.ndarray, ColourScale]]:
    """(tile path, values, scale) for every tile and colour bar the gallery shows."""
    from generator.figures.tiles import INPUT_SCALE

    scale_of = {m.key: m.scale for m in gallery.methods}
    jobs: list[tuple[str, np.ndarray, ColourScale]] = []
    for page in gallery.pages:
        for e in page.examples:
            jobs.append((tile_path(e.test_index, "input"), e.image, INPUT_SCALE))
            for row in e.rows:
                jobs += [(tile_path(e.test_index, m.key, row.target), m.of(row), m.scale)
                         for m in gallery.methods]
            if e.contrast is not None:
                jobs += [(contrast_tile_path(e.test_index, key), getattr(e.contrast, key), scale_of[key])
                         for key in CONTRAST_METHODS]
    return jobs
