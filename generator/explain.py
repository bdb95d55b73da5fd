"""The attribution stage: maps for every (example, target) row, with completeness enforced.

Integrated Gradients rows whose completeness error exceeds the tolerance are recomputed
with twice the steps, up to a cap; rows still above it stay flagged in their records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import attributions as attr
from .report import AttributionRow, Completeness, Evaluation, Example
from .settings import AttributionSettings

COMPLETENESS_TOLERANCE = 0.01
"""Relative completeness error every published IG map should meet."""
MAX_REFINED_STEPS = 1024
"""Cap on the doubling of IG steps for rows that miss the tolerance."""


@dataclass(frozen=True)
class AttributionArrays:
    """One row per (example, target) pair; maps shaped like the model input (R, H, W, C).

    Attributes:
        index: (R,) test index.
        target: (R,) attributed class.
        image: (R, H, W, C) float32 input in the model's scale.
        gradient, saliency, integrated_gradients: (R, H, W, C) float32 maps.
        attribution_sum, logit_delta, relative_error: (R,) float64 completeness check.
        steps: (R,) IG quadrature nodes actually used.
    """

    index: np.ndarray
    target: np.ndarray
    image: np.ndarray
    gradient: np.ndarray
    saliency: np.ndarray
    integrated_gradients: np.ndarray
    attribution_sum: np.ndarray
    logit_delta: np.ndarray
    relative_error: np.ndarray
    steps: np.ndarray


def compute_attributions(
    model: Any,
    images: np.ndarray,
    index: np.ndarray,
    target: np.ndarray,
    settings: AttributionSettings,
    log: Callable[[str], None] = print,
) -> AttributionArrays:
    """Gradient, saliency and IG for each row, refining IG where completeness misses.

    Args:
        model: the Keras model (attributed on its logits).
        images: (R, H, W, C) float32 inputs, one per row.
        index: (R,) test index of each row.
        target: (R,) class to attribute for each row.
        settings: steps, quadrature rule, baseline and chunk size.
        log: progress sink.
    """
    grad_fn = attr.GradientFunction(model, chunk_size=settings.chunk_size)
    gradient, logit_x = grad_fn(images, target)
    baseline = np.full_like(images, settings.baseline)
    _, logit_baseline = grad_fn(baseline, target)

    def progress(done: int, total: int) -> None:
        if done == total or (done // settings.chunk_size) % 20 == 0:
            log(f"attributions: {done}/{total} image-steps")

    steps = np.full(len(images), settings.steps, dtype=np.int64)
    ig = attr.integrated_gradients(
        grad_fn, images, target, steps=settings.steps, baseline=settings.baseline,
        method=settings.method, chunk_size=settings.chunk_size, on_chunk=progress,
    )
    check = attr.completeness(ig, logit_x, logit_baseline)
    current = settings.steps
    while current * 2 <= MAX_REFINED_STEPS:
        missing = np.flatnonzero(check.relative_error > COMPLETENESS_TOLERANCE)
        if len(missing) == 0:
            break
        current *= 2
        log(f"attributions: {len(missing)} row(s) above {COMPLETENESS_TOLERANCE:.0%} completeness error, retrying with {current} steps")
        ig[missing] = attr.integrated_gradients(
            grad_fn, images[missing], target[missing], steps=current, baseline=settings.baseline,
            method=settings.method, chunk_size=settings.chunk_size,
        )
        steps[missing] = current
        check = attr.completeness(ig, logit_x, logit_baseline)
    return AttributionArrays(
        index=np.asarray(index, np.int64),
        target=np.asarray(target, np.int64),
        image=images,
        gradient=gradient,
        saliency=attr.saliency_from_gradient(gradient),
        integrated_gradients=ig,
        attribution_sum=check.attribution_sum,
        logit_delta=check.logit_delta,
        relative_error=check.relative_error,
        steps=steps,
    )


def to_examples(arrays: AttributionArrays, labels: np.ndarray, evaluation: Evaluation) -> tuple[Example, ...]:
    """Group rows by test image into display-ready examples (channels reduced to (H, W))."""
    examples: list[Example] = []
    rows_of: dict[int, list[int]] = {}
    for row, test_index in enumerate(arrays.index.tolist()):
        rows_of.setdefault(test_index, []).append(row)
    for test_index, rows in rows_of.items():
        examples.append(
            Example(
                test_index=test_index,
                true_label=int(labels[test_index]),
                predicted=int(evaluation.predictions[test_index]),
                confidence=float(evaluation.confidences[test_index]),
                image=arrays.image[rows[0]].sum(axis=-1),
                rows=tuple(_row(arrays, r) for r in rows),
            )
        )
    return tuple(examples)


def _row(arrays: AttributionArrays, r: int) -> AttributionRow:
    return AttributionRow(
        target=int(arrays.target[r]),
        gradient=arrays.gradient[r].sum(axis=-1),
        saliency=arrays.saliency[r].max(axis=-1),
        integrated_gradients=arrays.integrated_gradients[r].sum(axis=-1),
        completeness=Completeness(
            attribution_sum=float(arrays.attribution_sum[r]),
            logit_delta=float(arrays.logit_delta[r]),
            relative_error=float(arrays.relative_error[r]),
            steps=int(arrays.steps[r]),
        ),
    )
