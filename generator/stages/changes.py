"""What changed since a previous report: accuracy, newly broken and fixed images, map drift.

The previous report is a local copy of its site (``manifest.json``, ``data/predictions.npz``,
``data/attributions.npz``, ``data/model.keras``). Old maps come from its published arrays
where it has the same (image, class) row, and are otherwise recomputed with its published
model, so every comparison shows the old and the new model on the same images.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from generator import attributions as attr
from generator.plumbing.errors import UserError
from generator.plumbing.settings import AttributionSettings
from generator.stages.similarity import spearman_rows

MAX_LISTED = 24
"""Newly broken / newly fixed images shown with maps (each list, the most confident first)."""


class ChangesError(UserError):
    """The previous report cannot be compared with this one; the message says why."""


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


def load_previous(directory: Path, labels: np.ndarray) -> dict[str, Any]:
    """Read and check a previous report; raises :class:`ChangesError` with what is missing."""
    needed = ["manifest.json", "data/predictions.npz", "data/attributions.npz", "data/model.keras"]
    missing = [name for name in needed if not (directory / name).is_file()]
    if missing:
        raise ChangesError(f"previous report {directory} lacks {', '.join(missing)}; pass a copy of an earlier "
                           "site/ directory to --previous")
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        with np.load(directory / "data" / "predictions.npz", allow_pickle=False) as archive:
            predictions = {key: archive[key] for key in archive.files}
        with np.load(directory / "data" / "attributions.npz", allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in ("index", "target", "integrated_gradients")}
    except (OSError, ValueError, KeyError) as error:
        raise ChangesError(f"previous report {directory} is unreadable: {error}") from None
    if not np.array_equal(predictions.get("label"), labels):
        raise ChangesError(f"previous report {directory} was built on other test data; compare reports of the same data")
    return {"manifest": manifest, "predictions": predictions, "arrays": arrays}


def old_maps(previous: dict[str, Any], directory: Path, images: np.ndarray, index: np.ndarray, target: np.ndarray,
             settings: AttributionSettings) -> tuple[np.ndarray, int]:
    """IG maps of the previous model for (index, target) rows: from its arrays, else recomputed.

    Returns:
        (maps (R, H, W, C) float32, how many came from the previous arrays).
    """
    from generator.stages.model import load_keras

    arrays = previous["arrays"]
    row_of = {(int(i), int(t)): r for r, (i, t) in enumerate(zip(arrays["index"], arrays["target"]))}
    found = [row_of.get((int(i), int(t))) for i, t in zip(index, target)]
    maps = np.zeros_like(images)
    have = np.array([r is not None for r in found], dtype=bool)
    if have.any():
        maps[have] = arrays["integrated_gradients"][[r for r in found if r is not None]]
    if (~have).any():
        model = load_keras(directory / "data" / "model.keras")
        maps[~have] = attr.integrated_gradients(model, images[~have], target[~have], baseline=settings.baseline,
                                                **settings.ig_options())
    return maps, int(have.sum())


def compute_changes(directory: Path, labels: np.ndarray, images: np.ndarray, evaluation: Any, current: Any,
                    grad_fn: attr.GradFn, settings: AttributionSettings, log: Callable[[str], None]) -> Changes:
    """Compare this report with the previous one in ``directory``.

    Args:
        directory: the previous site copy.
        labels: (N,) true test labels.
        images: (N, H, W, C) float32 test images in the model's scale.
        evaluation: this model's :class:`~generator.stages.results.Evaluation`.
        current: this report's :class:`~generator.stages.attribute.AttributionArrays`.
        grad_fn: this model's gradient function.
        settings: IG settings for recomputed maps.
        log: progress sink.
    """
    previous = load_previous(directory, labels)
    old_predicted = previous["predictions"]["predicted"]
    old_confidence = previous["predictions"]["confidence"]
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
    old, from_arrays = old_maps(previous, directory, images[index], index, target, settings)

    def changed(rows: np.ndarray, offset: int) -> tuple[ChangedImage, ...]:
        return tuple(ChangedImage(
            int(i), int(labels[i]), int(old_predicted[i]), int(new_predicted[i]), float(old_confidence[i]),
            float(new_confidence[i]), images[i].sum(axis=-1), old[offset + n].sum(axis=-1), new[offset + n].sum(axis=-1),
        ) for n, i in enumerate(rows))

    published = len(current.index)
    correlations = spearman_rows(old[:published], new[:published])
    classes = []
    for k in range(len(evaluation.per_class_accuracy)):
        rows = np.flatnonzero((labels[current.index] == k) & np.isfinite(correlations))
        of_class = labels == k
        classes.append(ClassChange(k, float(old_right[of_class].mean()), float(new_right[of_class].mean()),
                                   float(correlations[rows].mean()) if len(rows) else None, int(len(rows))))
    manifest = previous["manifest"]
    return Changes(
        previous_version=str(manifest.get("tool", {}).get("version", "unknown")),
        previous_model_sha256=str(manifest.get("model", {}).get("sha256", "unknown")),
        old_accuracy=float(old_right.mean()), new_accuracy=float(new_right.mean()), classes=tuple(classes),
        newly_misclassified=changed(broken_shown, published),
        newly_fixed=changed(fixed_shown, published + len(broken_shown)),
        newly_misclassified_total=int(len(broken)), newly_fixed_total=int(len(fixed)),
        old_maps_from_arrays=from_arrays, old_maps_recomputed=int(len(index) - from_arrays),
    )
