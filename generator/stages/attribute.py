"""The attribution stage: every map for every (example, target) row, its checks included (see
:mod:`generator.stages.checked_maps`), and the arrays as the pages and the cache take them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from generator import attributions as attr
from generator.attributions.expected_gradients import expected_gradients_halves
from generator.attributions.smoothgrad import smoothgrad_halves
from generator.plumbing.settings import AttributionSettings
from generator.stages.checked_maps import (CheckedMaps, Log, adaptive_checked_maps, checked_expected_gradients,
                                           checked_integrated_gradients)
from generator.stages.results import AttributionRow, ContrastMap, Evaluation, Example


@dataclass(frozen=True)
class AttributionArrays:
    """One row per (example, target) pair; maps shaped like the model input (R, H, W, C).

    Attributes:
        index: (R,) test index.
        target: (R,) attributed class.
        image: (R, H, W, C) float32 input in the model's scale.
        gradient, saliency, gradient_x_input, smoothgrad: (R, H, W, C) float32 maps.
        smoothgrad_noise: (R,) each SmoothGrad map's noise from its two halves of samples
            (relative L1 distance to SmoothGrad's expectation; NaN when not known).
        ig: Integrated Gradients with completeness, per row.
        eg: Expected Gradients with completeness, per row.
        contrast_index: (M,) test indices of the misclassified examples.
        contrast: IG of logit_pred − logit_true for each of them.
        contrast_eg: EG of logit_pred − logit_true for each of them.
    """

    index: np.ndarray
    target: np.ndarray
    image: np.ndarray
    gradient: np.ndarray
    saliency: np.ndarray
    gradient_x_input: np.ndarray
    smoothgrad: np.ndarray
    smoothgrad_noise: np.ndarray
    ig: CheckedMaps
    eg: CheckedMaps
    contrast_index: np.ndarray
    contrast: CheckedMaps
    contrast_eg: CheckedMaps


def non_finite_rows(arrays: AttributionArrays) -> int:
    """How many rows (per-target and contrast) have a map with a NaN or infinite value, in any method."""
    def broken(*methods: np.ndarray) -> int:
        rows = np.zeros(len(methods[0]), dtype=bool)
        for maps in methods:
            rows |= ~np.isfinite(maps).all(axis=tuple(range(1, maps.ndim)))
        return int(rows.sum())

    return (broken(arrays.gradient, arrays.saliency, arrays.gradient_x_input, arrays.smoothgrad, arrays.ig.maps,
                   arrays.eg.maps) + broken(arrays.contrast.maps, arrays.contrast_eg.maps))


def arrays_to_dict(arrays: AttributionArrays) -> dict[str, np.ndarray]:
    """Flat dict of arrays (for the cache); inverse of :func:`arrays_from_dict`."""
    flat = {}
    for field in dataclasses.fields(arrays):
        value = getattr(arrays, field.name)
        if isinstance(value, CheckedMaps):
            flat.update({f"{field.name}.{f.name}": getattr(value, f.name) for f in dataclasses.fields(value)})
        else:
            flat[field.name] = value
    return flat


def arrays_from_dict(flat: dict[str, np.ndarray]) -> AttributionArrays:
    values: dict[str, object] = {}
    for field in dataclasses.fields(AttributionArrays):
        if field.name in ("ig", "eg", "contrast", "contrast_eg"):
            values[field.name] = CheckedMaps(**{f.name: flat[f"{field.name}.{f.name}"] for f in dataclasses.fields(CheckedMaps)})
        else:
            values[field.name] = flat[field.name]
    return AttributionArrays(**values)  # type: ignore[arg-type]


def compute_attributions(
    model: object,
    images: np.ndarray,
    index: np.ndarray,
    target: np.ndarray,
    contrast_rows: np.ndarray,
    settings: AttributionSettings,
    seed: int,
    baselines: np.ndarray,
    log: Log = print,
) -> AttributionArrays:
    """Every published map.

    Args:
        model: the Keras model (attributed on its logits) or a ready ``GradientFunction``.
        images: (R, H, W, C) float32 inputs, one per row.
        index: (R,) test index of each row.
        target: (R,) class to attribute for each row.
        contrast_rows: (M, 2) row numbers (predicted-class row, true-class row) of each
            misclassified example; its contrast map is IG of logit_pred − logit_true.
        settings: attribution settings.
        seed: seed of the SmoothGrad noise and of the Expected-Gradients draws.
        baselines: (B, H, W, C) images the Expected-Gradients baselines are drawn from.
        log: progress sink.
    """
    grad_fn = attr.as_grad_fn(model, settings.chunk_size)
    baseline_logits = class_logits(grad_fn, baselines)
    gradient, score = grad_fn(images, target)
    smooth = smoothgrad_halves(grad_fn, images, target, samples=settings.smoothgrad_samples,
                               noise_level=settings.smoothgrad_noise, seed=seed, chunk_size=settings.chunk_size)
    contrast_rows = np.asarray(contrast_rows, dtype=np.int64).reshape(-1, 2)
    predicted_row, true_row = contrast_rows[:, 0], contrast_rows[:, 1]
    weights = attr.contrast_weights(target[predicted_row], target[true_row], grad_fn.classes)
    if not np.array_equal(images[predicted_row], images[true_row]):
        raise ValueError("each contrast pairs two rows of the same image")
    contrast_score = score[predicted_row] - score[true_row]
    if settings.steps:
        ig = checked_integrated_gradients(grad_fn, images, target, score, settings, log)
        contrast = checked_integrated_gradients(grad_fn, images[predicted_row], weights, contrast_score, settings, log)
    else:
        ig, contrast = adaptive_checked_maps(grad_fn, images, target, contrast_rows, settings, log)
    log(f"attributions: Expected Gradients, {settings.expected_gradients_samples} draws per map")
    halves = expected_gradients_halves(grad_fn, images, target, baselines=baselines,
                                       samples=settings.expected_gradients_samples, seed=seed,
                                       chunk_size=settings.chunk_size)
    eg = checked_expected_gradients(grad_fn, images, target, score, baselines, baseline_logits, settings, seed, halves)
    # EG is linear in the score, and an image's draws depend on the image, not on the target: the
    # contrast map of logit_pred − logit_true is the predicted row's map minus the true row's, at no
    # further gradient evaluations.
    contrast_eg = checked_expected_gradients(grad_fn, images[predicted_row], weights, contrast_score, baselines,
                                             baseline_logits, settings, seed, halves.difference(predicted_row, true_row))
    return AttributionArrays(
        index=np.asarray(index, np.int64),
        target=np.asarray(target, np.int64),
        image=images,
        gradient=gradient,
        saliency=attr.saliency_from_gradient(gradient),
        gradient_x_input=images * gradient,
        smoothgrad=smooth.maps,
        smoothgrad_noise=smooth.noise(),
        ig=ig,
        eg=eg,
        contrast_index=np.asarray(index, np.int64)[predicted_row],
        contrast=contrast,
        contrast_eg=contrast_eg,
    )


def baseline_sample(train_images: int, count: int, seed: int) -> np.ndarray:
    """Sorted indices of ``count`` training images (all if fewer), drawn without replacement and
    seeded: the images Expected Gradients draws its baselines from."""
    if train_images <= count:
        return np.arange(train_images)
    return np.sort(np.random.default_rng([seed, count]).choice(train_images, size=count, replace=False))


def class_logits(grad_fn: attr.GradFn, images: np.ndarray) -> np.ndarray:
    """(N, K) logits of every class: the forward pass when the gradient function has one, else
    the score of each class in turn."""
    if hasattr(grad_fn, "logits"):
        return np.asarray(grad_fn.logits(images), dtype=np.float64)
    return np.stack([grad_fn(images, np.full(len(images), k))[1] for k in range(grad_fn.classes)],
                    axis=1).astype(np.float64)


def to_examples(arrays: AttributionArrays, labels: np.ndarray, evaluation: Evaluation,
                tolerance: float) -> tuple[Example, ...]:
    """Group rows by test image into display-ready examples (channels reduced to (H, W)), their
    IG maps held to ``tolerance`` (``attribution.flag_tolerance``)."""
    rows_of: dict[int, list[int]] = {}
    for row, test_index in enumerate(arrays.index.tolist()):
        rows_of.setdefault(test_index, []).append(row)
    contrast_of = {int(i): m for m, i in enumerate(arrays.contrast_index.tolist())}
    examples = []
    for test_index, rows in rows_of.items():
        m = contrast_of.get(test_index)
        examples.append(Example(
            test_index=test_index,
            true_label=int(labels[test_index]),
            predicted=int(evaluation.predictions[test_index]),
            confidence=float(evaluation.confidences[test_index]),
            image=arrays.image[rows[0]].sum(axis=-1),
            rows=tuple(_row(arrays, r, tolerance) for r in rows),
            contrast=None if m is None else ContrastMap(
                arrays.contrast.maps[m].sum(axis=-1), arrays.contrast.completeness(m, tolerance),
                arrays.contrast_eg.maps[m].sum(axis=-1), arrays.contrast_eg.completeness(m)),
        ))
    return tuple(examples)


def _row(arrays: AttributionArrays, r: int, tolerance: float) -> AttributionRow:
    return AttributionRow(
        target=int(arrays.target[r]),
        gradient=arrays.gradient[r].sum(axis=-1),
        saliency=arrays.saliency[r].max(axis=-1),
        gradient_x_input=arrays.gradient_x_input[r].sum(axis=-1),
        smoothgrad=arrays.smoothgrad[r].sum(axis=-1),
        smoothgrad_noise=float(arrays.smoothgrad_noise[r]),
        integrated_gradients=arrays.ig.maps[r].sum(axis=-1),
        expected_gradients=arrays.eg.maps[r].sum(axis=-1),
        completeness=arrays.ig.completeness(r, tolerance),
        eg_completeness=arrays.eg.completeness(r),
    )
