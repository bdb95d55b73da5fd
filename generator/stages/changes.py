"""What changed since a previous report: accuracy, newly broken and fixed images, map drift.

The previous report is a local copy of its site (``manifest.json``, ``data/predictions.npz``,
``data/attributions.npz``, ``data/model.keras``), read and checked before the first stage
(:mod:`generator.stages.previous`). Old maps come from its published arrays where it has the
same (image, class) row, and are otherwise recomputed with its published model, so every
comparison shows the old and the new model on the same images.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from generator import attributions as attr
from generator.methods import shown_input
from generator.plumbing.settings import AttributionSettings
from generator.stages.previous import PreviousReport, check_same_test_data
from generator.stages.similarity import spearman_rows

MAX_LISTED = 24
"""Newly broken / newly fixed images shown with maps (each list, the most confident first)."""


@dataclass(frozen=True)
class ChangedImage:
    """One test image whose verdict changed, with IG for its true class under both models (H, W)."""

    test_index: int
    true_label: int
    old_predicted: int
    new_predicted: int
    old_confidence: float
    new_confidence: float
    image: np.ndarray
    old_ig: np.ndarray
    new_ig: np.ndarray


@dataclass(frozen=True)
class ClassChange:
    """Per true class: accuracy before and after, and the rank correlation of the IG maps."""

    label: int
    old_accuracy: float
    new_accuracy: float
    spearman: float | None
    compared_maps: int


@dataclass(frozen=True)
class Changes:
    previous_version: str
    previous_model_sha256: str
    old_accuracy: float
    new_accuracy: float
    classes: tuple[ClassChange, ...]
    newly_misclassified: tuple[ChangedImage, ...]
    newly_fixed: tuple[ChangedImage, ...]
    newly_misclassified_total: int
    newly_fixed_total: int
    old_maps_from_arrays: int
    old_maps_recomputed: int
    previous_output: str = "logits"
    """The previous build's ``model.output``: what its maps are of."""


def old_maps(previous: PreviousReport, images: np.ndarray, index: np.ndarray, target: np.ndarray,
             settings: AttributionSettings) -> tuple[np.ndarray, int]:
    """IG maps of the previous model for (index, target) rows: from its arrays, else recomputed
    with its model, in the input scale and output kind its build recorded.

    Returns:
        (maps (R, H, W, C) float32, how many came from the previous arrays).
    """
    row_of = {(int(i), int(t)): r for r, (i, t) in enumerate(zip(previous.index, previous.target))}
    found = [row_of.get((int(i), int(t))) for i, t in zip(index, target)]
    maps = np.zeros_like(images)
    have = np.array([r is not None for r in found], dtype=bool)
    if have.any():
        maps[have] = previous.integrated_gradients[[r for r in found if r is not None]]
    if (~have).any():
        from generator.stages.report_model import ReportModel

        grad_fn = ReportModel.reading(previous.model, previous.input_scale, previous.output, settings.chunk_size).grad_fn
        maps[~have] = attr.integrated_gradients(grad_fn, images[~have], target[~have], baseline=settings.baseline,
                                                **settings.ig_options())
    return maps, int(have.sum())


def compute_changes(previous: PreviousReport, labels: np.ndarray, images: np.ndarray, evaluation: Any, current: Any,
                    grad_fn: attr.GradFn, settings: AttributionSettings, log: Callable[[str], None]) -> Changes:
    """Compare this report with the previous one.

    Args:
        previous: the previous report, read and checked before the first stage (:func:`read_previous`).
        labels: (N,) true test labels.
        images: (N, H, W, C) float32 test images in pixel/255 (each model's scale is applied inside).
        evaluation: this model's :class:`~generator.stages.results.Evaluation`.
        current: this report's :class:`~generator.stages.attribute.AttributionArrays`.
        grad_fn: this model's gradient function.
        settings: IG settings for recomputed maps.
        log: progress sink.
    """
    check_same_test_data(previous, labels)
    old_predicted, old_confidence = previous.predicted, previous.confidence
    new_predicted, new_confidence = evaluation.predictions, evaluation.confidences
    old_right, new_right = old_predicted == labels, new_predicted == labels
    broken = np.flatnonzero(old_right & ~new_right)
    fixed = np.flatnonzero(~old_right & new_right)
    broken_shown = broken[np.argsort(-new_confidence[broken], kind="stable")][:MAX_LISTED]
    fixed_shown = fixed[np.argsort(-old_confidence[fixed], kind="stable")][:MAX_LISTED]
    log(f"changes: {len(broken)} newly misclassified, {len(fixed)} newly fixed since the previous report")

    # Old vs new maps on this report's published rows, plus the changed images (true class).
    shown = np.concatenate([broken_shown, fixed_shown]).astype(np.int64)
    index = np.concatenate([current.index, shown])
    target = np.concatenate([current.target, labels[shown]]).astype(np.int64)
    new_shown = attr.integrated_gradients(grad_fn, images[shown], labels[shown], baseline=settings.baseline,
                                          **settings.ig_options())
    new = np.concatenate([current.ig.maps, new_shown])
    old, from_arrays = old_maps(previous, images[index], index, target, settings)

    def changed(rows: np.ndarray, offset: int) -> tuple[ChangedImage, ...]:
        return tuple(ChangedImage(
            int(i), int(labels[i]), int(old_predicted[i]), int(new_predicted[i]), float(old_confidence[i]),
            float(new_confidence[i]), shown_input(images[i]), old[offset + n].sum(axis=-1), new[offset + n].sum(axis=-1),
        ) for n, i in enumerate(rows))

    published = len(current.index)
    correlations = spearman_rows(old[:published], new[:published])
    classes = []
    for k in range(len(evaluation.per_class_accuracy)):
        rows = np.flatnonzero((labels[current.index] == k) & np.isfinite(correlations))
        of_class = labels == k  # no test image of class k: no accuracy (NaN, shown "—")
        old_accuracy, new_accuracy = (float(right[of_class].mean()) if of_class.any() else float("nan")
                                      for right in (old_right, new_right))
        classes.append(ClassChange(k, old_accuracy, new_accuracy,
                                   float(correlations[rows].mean()) if len(rows) else None, int(len(rows))))
    return Changes(
        previous_version=previous.version, previous_model_sha256=previous.model_sha256,
        old_accuracy=float(old_right.mean()), new_accuracy=float(new_right.mean()), classes=tuple(classes),
        newly_misclassified=changed(broken_shown, published),
        newly_fixed=changed(fixed_shown, published + len(broken_shown)),
        newly_misclassified_total=int(len(broken)), newly_fixed_total=int(len(fixed)),
        old_maps_from_arrays=from_arrays, old_maps_recomputed=int(len(index) - from_arrays),
        previous_output=previous.output,
    )
