"""Results to Markdown pages: the report (home), one page per class, the misclassified pairs.

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
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from generator.fileio import write_text_if_changed
from generator.markdown_text import count, environment, escape_markdown, front_matter_string
from generator.numbers import percent
from generator.report import Evaluation, Example

CLASS_PAGE = "classes/class-{k}.md"
MISCLASSIFIED_PAGE = "misclassified.md"
HOME_PAGE = "index.md"
METHODS_PAGE = "methods.md"

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
        example_figures: test_index → figure path relative to the docs dir
            (e.g. "figures/examples/test-01234.png"); one per example.
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
    example_figures: dict[int, str]
    confusion_figure: str
    curves_figure: str | None
    model_summary: tuple[tuple[str, str], ...]
    attribution_summary: tuple[tuple[str, str], ...]
    misclassified_total: int
    tool_version: str
    class_mean_figures: dict[int, str] = field(default_factory=dict)


def render_pages(inputs: PageInputs, templates_dir: Path, docs_dir: Path) -> list[Path]:
    """Render the home, class and misclassified pages into ``docs_dir``.

    All pages are rendered before any is written. Each file is rewritten only if its text
    changed. Markdown files in ``docs_dir/classes`` that this run did not produce (e.g. a
    class page from an earlier configuration) are removed; nothing else is deleted.

    Args:
        inputs: the results to show.
        templates_dir: folder holding home.md.j2, class.md.j2 and misclassified.md.j2.
        docs_dir: the MkDocs docs dir; figure paths in ``inputs`` are relative to it.

    Returns:
        Paths of every generated page (whether or not its content changed), in nav order.

    Raises:
        ValueError: an example has no figure in ``inputs.example_figures``.
        jinja2.TemplateError: a template is missing, invalid or uses an undefined variable.
    """
    missing = [e.test_index for e in inputs.examples if e.test_index not in inputs.example_figures]
    if missing:
        raise ValueError(f"no figure given for test images {missing[:5]} (example_figures is incomplete)")
    templates = environment(templates_dir)
    pages: dict[str, str] = {HOME_PAGE: templates.get_template("home.md.j2").render(_home_context(inputs))}
    class_template = templates.get_template("class.md.j2")
    for k in range(len(inputs.class_names)):
        pages[CLASS_PAGE.format(k=k)] = class_template.render(_class_context(inputs, k))
    pages[MISCLASSIFIED_PAGE] = templates.get_template("misclassified.md.j2").render(
        _misclassified_context(inputs)
    )

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
    shown_pairs = {(e.true_label, e.predicted) for e in inputs.examples if not e.correct}
    correct = sorted((e for e in inputs.examples if e.correct and e.true_label == k), key=_most_confident_first)

    def mistakes(pairs: list[tuple[int, int]], other: int) -> list[dict[str, str | None]]:
        """Non-zero confusion cells, most frequent first, each linked if its section exists."""
        counted = sorted((-int(confusion[t, p]), t, p) for t, p in pairs if t != p and confusion[t, p])
        return [{
            "label": escape_markdown(inputs.class_names[(t, p)[other]]),
            "count": count(-negative_count),
            "href": _href(f"{MISCLASSIFIED_PAGE}#{_anchor(t, p)}", page) if (t, p) in shown_pairs else None,
        } for negative_count, t, p in counted]

    classes = range(len(inputs.class_names))
    name = escape_markdown(inputs.class_names[k])
    return {
        "name": name,
        "front_matter_title": front_matter_string(f"Class {name}"),
        "accuracy": percent(inputs.evaluation.per_class_accuracy[k]),
        "test_images": count(confusion[k].sum()),
        "examples": [_example_item(inputs, e, page) for e in correct],
        "mistaken_for": mistakes([(k, p) for p in classes], other=1),
        "mistaken_from": mistakes([(t, k) for t in classes], other=0),
        "misclassified_href": _href(MISCLASSIFIED_PAGE, page),
        "means_figure": _href(inputs.class_mean_figures[k], page) if k in inputs.class_mean_figures else None,
        "means_alt": f"Mean Integrated Gradients and mean absolute IG over all test images of class {name}, "
                     "correctly classified and misclassified",
        "footer": _footer(inputs),
    }


def _misclassified_context(inputs: PageInputs) -> dict[str, Any]:
    confusion = np.asarray(inputs.evaluation.confusion)
    groups: dict[tuple[int, int], list[Example]] = defaultdict(list)
    for example in inputs.examples:
        if not example.correct:
            groups[(example.true_label, example.predicted)].append(example)
    shown = sum(len(group) for group in groups.values())
    # Pairs by how often the model makes that mistake on the whole test split.
    order = sorted(groups, key=lambda pair: (-int(confusion[pair]), pair))
    names = inputs.class_names
    pairs = []
    for true, predicted in order:
        group = sorted(groups[(true, predicted)], key=_most_confident_first)
        pairs.append({
            "label": f"{escape_markdown(names[true])} → {escape_markdown(names[predicted])}",
            "anchor": _anchor(true, predicted),
            "true_name": escape_markdown(names[true]),
            "true_href": _href(CLASS_PAGE.format(k=true), MISCLASSIFIED_PAGE),
            "predicted_name": escape_markdown(names[predicted]),
            "predicted_href": _href(CLASS_PAGE.format(k=predicted), MISCLASSIFIED_PAGE),
            "total": count(confusion[true, predicted]),
            "shown": count(len(group)),
            "examples": [_example_item(inputs, e, MISCLASSIFIED_PAGE) for e in group],
        })
    if inputs.misclassified_total == 0 and shown == 0:
        summary = "The model classified every test image correctly."
    elif shown < inputs.misclassified_total:
        summary = f"Showing {count(shown)} of {count(inputs.misclassified_total)} misclassified test images."
    else:
        summary = f"All {count(shown)} misclassified test images are shown."
    return {"summary": summary, "pairs": pairs, "footer": _footer(inputs)}


def _example_item(inputs: PageInputs, example: Example, page: str) -> dict[str, str]:
    """Image link, alt text and caption of one example's figure, as seen from ``page``."""
    names = inputs.class_names
    targets = [names[row.target] for row in example.rows]
    classes = f"class {targets[0]}" if len(targets) == 1 else f"classes {', '.join(targets[:-1])} and {targets[-1]}"
    alt = (
        f"Test image {example.test_index}: true {names[example.true_label]}, "
        f"predicted {names[example.predicted]} — input, gradient, saliency, gradient × input, SmoothGrad "
        f"and Integrated Gradients maps for {classes}"
        + ("" if example.contrast is None else
           f", and the contrastive IG of logit {names[example.predicted]} − logit {names[example.true_label]}")
    )
    if example.correct:
        caption = f"test #{example.test_index} · p = {example.confidence:.2f}"
    else:
        caption = (
            f"test #{example.test_index} · true {names[example.true_label]} · "
            f"predicted {names[example.predicted]} (p = {example.confidence:.2f})"
        )
    return {**_image(inputs.example_figures[example.test_index], page, alt), "caption": escape_markdown(caption)}


def _image(figure: str, page: str, alt: str) -> dict[str, str]:
    return {"src": _href(figure, page), "alt": escape_markdown(alt)}


def _href(target: str, page: str) -> str:
    """URL of ``target`` (docs-relative, optional #fragment) relative to ``page``'s folder."""
    path, _, fragment = target.partition("#")
    relative = posixpath.relpath(path, posixpath.dirname(page) or ".")
    quoted = urllib.parse.quote(relative, safe="/")
    return f"{quoted}#{urllib.parse.quote(fragment)}" if fragment else quoted


def _most_confident_first(example: Example) -> tuple[float, int]:
    return (-example.confidence, example.test_index)


def _anchor(true: int, predicted: int) -> str:
    return f"true-{true}-predicted-{predicted}"


def _pairs(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"label": escape_markdown(label), "value": escape_markdown(value)} for label, value in pairs]


def _footer(inputs: PageInputs) -> str:
    return f"Generated by Gradient Gallery {escape_markdown(inputs.tool_version)}."
