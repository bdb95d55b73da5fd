"""Which test images the report shows: a spread over the margin per class, and the mistakes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.plumbing.errors import UserError

MANY_ROWS = 2_000
"""(image, target) rows above which the selection stage warns with the cost: the default settings
publish about 400 (16 per class and the mistakes, two rows each, up to 200 of them)."""
ADAPTIVE_IG_EVALUATIONS = 66
"""Gradient evaluations an adaptive IG map takes on average on the report's model: the first level
of :data:`generator.attributions.adaptive.SWEEP_START` intervals and a few more (the measured mean is
in docs/performance.md); an estimate for other models."""


class SelectionError(UserError):
    """Nothing to publish; the message says which settings to change."""


@dataclass(frozen=True)
class Selection:
    """Published test indices.

    Attributes:
        correct: per class k, correctly classified test indices of class k, smallest
            margin first.
        misclassified: published misclassified test indices, ordered by (true, predicted, index).
        misclassified_total: how many test images are misclassified in all (≥ the published ones).
    """

    correct: tuple[tuple[int, ...], ...]
    misclassified: tuple[int, ...]
    misclassified_total: int


def spread_over_margin(indices: np.ndarray, margins: np.ndarray, count: int) -> np.ndarray:
    """``count`` of ``indices`` whose margins lie closest to evenly spaced values from the
    smallest margin to the largest (each image picked once; ties broken by index).

    Evenly spaced *values*, not ranks: most correct predictions are near-certain, so evenly
    spaced ranks would show almost only those, and the uncertain ones are what a reader
    needs to see next to them.

    Args:
        indices: (M,) candidate test indices.
        margins: (M,) their margins (top logit minus runner-up).
        count: how many to pick; all of them when M ≤ count.

    Returns:
        Picked indices, smallest margin first.
    """
    order = np.lexsort((indices, margins))
    indices, margins = np.asarray(indices)[order], np.asarray(margins, dtype=np.float64)[order]
    if len(indices) <= count:
        return indices
    free = np.ones(len(indices), bool)
    for value in np.linspace(margins[0], margins[-1], count):
        candidates = np.flatnonzero(free)
        free[candidates[np.argmin(np.abs(margins[candidates] - value))]] = False
    return indices[~free]


def select_examples(
    labels: np.ndarray,
    predictions: np.ndarray,
    confidences: np.ndarray,
    margins: np.ndarray,
    per_class: int,
    max_misclassified: int,
    classes: int = 10,
) -> Selection:
    """Pick the published examples; the same inputs always give the same picks.

    Args:
        labels: (N,) true class of each test image.
        predictions: (N,) predicted class.
        confidences: (N,) softmax probability of the predicted class.
        margins: (N,) top logit minus runner-up logit.
        per_class: correctly classified examples per class, spread over the margin.
        max_misclassified: cap on misclassified examples; when capped, the most confident
            mistakes are kept (they are the most surprising ones).
        classes: number of classes.
    """
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    everything = np.arange(len(labels))
    correct = []
    for k in range(classes):
        candidates = everything[(labels == k) & (predictions == k)]
        correct.append(tuple(int(i) for i in spread_over_margin(candidates, margins[candidates], per_class)))
    wrong = everything[labels != predictions]
    most_confident_first = wrong[np.lexsort((wrong, -confidences[wrong]))]
    kept = most_confident_first[:max_misclassified]
    kept = kept[np.lexsort((kept, predictions[kept], labels[kept]))]
    return Selection(tuple(correct), tuple(int(i) for i in kept), int(len(wrong)))


def attribution_requests(
    selection: Selection, labels: np.ndarray, predictions: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (test index, target class) rows to attribute.

    A correctly classified image gets one row (its class); a misclassified one gets two:
    its predicted class, then its true class.

    Returns:
        (indices, targets, contrast_rows): indices and targets are (R,) int64;
        contrast_rows is (M, 2), the (predicted-class row, true-class row) of each
        misclassified image.
    """
    rows: list[tuple[int, int]] = [(i, int(labels[i])) for group in selection.correct for i in group]
    contrast_rows: list[tuple[int, int]] = []
    for i in selection.misclassified:
        contrast_rows.append((len(rows), len(rows) + 1))
        rows += [(i, int(predictions[i])), (i, int(labels[i]))]
    array = np.array(rows, dtype=np.int64).reshape(-1, 2)
    return array[:, 0], array[:, 1], np.array(contrast_rows, dtype=np.int64).reshape(-1, 2)


def check_rows(rows: int, correct: int, misclassified_total: int) -> None:
    """Raise :class:`SelectionError` when no (image, target) row was selected."""
    if rows == 0:
        raise SelectionError(f"no test image was selected: {correct} correct and 0 of {misclassified_total} "
                             "misclassified images; raise selection.per_class (or --per-class) or "
                             "selection.max_misclassified")


def cost_warning(rows: int, steps: int, smoothgrad_samples: int, expected_gradients_samples: int) -> str | None:
    """A warning naming the gradient evaluations ``rows`` will cost, when they are more than
    :data:`MANY_ROWS`; None otherwise."""
    if rows <= MANY_ROWS:
        return None
    per_row = (steps or ADAPTIVE_IG_EVALUATIONS) + smoothgrad_samples + expected_gradients_samples + 1
    return (f"{rows:,} (image, target) rows will cost about {rows * per_row:,} gradient evaluations ({per_row} per "
            f"row: IG, SmoothGrad, Expected Gradients, gradient), about {rows / 400:.0f}× the default build's; lower "
            "selection.per_class or selection.max_misclassified for a smaller report")
