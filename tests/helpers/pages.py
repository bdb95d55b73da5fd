"""The synthetic report: page inputs of K classes (ten by default) with known mistakes, rendered with the real templates."""

import re
from pathlib import Path

import numpy as np

from generator.pages.render import render_all
from generator.pages.report import PageInputs, report_pages
from generator.stages.gallery import build_gallery, paged_classes
from generator.stages.naming import neutral_description
from generator.stages.results import AttributionRow, Completeness, ContrastMap, Evaluation, Example
from tests.helpers.project import ROOT


def render_pages(inputs: PageInputs, templates: Path, docs: Path) -> list[Path]:
    return render_all(report_pages(inputs), templates, docs)


TEMPLATES = ROOT / "templates"
NAMES = tuple(str(k) for k in range(10))


def synthetic_example(test_index: int, true: int, predicted: int, confidence: float) -> Example:
    """An example of 4×4 maps for its predicted (and, if a mistake, true) class, with a contrast map if a mistake."""
    maps = np.linspace(-1, 1, 16, dtype=np.float32).reshape(4, 4)
    targets = (true,) if true == predicted else (predicted, true)
    check = Completeness(0.0, 0.0, 0.0, 8)
    by_method = {"gradient": maps, "saliency": abs(maps), "gradient_x_input": maps, "smoothgrad": maps,
                 "integrated_gradients": maps, "expected_gradients": -maps}
    rows = tuple(AttributionRow(t, by_method, check, check) for t in targets)
    contrast = None if true == predicted else ContrastMap(
        {"integrated_gradients": maps, "expected_gradients": -maps}, Completeness(1.0, 1.0, 0.0, 8),
        Completeness(0.9, 1.0, 0.1, 8))
    return Example(test_index, true, predicted, confidence, maps, rows, contrast)


def synthetic_inputs(class_names: tuple[str, ...] | None = None, misclassified_total: int = 9,
                     title: str = "Gradient Gallery", classes: int = 10) -> PageInputs:
    """Two correct examples per class and misclassified pairs 2→7 (×2), 4→9 (×1), 1→3 (×1).

    The confusion matrix makes 4→9 the most frequent mistake (5), then 2→7 and 1→3 tied
    at 2 (tie broken by the true class), then 5→6 (1, nothing shown).

    With ``classes`` K other than 10 (names "0" … "K−1" unless given): below 10 classes, one
    mistake 1→0 (3 in the split, 1 shown); from 10 on, the pairs above, and beyond 10 each
    class k ≥ 10 also has k mod 7 mistakes k → 0 (none shown), so the most confused classes
    are known. The gallery gives pages to :func:`~generator.stages.gallery.paged_classes`.
    """
    names = tuple(str(k) for k in range(classes)) if class_names is None else class_names
    test_index = 100 + 10 * classes  # above every mistake's test index
    examples = [synthetic_example(test_index + 2 * k + j, k, k, 0.99 - 0.1 * j) if classes != 10 else
                synthetic_example(100 + 10 * k + j, k, k, 0.99 - 0.1 * j) for k in range(classes) for j in range(2)]
    confusion = np.diag(np.full(classes, 95))
    if classes >= 10:
        examples += [synthetic_example(7, 2, 7, 0.61), synthetic_example(8, 2, 7, 0.8), synthetic_example(5, 4, 9, 0.7), synthetic_example(3, 1, 3, 0.55)]
        confusion[4, 9], confusion[2, 7], confusion[1, 3], confusion[5, 6] = 5, 2, 2, 1
        for k in range(10, classes):
            confusion[k, 0] = k % 7
    else:
        examples += [synthetic_example(3, 1, 0, 0.55)]
        confusion[1, 0] = 3
    evaluation = Evaluation(
        accuracy=float(np.trace(confusion) / confusion.sum()),
        per_class_accuracy=np.diag(confusion) / confusion.sum(axis=1),
        confusion=confusion,
        predictions=np.zeros(int(confusion.sum()), int),
        confidences=np.ones(int(confusion.sum())),
        margins=np.arange(int(confusion.sum())) / 100.0,
    )
    return PageInputs(
        title=title,
        class_names=names,
        dataset_summary=f"bars ({neutral_description(28, 28, 1, classes)}; 1,500 training and 300 test images)",
        evaluation=evaluation,
        examples=tuple(examples),
        gallery=build_gallery(examples, evaluation.margins, classes, paged=paged_classes(confusion)),
        confusion_figure="figures/confusion.png",
        curves_figure="figures/training-curves.png",
        model_summary=(("Architecture", "Conv(32)-Pool-Conv(64)-Pool-Dropout-Dense(10)"), ("Model sha256", "ab12")),
        attribution_summary=(("IG quadrature", "gauss_legendre, 64 steps"), ("Median completeness error", "0.12%")),
        misclassified_total=misclassified_total,
        tool_version="0.1.0",
    )


def explorer_row(page: str, test_index: int) -> str:
    """The HTML of the explorer row of ``test_index`` (from its ``<tr`` to its ``</tr>``)."""
    return next(row for row in re.findall(r"<tr data-.*?</tr>", page, flags=re.S) if f">[{test_index}](" in row)
