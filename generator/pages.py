"""Results to Markdown pages: the report (home), one page per class, the misclassified
images and the explorer of every published example.

Rendering never computes: the ``_*_context`` functions below turn the typed results into
plain dictionaries of ready-made strings, numbers already formatted and links already
relative, and the Jinja2 templates only loop and branch over them. Templates run with
``StrictUndefined``, so a misspelled variable fails the build instead of rendering blank.

Escaping is decided here, on purpose: templates are not autoescaped (they produce Markdown,
not HTML), so every piece of text that comes from settings or data goes through
:func:`escape_markdown` and every link target through :func:`_href`. Only text written
in this module or the templates reaches the page unescaped.
"""

from __future__ import annotations

import posixpath
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from generator.fileio import write_text_if_changed
from generator.gallery import (CLASS_PAGE, MISCLASSIFIED_PAGE, Gallery, GalleryPage, anchor, colour_bar_path,
                               tile_path)
from generator.markdown_text import count, environment, escape_markdown, front_matter_string
from generator.numbers import percent
from generator.report import COMPLETENESS_TOLERANCE, Completeness, Evaluation, Example

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
        evaluation: accuracy, per-class accuracy and confusion counts on the test split.
        examples: published examples, correctly classified and misclassified mixed.
        gallery: which page shows which example, the colour scales and their clipping.
        confusion_figure: confusion-matrix figure path relative to the docs dir.
        curves_figure: training-curves figure path, or None when the model was loaded.
        model_summary: ordered (label, value) pairs for the model card.
        attribution_summary: ordered (label, value) pairs describing the maps and their
            completeness.
        misclassified_total: misclassified test images in the whole split (the published
            ones may be fewer).
        tool_version: version of this tool, shown in the footer.
        class_mean_figures: class → mean-map figure path (empty unless the whole test set
            was attributed).
    """

    title: str
    class_names: tuple[str, ...]
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


def render_pages(inputs: PageInputs, templates_dir: Path, docs_dir: Path) -> list[Path]:
    """Render the home, class, misclassified and explorer pages into ``docs_dir``.

    All pages are rendered before any is written. Each file is rewritten only if its text
    changed. Markdown files in ``docs_dir/classes`` that this run did not produce (e.g. a
    class page from an earlier configuration) are removed; nothing else is deleted.

    Returns:
        Paths of every generated page (whether or not its content changed), in nav order.

    Raises:
        ValueError: an example is on no gallery page.
        jinja2.TemplateError: a template is missing, invalid or uses an undefined variable.
    """
    placed = inputs.gallery.page_of()
    missing = [e.test_index for e in inputs.examples if e.test_index not in placed]
    if missing:
        raise ValueError(f"test images {missing[:5]} are on no gallery page")
    templates = environment(templates_dir)
    pages: dict[str, str] = {HOME_PAGE: templates.get_template("home.md.j2").render(_home_context(inputs))}
    class_template = templates.get_template("class.md.j2")
    for k in range(len(inputs.class_names)):
        pages[CLASS_PAGE.format(k=k)] = class_template.render(_class_context(inputs, k))
    pages[MISCLASSIFIED_PAGE] = templates.get_template("misclassified.md.j2").render(
        _misclassified_context(inputs)
    )
    pages[EXPLORER_PAGE] = templates.get_template("explorer.md.j2").render(_explorer_context(inputs))

    written = [docs_dir / relative for relative in pages]
    for path, text in zip(written, pages.values()):
        write_text_if_changed(path, text)
    classes_dir = docs_dir / posixpath.dirname(CLASS_PAGE)
    for stale in sorted(set(classes_dir.glob("*.md")) - set(written)):
        stale.unlink()
    return written


def _home_context(inputs: PageInputs) -> dict[str, Any]:
    evaluation = inputs.evaluation
    confusion = np.asarray(evaluation.confusion)
    per_class = [{
        "name": escape_markdown(name),
        "href": _href(CLASS_PAGE.format(k=k), HOME_PAGE),
        "test_images": count(confusion[k].sum()),
        "correct": count(confusion[k, k]),
        "accuracy": percent(evaluation.per_class_accuracy[k]),
    } for k, name in enumerate(inputs.class_names)]
    title = escape_markdown(inputs.title)
    return {
        "title": title,
        "front_matter_title": front_matter_string(title),
        "accuracy": percent(evaluation.accuracy),
        "correct": count(np.trace(confusion)),
        "test_images": count(confusion.sum()),
        "model_summary": _pairs(inputs.model_summary),
        "attribution_summary": _pairs(inputs.attribution_summary),
        "per_class": per_class,
        "confusion_figure": _image(
            inputs.confusion_figure, HOME_PAGE,
            "Confusion matrix of the test split: rows are true classes, columns predicted classes, "
            "colour is the share of the true class on a log scale",
        ),
        "curves_figure": None if inputs.curves_figure is None else _image(
            inputs.curves_figure, HOME_PAGE,
            "Training curves: cross-entropy loss and accuracy per epoch, training and validation",
        ),
        "misclassified_href": _href(MISCLASSIFIED_PAGE, HOME_PAGE),
        "misclassified_total": count(inputs.misclassified_total),
        "methods_href": _href(METHODS_PAGE, HOME_PAGE),
        "footer": _footer(inputs),
    }


def _class_context(inputs: PageInputs, k: int) -> dict[str, Any]:
    page = CLASS_PAGE.format(k=k)
    confusion = np.asarray(inputs.evaluation.confusion)
    gallery_page = _gallery_page(inputs, page)
    first_shown = _most_confident_mistake_of_each_pair(inputs)

    def mistakes(pairs: list[tuple[int, int]], other: int) -> list[dict[str, str | None]]:
        """Non-zero confusion cells, most frequent first, each linked to its most confident shown image."""
        counted = sorted((-int(confusion[t, p]), t, p) for t, p in pairs if t != p and confusion[t, p])
        return [{
            "label": escape_markdown(inputs.class_names[(t, p)[other]]),
            "count": count(-negative_count),
            "href": _href(f"{MISCLASSIFIED_PAGE}#{anchor(first_shown[(t, p)])}", page)
            if (t, p) in first_shown else None,
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
        "margin_low": f"{min(margins):.2f}" if margins else "",
        "margin_high": f"{max(margins):.2f}" if margins else "",
        "gallery": _gallery_context(inputs, gallery_page),
        "mistaken_for": mistakes([(k, p) for p in classes], other=1),
        "mistaken_from": mistakes([(t, k) for t in classes], other=0),
        "misclassified_href": _href(MISCLASSIFIED_PAGE, page),
        "explorer_href": _href(EXPLORER_PAGE, page),
        "reading_href": _href(READING_PAGE, page),
        "means_figure": _href(inputs.class_mean_figures[k], page) if k in inputs.class_mean_figures else None,
        "means_alt": f"Mean Integrated Gradients and mean absolute IG over all test images of class {name}, "
                     "correctly classified and misclassified",
        "footer": _footer(inputs),
    }


def _misclassified_context(inputs: PageInputs) -> dict[str, Any]:
    confusion = np.asarray(inputs.evaluation.confusion)
    gallery_page = _gallery_page(inputs, MISCLASSIFIED_PAGE)
    shown = len(gallery_page.examples)
    first_shown = _most_confident_mistake_of_each_pair(inputs)
    names = inputs.class_names
    pairs = [{
        "label": f"{escape_markdown(names[true])} → {escape_markdown(names[predicted])}",
        "total": count(confusion[true, predicted]),
        "shown": count(sum(1 for e in gallery_page.examples if (e.true_label, e.predicted) == (true, predicted))),
        "href": _href(f"{MISCLASSIFIED_PAGE}#{anchor(first_shown[(true, predicted)])}", MISCLASSIFIED_PAGE)
        if (true, predicted) in first_shown else None,
    } for true, predicted in sorted(((t, p) for t in range(len(names)) for p in range(len(names))
                                     if t != p and confusion[t, p]), key=lambda pair: (-int(confusion[pair]), pair))]
    if inputs.misclassified_total == 0 and shown == 0:
        summary = "The model classified every test image correctly."
    elif shown < inputs.misclassified_total:
        summary = (f"Showing {count(shown)} of {count(inputs.misclassified_total)} misclassified test images: "
                   "the most confident mistakes.")
    else:
        summary = f"All {count(shown)} misclassified test images are shown."
    return {"summary": summary, "pairs": pairs, "gallery": _gallery_context(inputs, gallery_page),
            "explorer_href": _href(EXPLORER_PAGE, MISCLASSIFIED_PAGE),
            "reading_href": _href(READING_PAGE, MISCLASSIFIED_PAGE), "footer": _footer(inputs)}


def _explorer_context(inputs: PageInputs) -> dict[str, Any]:
    names = inputs.class_names
    page_of = inputs.gallery.page_of()
    rows = []
    for e in sorted(inputs.examples, key=lambda e: (e.correct, -e.confidence, e.test_index)):
        checks = _checks(e)
        errors = [c.relative_error for c in checks]
        worst = max(errors) if errors and all(np.isfinite(errors)) else float("nan")
        flags = ["above tolerance"] if any(not c.within_tolerance for c in checks) else []
        if any(not np.all(np.isfinite(m)) for m in _maps(e)):
            flags.append("non-finite values")
        rows.append({
            "href": _href(f"{page_of[e.test_index]}#{anchor(e.test_index)}", EXPLORER_PAGE),
            "thumbnail": _href(tile_path(e.test_index, "input"), EXPLORER_PAGE),
            "alt": f"Test image {e.test_index}",
            "index": str(e.test_index),
            "true": escape_markdown(names[e.true_label]),
            "predicted": escape_markdown(names[e.predicted]),
            "confidence": f"{e.confidence:.3f}",
            "margin": f"{inputs.gallery.margins[e.test_index]:.2f}",
            "error": percent(worst),
            "result": "correct" if e.correct else "mistake",
            "flags": ", ".join(flags),
        })
    return {"rows": rows, "count": count(len(rows)), "misclassified_href": _href(MISCLASSIFIED_PAGE, EXPLORER_PAGE),
            "footer": _footer(inputs)}


def _maps(example: Example) -> list[np.ndarray]:
    maps = [m for row in example.rows for m in (row.gradient, row.saliency, row.gradient_x_input, row.smoothgrad,
                                                row.integrated_gradients)]
    return maps + ([] if example.contrast is None else [example.contrast.integrated_gradients])


def _checks(example: Example) -> list[Completeness]:
    """Every IG completeness check of an example: its targets, then its contrast map."""
    return [row.completeness for row in example.rows] + (
        [] if example.contrast is None else [example.contrast.completeness])


def _gallery_page(inputs: PageInputs, page: str) -> GalleryPage:
    return next(p for p in inputs.gallery.pages if p.page == page)


def _most_confident_mistake_of_each_pair(inputs: PageInputs) -> dict[tuple[int, int], int]:
    """(true, predicted) → test index of its most confident published mistake."""
    first: dict[tuple[int, int], int] = {}
    for e in _gallery_page(inputs, MISCLASSIFIED_PAGE).examples:  # most confident first
        first.setdefault((e.true_label, e.predicted), e.test_index)
    return first


def _gallery_context(inputs: PageInputs, gallery_page: GalleryPage) -> dict[str, Any]:
    """The legend (one colour bar per method) and one table row per (example, target)."""
    page, names = gallery_page.page, inputs.class_names
    methods = inputs.gallery.methods
    legend = []
    for method in methods:
        scale, clipped = method.scale, gallery_page.clipping[method.key]
        legend.append({
            "title": method.title,
            "src": _href(colour_bar_path(method.key), page),
            "low": f"−{scale.limit:.3g}" if scale.signed else "0",
            "high": f"+{scale.limit:.3g}" if scale.signed else f"{scale.limit:.3g}",
            "unit": scale.unit,
            "clipped": (f"{percent(clipped.pixels)} of pixels ({percent(clipped.inked_pixels)} of "
                        f"non-zero ones), holding {percent(clipped.attribution)} of |attribution|"),
        })
    examples = []
    for e in gallery_page.examples:
        def cell(path: str, what: str, values: np.ndarray) -> dict[str, str]:
            note = "" if np.all(np.isfinite(values)) else "non-finite values"
            return {"src": _href(path, page), "note": note,
                    "alt": escape_markdown(f"Test image {e.test_index}: {what}")}

        rows = [{
            "target": escape_markdown(f"{names[row.target]}{_role(row.target, e)}"),
            "maps": [cell(tile_path(e.test_index, m.key, row.target), f"{m.title} map for class {names[row.target]}",
                          m.of(row))
                     for m in methods],
            **_check_cells(row.completeness, "Δlogit"),
        } for row in e.rows]
        if e.contrast is not None:
            contrast = cell(tile_path(e.test_index, "contrast"), f"contrastive Integrated Gradients, logit {names[e.predicted]} − logit "
                                        f"{names[e.true_label]}", e.contrast.integrated_gradients)
            rows.append({
                "target": escape_markdown(f"contrast {names[e.predicted]} − {names[e.true_label]}"),
                "maps": [None] * (len(methods) - 1) + [contrast],
                **_check_cells(e.contrast.completeness, "Δ(logit difference)"),
            })
        examples.append({
            "anchor": anchor(e.test_index),
            "index": str(e.test_index),
            "verdict": (escape_markdown(f"class {names[e.true_label]}") if e.correct else
                        escape_markdown(f"true {names[e.true_label]}, predicted {names[e.predicted]}")),
            "confidence": f"{e.confidence:.3f}",
            "margin": f"{inputs.gallery.margins[e.test_index]:.2f}",
            "input": cell(tile_path(e.test_index, "input"), f"input, true class {names[e.true_label]}", e.image),
            "rows": rows,
        })
    return {"columns": [m.title for m in methods], "short_names": [m.short for m in methods], "legend": legend,
            "examples": examples}


def _check_cells(check: Completeness, delta_label: str) -> dict[str, Any]:
    """The IG completeness check as short HTML text, flagged when above the tolerance."""
    flagged = not check.within_tolerance
    text = (f"ΣIG {check.attribution_sum:.2f} · {delta_label} {check.logit_delta:.2f} · error "
            f"{percent(check.relative_error)} · {check.steps} steps")
    if flagged:
        text += f" · above the {COMPLETENESS_TOLERANCE:.0%} tolerance"
    return {"check": text, "flagged": flagged}


def _role(target: int, example: Example) -> str:
    """What the target class is to this image: " (predicted)", " (true)" or ""."""
    if example.correct:
        return ""
    return " (predicted)" if target == example.predicted else " (true)" if target == example.true_label else ""


def _image(figure: str, page: str, alt: str) -> dict[str, str]:
    return {"src": _href(figure, page), "alt": escape_markdown(alt)}


def _href(target: str, page: str) -> str:
    """URL of ``target`` (docs-relative, optional #fragment) relative to ``page``'s folder."""
    path, _, fragment = target.partition("#")
    relative = posixpath.relpath(path, posixpath.dirname(page) or ".")
    quoted = urllib.parse.quote(relative, safe="/")
    return f"{quoted}#{urllib.parse.quote(fragment)}" if fragment else quoted


def _pairs(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"label": escape_markdown(label), "value": escape_markdown(value)} for label, value in pairs]


def _footer(inputs: PageInputs) -> str:
    return f"Generated by Gradient Gallery {escape_markdown(inputs.tool_version)}."
