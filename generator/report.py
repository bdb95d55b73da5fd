"""Typed results passed from the computing stages to the presentation stages.

Computing stages (data, model, attributions, selection) fill these dataclasses; the
presentation stages (figures, pages, site) only read them. Arrays are NumPy, never
TensorFlow tensors, so presentation code never imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Completeness:
    """The completeness check of one Integrated-Gradients map.

    Attributes:
        attribution_sum: Σᵢ IGᵢ, in logit units.
        logit_delta: logit_t(x) − logit_t(x′), in logit units.
        relative_error: |attribution_sum − logit_delta| / max(|logit_delta|, 1e-6).
        steps: number of quadrature nodes used for this map.
    """

    attribution_sum: float
    logit_delta: float
    relative_error: float
    steps: int


@dataclass(frozen=True)
class AttributionRow:
    """The maps of one (example, target class) pair.

    All maps have shape (H, W) (channels already reduced for display: the gradient
    and IG summed over channels, the saliency max over channels; MNIST has one channel).

    Attributes:
        target: class index whose logit was differentiated.
        gradient: ∂logit_t/∂x, logit units per unit of input intensity.
        saliency: |∂logit_t/∂x|, same units.
        integrated_gradients: IG map, logit units (sums to ≈ logit_delta).
        completeness: the completeness check of the IG map.
    """

    target: int
    gradient: np.ndarray
    saliency: np.ndarray
    integrated_gradients: np.ndarray
    completeness: Completeness


@dataclass(frozen=True)
class Example:
    """One published test image with its attribution rows.

    Attributes:
        test_index: index into the test split.
        true_label: ground-truth class index.
        predicted: argmax of the model's logits.
        confidence: softmax probability of the predicted class, in [0, 1].
        image: (H, W) float32 image in the model's input scale (here [0, 1]).
        rows: one row for a correctly classified image (target = true class); two rows
            for a misclassified one (first the predicted class, then the true class).
    """

    test_index: int
    true_label: int
    predicted: int
    confidence: float
    image: np.ndarray
    rows: tuple[AttributionRow, ...]

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
        per_class_accuracy: (K,) accuracy per true class (recall).
        confusion: (K, K) int counts, rows = true class, columns = predicted class.
        predictions: (N_test,) predicted class per test image.
        confidences: (N_test,) softmax probability of the predicted class.
    """

    accuracy: float
    per_class_accuracy: np.ndarray
    confusion: np.ndarray
    predictions: np.ndarray
    confidences: np.ndarray
