"""Attributions for every test image, reduced to per-class mean maps.

Each test image is attributed to its TRUE class (so correct and misclassified images of a
class answer the same question: which pixels raised or lowered that class's logit), with
Integrated Gradients at ``whole_test_set_steps`` nodes; the maps are averaged per class,
separately for correctly classified and misclassified images.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from generator import attributions as attr
from generator.stages.results import ClassMeans
from generator.plumbing.settings import AttributionSettings


@dataclass(frozen=True)
class WholeTestSet:
    """Per-class means and the completeness of the maps behind them.

    Attributes:
        means: one entry per class.
        relative_error: (N,) completeness error of each test image's IG map.
        steps: quadrature nodes used.
    """

    means: tuple[ClassMeans, ...]
    relative_error: np.ndarray
    steps: int


def class_means(maps: np.ndarray, labels: np.ndarray, predictions: np.ndarray, classes: int = 10) -> tuple[ClassMeans, ...]:
    """Mean signed and absolute maps per true class, correct vs misclassified.

    Args:
        maps: (N, H, W) attribution maps (channels already reduced).
        labels: (N,) true classes.
        predictions: (N,) predicted classes.
        classes: number of classes.
    """
    zeros = np.zeros(maps.shape[1:], dtype=np.float64)

    def mean(selected: np.ndarray) -> np.ndarray:
        return maps[selected].astype(np.float64).mean(axis=0) if selected.any() else zeros

    result = []
    for k in range(classes):
        correct = (labels == k) & (predictions == k)
        wrong = (labels == k) & (predictions != k)
        result.append(ClassMeans(
            label=k, correct=int(correct.sum()), misclassified=int(wrong.sum()),
            signed_correct=mean(correct), absolute_correct=np.abs(maps[correct]).mean(axis=0) if correct.any() else zeros,
            signed_misclassified=mean(wrong), absolute_misclassified=np.abs(maps[wrong]).mean(axis=0) if wrong.any() else zeros,
        ))
    return tuple(result)


def attribute_whole_test_set(
    grad_fn: attr.GradientFunction,
    images: np.ndarray,
    labels: np.ndarray,
    predictions: np.ndarray,
    settings: AttributionSettings,
    log: Callable[[str], None] = print,
) -> WholeTestSet:
    """IG of every test image for its true class, reduced to :func:`class_means`.

    Args:
        grad_fn: gradient function of the model's logits.
        images: (N, H, W, C) float32 test images in the model's scale.
        labels: (N,) true classes (the targets).
        predictions: (N,) predicted classes.
        settings: quadrature rule, baseline, chunk size and ``whole_test_set_steps``.
        log: progress sink.
    """
    steps = settings.whole_test_set_steps
    every = max(len(images) * steps // 10, 1)

    def progress(done: int, total: int) -> None:
        if done == total or done % every < settings.chunk_size:
            log(f"whole test set: {done}/{total} image-steps")

    ig = attr.integrated_gradients(grad_fn, images, labels, steps=steps, baseline=settings.baseline,
                                   method=settings.method, chunk_size=settings.chunk_size, on_chunk=progress)
    # Both ends of the completeness check need only the logits: a forward pass, a third of a
    # gradient evaluation. The baseline is one constant image, the same for every test image.
    rows = np.arange(len(images))
    at_input = grad_fn.logits(images)[rows, labels]
    at_baseline = grad_fn.logits(np.full_like(images[:1], settings.baseline))[0, labels]
    check = attr.completeness(ig, at_input, at_baseline)
    return WholeTestSet(class_means(ig.sum(axis=-1), labels, predictions), check.relative_error, steps)


def to_dict(whole: WholeTestSet) -> dict[str, np.ndarray]:
    """Flat arrays for the cache; inverse of :func:`from_dict`."""
    names = ("signed_correct", "absolute_correct", "signed_misclassified", "absolute_misclassified")
    flat = {name: np.stack([getattr(m, name) for m in whole.means]) for name in names}
    flat["counts"] = np.array([[m.correct, m.misclassified] for m in whole.means], dtype=np.int64)
    flat["relative_error"] = whole.relative_error
    flat["steps"] = np.array(whole.steps)
    return flat


def from_dict(flat: dict[str, np.ndarray]) -> WholeTestSet:
    means = tuple(
        ClassMeans(k, int(flat["counts"][k, 0]), int(flat["counts"][k, 1]), flat["signed_correct"][k],
                   flat["absolute_correct"][k], flat["signed_misclassified"][k], flat["absolute_misclassified"][k])
        for k in range(len(flat["counts"]))
    )
    return WholeTestSet(means, flat["relative_error"], int(flat["steps"]))
