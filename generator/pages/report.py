"""Results to Markdown pages: the report (home), one page per class, the misclassified
images and the explorer of every published example.

Rendering never computes: the ``_*_context`` functions below turn the typed results into
plain dictionaries of ready-made strings, numbers already formatted and links already
relative, and the Jinja2 templates only loop and branch over them. Templates run with
``StrictUndefined``, so a misspelled variable fails the build instead of rendering blank.

Escaping is decided here, on purpose: templates are not autoescaped (they produce Markdown,
not HTML), so every piece of text that comes from settings or data goes through
:func:`escape_markdown` and every link target through :func:`href`. Only text written
in this module or the templates reaches the page unescaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from generator.pages.classes import (CLASSES_PAGE, class_link, classes_index_context, explorer_filter,
                                     many_classes_context, paged_of)
from generator.pages.explorer import THUMBNAIL_PIXELS, explorer_classes, explorer_legend, explorer_rows
from generator.pages.gallery import gallery_context, smooth_tiles
from generator.methods import methods
from generator.pages.markdown_text import count, escape_markdown, front_matter_string, href
from generator.plumbing.numbers import fixed, percent
from generator.plumbing.settings import COMPLETENESS_FLOOR
from generator.stages.gallery import (CLASS_PAGE, MISCLASSIFIED_CLASS_PAGE, MISCLASSIFIED_PAGE, Gallery,
                                     GalleryPage, mistakes_of_class, most_confident_mistakes)
from generator.stages.model_output import LOGIT_WORDS, ScoreWords
from generator.stages.results import Evaluation, Example

HOME_PAGE = "index.md"
METHODS_PAGE = "methods.md"
EXPLORER_PAGE = "explorer.md"
READING_PAGE = "methods/reading-the-maps.md"

# Characters that Markdown, its extensions (attr_list braces, table pipes), HTML or a later
# maths extension (dollars) could act on; each becomes a numeric character reference.
@dataclass(frozen=True)
class PageInputs:
    """Everything the pages show; built by the pipeline from the earlier stages.

    Attributes:
        title: site / report title (user text).
        class_names: display name per class index (user text).
        dataset_summary: the dataset's name and description with its size (user text).
        evaluation: accuracy, per-class accuracy and confusion counts on the test split.
        examples: published examples, correctly classified and misclassified mixed.
        gallery: which page shows which example, the colour scales and their clipping.
        confusion_figure: confusion-matrix figure path relative to the docs dir.
        curves_figure: training-curves figure path, or None when the model was loaded.
        model_summary: ordered (label, value) pairs for the model card.
        repository: URL of the repository the report comes from ("" for none), linked from the
            model card; settings validation keeps it free of Markdown and HTML syntax.
        attribution_summary: ordered (label, value) pairs describing the maps and their
            completeness.
        misclassified_total: misclassified test images in the whole split (the published
            ones may be fewer).
        tool_version: version of this tool, shown in the footer.
        class_mean_figures: class → mean-map figure path (empty unless the whole test set
            was attributed).
        score: what every map is of, in a phrase, a noun and a symbol
            (:func:`~generator.stages.model_output.score_words` of ``model.output``).
    """

    title: str
    class_names: tuple[str, ...]
    dataset_summary: str
    evaluation: Evaluation
    examples: tuple[Example, ...]
    gallery: Gallery
    confusion_figure: str
    curves_figure: str | None
    model_summary: tuple[tuple[str, str], ...]
    attribution_summary: tuple[tuple[str, str], ...]
    misclassified_total: int
    tool_version: str
    class_mean_figures: dict[int, str] = field(default_factory=dict)
    trust_summary: str | None = None
    repository: str = ""
    score: ScoreWords = LOGIT_WORDS
    completeness_tolerance: float = COMPLETENESS_FLOOR
    """The IG maps' completeness tolerance (``attribution.flag_tolerance``)."""


def report_pages(inputs: PageInputs) -> dict[str, tuple[str, dict[str, Any]]]:
    """The home, class, misclassified and explorer pages: docs-relative path → (template, context).

    Raises:
        ValueError: an example is on no gallery page.
    """
    placed = inputs.gallery.page_of()
    unpaged = {e.test_index for e in inputs.gallery.unpaged}
    missing = [e.test_index for e in inputs.examples if e.test_index not in placed and e.test_index not in unpaged]
    if missing:
        raise ValueError(f"test images {missing[:5]} are on no gallery page")
    pages = {HOME_PAGE: ("home.md.j2", _home_context(inputs))}
    paged = paged_of(inputs.gallery, len(inputs.class_names))
    for k in paged:
        pages[CLASS_PAGE.format(k=k)] = ("class.md.j2", _class_context(inputs, k))
    if len(paged) < len(inputs.class_names):
        pages[CLASSES_PAGE] = ("classes.md.j2", classes_index_context(
            inputs.evaluation.confusion, inputs.evaluation.per_class_accuracy, inputs.class_names, paged,
            lambda k: class_link(paged, k, CLASSES_PAGE, EXPLORER_PAGE), _footer(inputs)))
    pages[MISCLASSIFIED_PAGE] = ("misclassified.md.j2", _misclassified_context(inputs))
    for gallery_page in inputs.gallery.misclassified_pages():
        pages[gallery_page.page] = ("misclassified-class.md.j2", _misclassified_class_context(inputs, gallery_page))
    pages[EXPLORER_PAGE] = ("explorer.md.j2", _explorer_context(inputs))
    return pages


NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def _methods_sentence() -> dict[str, Any]:
    """The home page's list of the catalogue's methods (:mod:`generator.methods`): how many, in
    words, and their prose names on two source lines (the first half ending in a comma)."""
    names = [m.prose for m in methods()]
    half = len(names) // 2
    count = NUMBER_WORDS[len(names)] if len(names) < len(NUMBER_WORDS) else str(len(names))
    return {"count": count, "lines": (", ".join(names[:half]) + ("," if half else ""), ", ".join(names[half:]))}


def _home_context(inputs: PageInputs) -> dict[str, Any]:
    evaluation = inputs.evaluation
    confusion = np.asarray(evaluation.confusion)
    paged = paged_of(inputs.gallery, len(inputs.class_names))
    per_class = [{
        "name": escape_markdown(inputs.class_names[k]),
        "href": href(CLASS_PAGE.format(k=k), HOME_PAGE),
        "test_images": count(confusion[k].sum()),
        "correct": count(confusion[k, k]),
        "accuracy": percent(evaluation.per_class_accuracy[k]),  # "—" for a class without test images
    } for k in paged]
    title = escape_markdown(inputs.title)
    return {
        "title": title,
        "front_matter_title": front_matter_string(title),
        "dataset": escape_markdown(inputs.dataset_summary),
        "accuracy": percent(evaluation.accuracy),
        "correct": count(np.trace(confusion)),
        "test_images": count(confusion.sum()),
        "model_summary": _pairs(inputs.model_summary),
        "repository": {"href": inputs.repository, "text": escape_markdown(inputs.repository)}
        if inputs.repository else None,
        "attribution_summary": _pairs(inputs.attribution_summary),
        "attributed_score": escape_markdown(inputs.score.described),
        "methods": _methods_sentence(),
        "per_class": per_class,
        "many_classes": many_classes_context(evaluation.confusion, inputs.class_names, paged,
                                             href(CLASSES_PAGE, HOME_PAGE)),
        "confusion_figure": _image(
            inputs.confusion_figure, HOME_PAGE,
            "Confusion matrix of the test split: rows are true classes, columns predicted classes, "
            "colour is the share of the true class on a log scale",
        ),
        "curves_figure": None if inputs.curves_figure is None else _image(
            inputs.curves_figure, HOME_PAGE,
            "Training curves: cross-entropy loss and accuracy per epoch, training and validation",
        ),
        "misclassified_href": href(MISCLASSIFIED_PAGE, HOME_PAGE),
        "misclassified_total": count(inputs.misclassified_total),
        "methods_href": href(METHODS_PAGE, HOME_PAGE),
        "explorer_href": href(EXPLORER_PAGE, HOME_PAGE),
        "trust_summary": None if inputs.trust_summary is None else escape_markdown(inputs.trust_summary),
        "trust_href": href("trust.md", HOME_PAGE),
        "footer": _footer(inputs),
    }


def _class_context(inputs: PageInputs, k: int) -> dict[str, Any]:
    page = CLASS_PAGE.format(k=k)
    confusion = np.asarray(inputs.evaluation.confusion)
    gallery_page = _gallery_page(inputs, page)
    first_shown = most_confident_mistakes(inputs.gallery)

    def mistakes(pairs: list[tuple[int, int]], other: int) -> list[dict[str, str | None]]:
        """Non-zero confusion cells, most frequent first, each linked to its most confident shown image."""
        counted = sorted((-int(confusion[t, p]), t, p) for t, p in pairs if t != p and confusion[t, p])
        return [{
            "label": escape_markdown(inputs.class_names[(t, p)[other]]),
            "count": count(-negative_count),
            "href": href(first_shown[(t, p)], page) if (t, p) in first_shown else None,
        } for negative_count, t, p in counted]

    classes = range(len(inputs.class_names))
    name = escape_markdown(inputs.class_names[k])
    margins = [inputs.gallery.margins[e.test_index] for e in gallery_page.examples]
    return {
        "name": name,
        "front_matter_title": front_matter_string(f"Class {name}"),
        "accuracy": percent(inputs.evaluation.per_class_accuracy[k]),
        "test_images": count(confusion[k].sum()),
        "correct_total": count(confusion[k, k]),
        "shown": count(len(gallery_page.examples)),
        "margin_low": fixed(min(margins)) if margins else "",
        "margin_high": fixed(max(margins)) if margins else "",
        "gallery": gallery_context(inputs.gallery, gallery_page, inputs.class_names, inputs.score, show_target=False),
        "score": inputs.score.noun,
        "mistaken_for": mistakes([(k, p) for p in classes], other=1),
        "mistaken_from": mistakes([(t, k) for t in classes], other=0),
        "misclassified_href": href(MISCLASSIFIED_PAGE, page),
        "explorer_href": href(EXPLORER_PAGE, page),
        "reading_href": href(READING_PAGE, page),
        "means_figure": href(inputs.class_mean_figures[k], page) if k in inputs.class_mean_figures else None,
        "means_alt": f"Mean Integrated Gradients and mean absolute IG over all test images of class {name}, "
                     "correctly classified and misclassified",
        "footer": _footer(inputs),
    }


def _misclassified_context(inputs: PageInputs) -> dict[str, Any]:
    """The Misclassified index: a summary, the mistakes per true class linked to their pages, and
    per (true, predicted) pair linked to its most confident published image."""
    confusion = np.asarray(inputs.evaluation.confusion)
    shown_pages = {page.page: page for page in inputs.gallery.misclassified_pages()}
    shown = sum(len(page.examples) for page in shown_pages.values())
    first_shown = most_confident_mistakes(inputs.gallery)
    names = inputs.class_names
    paged = paged_of(inputs.gallery, len(names))
    every_class_paged = len(paged) == len(names)
    per_class = []
    for k, name in enumerate(names):
        total = mistakes_of_class(confusion, k)
        page = shown_pages.get(MISCLASSIFIED_CLASS_PAGE.format(k=k))
        if total or page is not None:
            link = (href(page.page, MISCLASSIFIED_PAGE) if page is not None else None if every_class_paged
                    else explorer_filter(EXPLORER_PAGE, k, MISCLASSIFIED_PAGE) + "&show=mistake")
            per_class.append({"label": f"Class {escape_markdown(name)}", "total": count(total),
                              "shown": count(0 if page is None else len(page.examples)), "href": link})
    pairs = [{
        "label": f"{escape_markdown(names[true])} → {escape_markdown(names[predicted])}",
        "total": count(confusion[true, predicted]),
        "shown": count(sum(1 for page in shown_pages.values() for e in page.examples
                           if (e.true_label, e.predicted) == (true, predicted))),
        "href": href(first_shown[(true, predicted)], MISCLASSIFIED_PAGE) if (true, predicted) in first_shown else None,
    } for true, predicted in sorted(((t, p) for t in range(len(names)) for p in range(len(names))
                                     if t != p and confusion[t, p]), key=lambda pair: (-int(confusion[pair]), pair))]
    if inputs.misclassified_total == 0 and shown == 0:
        summary = "The model classified every test image correctly."
    elif shown < inputs.misclassified_total:
        summary = (f"Showing {count(shown)} of {count(inputs.misclassified_total)} misclassified test images: "
                   "the most confident mistakes.")
    else:
        summary = f"All {count(shown)} misclassified test images are shown."
    return {"summary": summary, "per_class": per_class, "pairs": pairs, "score": inputs.score.noun,
            "paged": None if every_class_paged else count(len(paged)),
            "explorer_href": href(EXPLORER_PAGE, MISCLASSIFIED_PAGE),
            "reading_href": href(READING_PAGE, MISCLASSIFIED_PAGE), "footer": _footer(inputs)}


def _misclassified_class_context(inputs: PageInputs, gallery_page: GalleryPage) -> dict[str, Any]:
    """The gallery of the published mistakes on one true class, most confident first."""
    page = gallery_page.page
    k = gallery_page.examples[0].true_label
    confusion = np.asarray(inputs.evaluation.confusion)
    name = escape_markdown(inputs.class_names[k])
    total, shown = mistakes_of_class(confusion, k), len(gallery_page.examples)
    return {"name": name, "front_matter_title": front_matter_string(f"True class {name}"),
            "total": count(total), "shown": (f"all {count(shown)} are" if shown == total else
                                             f"{count(shown)} of them {'is' if shown == 1 else 'are'}"),
            "test_images": count(confusion[k].sum()), "score": inputs.score.noun,
            "gallery": gallery_context(inputs.gallery, gallery_page, inputs.class_names, inputs.score),
            "index_href": href(MISCLASSIFIED_PAGE, page), "class_href": href(CLASS_PAGE.format(k=k), page),
            "explorer_href": href(EXPLORER_PAGE, page), "reading_href": href(READING_PAGE, page),
            "footer": _footer(inputs)}


def _explorer_context(inputs: PageInputs) -> dict[str, Any]:
    rows = explorer_rows(inputs.examples, inputs.gallery, inputs.class_names, EXPLORER_PAGE, inputs.score)
    return {"rows": rows, "classes": explorer_classes(inputs.class_names), "flagged": any(r["flag_codes"] for r in rows),
            "thumbnail": THUMBNAIL_PIXELS, "smooth": smooth_tiles(inputs.examples, THUMBNAIL_PIXELS),
            "count": count(len(inputs.examples)),
            "misclassified_href": href(MISCLASSIFIED_PAGE, EXPLORER_PAGE), "score": inputs.score.noun,
            "legend": explorer_legend(inputs.gallery, inputs.score, EXPLORER_PAGE, inputs.completeness_tolerance),
            "footer": _footer(inputs)}


def _gallery_page(inputs: PageInputs, page: str) -> GalleryPage:
    return next(p for p in inputs.gallery.pages if p.page == page)


def _image(figure: str, page: str, alt: str) -> dict[str, str]:
    return {"src": href(figure, page), "alt": escape_markdown(alt)}


def _pairs(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"label": escape_markdown(label), "value": escape_markdown(value)} for label, value in pairs]


def _footer(inputs: PageInputs) -> str:
    return f"Generated by Gradient Gallery {escape_markdown(inputs.tool_version)}."
