"""Typed results passed from the computing stages to the presentation stages.

Computing stages (data, model, attributions, selection) fill these dataclasses; the
presentation stages (figures, pages, site) only read them. Arrays are NumPy, never
TensorFlow tensors, so presentation code never imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any

import numpy as np

from generator.plumbing.settings import COMPLETENESS_FLOOR



@dataclass(frozen=True)
class Completeness:
    """The completeness check of one Integrated-Gradients (or Expected-Gradients) map.

    Attributes:
        attribution_sum: Σᵢ IGᵢ, in logit units.
        logit_delta: logit_t(x) − logit_t(x′), in logit units; for Expected Gradients
            logit_t(x) minus the mean logit of its drawn baselines.
        relative_error: |attribution_sum − logit_delta| / max(|logit_delta|, 1e-6).
        steps: number of quadrature nodes used for this map (Expected Gradients: draws).
        spread: estimated relative L1 distance of the map to what it approximates: IG's change
            at its last doubling (adaptive), EG's noise from its two halves of draws; NaN if
            not known.
        tolerance: the relative error the map is held to
            (:attr:`~generator.plumbing.settings.AttributionSettings.flag_tolerance`).
    """

    attribution_sum: float
    logit_delta: float
    relative_error: float
    steps: int
    spread: float = float("nan")
    tolerance: float = COMPLETENESS_FLOOR

    @property
    def within_tolerance(self) -> bool:
        return bool(self.relative_error <= self.tolerance)


class MapsByKey:
    """Maps held by method key (``maps``), read as ``x.map(key)`` or as an attribute ``x.<key>``
    (e.g. ``row.integrated_gradients``)."""

    maps: Mapping[str, np.ndarray]

    def map(self, key: str) -> np.ndarray:
        """The (H, W) map of method ``key``."""
        return self.maps[key]

    def __getattr__(self, name: str) -> np.ndarray:
        maps = self.__dict__.get("maps")
        if maps is None or name not in maps:
            raise AttributeError(name)
        return maps[name]


@dataclass(frozen=True)
class AttributionRow(MapsByKey):
    """The maps of one (example, target class) pair.

    All maps have shape (H, W) (channels already reduced for display as each method says,
    :meth:`generator.methods.Method.reduced`: summed, or the max for saliency).

    Attributes:
        target: class index whose logit was differentiated.
        maps: method key → its map, one per method of the catalogue (:mod:`generator.methods`),
            in its order; units as the method's ``unit`` says.
        completeness: the completeness check of the IG map (sums to ≈ logit_delta).
        eg_completeness: that of the Expected-Gradients map (it holds in expectation).
        noise: method key → its map's estimated relative L1 distance to its expectation, from
            its two halves of samples (the methods with ``halves``, e.g. SmoothGrad); NaN if not known.
    """

    target: int
    maps: Mapping[str, np.ndarray]
    completeness: Completeness
    eg_completeness: Completeness
    noise: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ContrastMap(MapsByKey):
    """The contrast maps of a misclassified image: score_pred − score_true attributed by every
    method that has one (:func:`generator.methods.contrast_methods`), (H, W) in logit units.

    Positive pixels pushed the model towards the predicted class and away from the true one.

    Attributes:
        maps: method key → its contrast map.
        completeness: the IG contrast map's completeness check.
        eg_completeness: the EG contrast map's.
    """

    maps: Mapping[str, np.ndarray]
    completeness: Completeness
    eg_completeness: Completeness


@dataclass(frozen=True)
class Example:
    """One published test image with its attribution rows.

    Attributes:
        test_index: index into the test split.
        true_label: ground-truth class index.
        predicted: argmax of the model's logits.
        confidence: softmax probability of the predicted class, in [0, 1].
        image: (H, W) float32 image in pixel/255, [0, 1], whatever scale the model reads; (H, W, 3)
            for a colour image (:func:`generator.methods.shown_input`).
        rows: one row for a correctly classified image (target = true class); two rows
            for a misclassified one (first the predicted class, then the true class).
        contrast: for a misclassified image, IG and EG of logit_pred − logit_true; else None.
    """

    test_index: int
    true_label: int
    predicted: int
    confidence: float
    image: np.ndarray
    rows: tuple[AttributionRow, ...]
    contrast: ContrastMap | None = None

    @property
    def correct(self) -> bool:
        return self.true_label == self.predicted


@dataclass(frozen=True)
class TrainingHistory:
    """Per-epoch training curves (lists of equal length, one value per epoch)."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Evaluation:
    """How the model does on the whole test split.

    Attributes:
        accuracy: overall test accuracy in [0, 1].
        per_class_accuracy: (K,) accuracy per true class (recall); NaN for a class without test images.
        confusion: (K, K) int counts, rows = true class, columns = predicted class.
        predictions: (N_test,) predicted class per test image.
        confidences: (N_test,) softmax probability of the predicted class.
        margins: (N_test,) top logit minus the runner-up logit, in logit units: how far
            the image is from the decision boundary of its predicted class.
    """

    accuracy: float
    per_class_accuracy: np.ndarray
    confusion: np.ndarray
    predictions: np.ndarray
    confidences: np.ndarray
    margins: np.ndarray


@dataclass(frozen=True)
class ClassMeans:
    """Mean IG maps over every test image of one true class (target = that class).

    Maps are (H, W) in logit units; a group with no images has all-zero maps.

    Attributes:
        label: the true class.
        correct: how many of its test images the model got right.
        misclassified: how many it got wrong.
        signed_correct, absolute_correct: mean IG and mean |IG| over the correct ones.
        signed_misclassified, absolute_misclassified: the same over the misclassified ones.
    """

    label: int
    correct: int
    misclassified: int
    signed_correct: np.ndarray
    absolute_correct: np.ndarray
    signed_misclassified: np.ndarray
    absolute_misclassified: np.ndarray


@dataclass(frozen=True)
class CompletenessSummary:
    """Completeness over every published IG map (the per-target maps and the contrast maps).

    Attributes:
        tolerance: the relative error every map should meet
            (:attr:`~generator.plumbing.settings.AttributionSettings.flag_tolerance`).
        median_relative_error, max_relative_error: over the finite errors (NaN if none).
        maps: how many IG maps there are.
        maps_above_tolerance: maps whose error is above the tolerance or not finite.
        maps_not_finite: maps with NaN or Inf values.
        median_map_change, max_map_change: over the IG maps' changes at their last doubling
            (adaptive IG; NaN if none is known).
        median_eg_noise, max_eg_noise: over the Expected-Gradients maps' estimated noise (the
            per-target and the contrast maps; NaN if none is known).
        nodes: how many IG maps used each number of quadrature nodes, fewest nodes first.
    """

    tolerance: float
    median_relative_error: float
    max_relative_error: float
    maps: int
    maps_above_tolerance: int
    maps_not_finite: int
    median_map_change: float = float("nan")
    max_map_change: float = float("nan")
    median_eg_noise: float = float("nan")
    max_eg_noise: float = float("nan")
    nodes: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildFacts:
    """What the report was built from, as it is published: the manifest and the "How this
    report was made" page both state these.

    Attributes:
        tool_version: this tool's version.
        settings: the build settings as a plain dict, paths shown relative or as ``…/name``.
        data_source: where the data came from, paths redacted the same way.
        data_name, data_description: what the pages call the dataset
            (:func:`generator.stages.naming.dataset_words`).
        data_sha256, model_sha256: hashes of the dataset and of the model file.
        train_images, test_images: sizes of the two splits.
        model_description: how the model came about (trained here, or loaded).
        test_accuracy: accuracy on the test split, in [0, 1].
        completeness_tolerance: the relative completeness error every published IG map is held to
            (:attr:`~generator.plumbing.settings.AttributionSettings.flag_tolerance`).
    """

    tool_version: str
    settings: dict[str, Any]
    data_source: str
    data_name: str
    data_description: str
    data_sha256: str
    train_images: int
    test_images: int
    model_sha256: str
    model_description: str
    test_accuracy: float
    completeness_tolerance: float
