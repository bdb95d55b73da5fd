"""The attribution stage: every map for every (example, target) row, completeness enforced.

Integrated-Gradients maps are refined map by map until their completeness error and their change
at a doubling are within the settings' tolerances (adaptive, ``attribution.steps = 0``; the
contrast of a mistake is the difference of its two rows' maps, refined together), or, with a
fixed node count, those above the 1% tolerance are recomputed with twice the steps; either way up
to a cap, and maps still above it stay flagged in their records.
Expected-Gradients maps record their completeness error (it holds in expectation only, so it
is measured and published, not enforced).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from generator import attributions as attr
from generator.stages.results import COMPLETENESS_TOLERANCE, AttributionRow, Completeness, ContrastMap, Evaluation, Example
from generator.attributions.expected_gradients import expected_gradients_halves
from generator.attributions.halves import Halves
from generator.attributions.smoothgrad import smoothgrad_halves
from generator.plumbing.settings import AttributionSettings
MAX_REFINED_STEPS = 4096
"""Cap on the doubling of IG steps for maps that miss the tolerance."""
Log = Callable[[str], None]


@dataclass(frozen=True)
class CheckedMaps:
    """IG or EG maps with their completeness check; (R,) arrays beside (R, H, W, C) maps.
    ``steps`` counts gradient evaluations per map: quadrature nodes (IG) or draws (EG).
    ``spread`` estimates each map's relative L1 distance to what it approximates: an adaptive IG
    map's change at its last doubling, an EG map's noise from its two halves of draws (NaN when
    not known)."""

    maps: np.ndarray
    attribution_sum: np.ndarray
    logit_delta: np.ndarray
    relative_error: np.ndarray
    steps: np.ndarray
    spread: np.ndarray

    def completeness(self, r: int) -> Completeness:
        return Completeness(float(self.attribution_sum[r]), float(self.logit_delta[r]),
                            float(self.relative_error[r]), int(self.steps[r]), float(self.spread[r]))


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


def adaptive_checked_maps(grad_fn: attr.GradFn, images: np.ndarray, targets: np.ndarray, contrast_rows: np.ndarray,
                          settings: AttributionSettings, log: Log) -> tuple[CheckedMaps, CheckedMaps]:
    """Adaptive IG of every row, and of every contrast at no evaluations of its own: the two rows of
    a contrast are refined together, so their maps share nodes and the contrast map is their
    difference (see :func:`~generator.attributions.adaptive.adaptive_integrated_gradients`).

    Args:
        grad_fn: gradient function of the model's logits.
        images: (R, H, W, C) float32; targets: (R,) classes.
        contrast_rows: (M, 2) rows (predicted class, true class) of one image each.
        settings: tolerances, baseline and chunk size.
        log: progress sink.
    """
    from generator.attributions.adaptive import adaptive_integrated_gradients

    found = adaptive_integrated_gradients(grad_fn, images, targets, tolerance=settings.tolerance,
                                          map_tolerance=settings.map_tolerance, max_intervals=MAX_REFINED_STEPS,
                                          baseline=settings.baseline, chunk_size=settings.chunk_size,
                                          pairs=contrast_rows)
    if len(images):
        log(f"attributions: adaptive IG, {found.evaluations.mean():.1f} gradient evaluations per map on average "
            f"(most {found.evaluations.max()}); the {len(contrast_rows)} contrast maps need none of their own")

    def checked(maps: Any) -> CheckedMaps:
        check = attr.completeness(maps.maps, maps.score_input, maps.score_baseline)
        return CheckedMaps(maps.maps, check.attribution_sum, check.logit_delta, check.relative_error,
                           maps.evaluations, maps.change)

    return checked(found), checked(found.differences)


def checked_integrated_gradients(
    grad_fn: attr.GradFn, images: np.ndarray, targets: np.ndarray, score_x: np.ndarray, settings: AttributionSettings,
    log: Log,
) -> CheckedMaps:
    """IG at a fixed node count (``settings.steps``) with its completeness check; the maps above
    the tolerance are computed again with twice the nodes, up to a cap.

    Args:
        grad_fn: gradient function of the model's logits.
        images: (R, H, W, C) float32.
        targets: (R,) classes or (R, K) class weights (see :class:`~.attributions.GradFn`).
        score_x: (R,) the scores of ``images`` (the caller's gradient pass already has them).
        settings: steps, rule, baseline and chunk size.
        log: progress sink.
    """
    baseline = np.full_like(images, settings.baseline)
    _, score_baseline = grad_fn(baseline, targets)
    options = {"baseline": settings.baseline, "method": settings.method, "chunk_size": settings.chunk_size}

    def progress(done: int, total: int) -> None:
        if done == total or (done // settings.chunk_size) % 20 == 0:
            log(f"attributions: {done}/{total} image-steps")

    maps = attr.integrated_gradients(grad_fn, images, targets, steps=settings.steps, on_chunk=progress, **options)
    steps = np.full(len(images), settings.steps, dtype=np.int64)
    check = attr.completeness(maps, score_x, score_baseline)
    current = settings.steps
    while current * 2 <= MAX_REFINED_STEPS:
        missing = np.flatnonzero(check.relative_error > COMPLETENESS_TOLERANCE)
        if len(missing) == 0:
            break
        current *= 2
        log(f"attributions: {len(missing)} map(s) above {COMPLETENESS_TOLERANCE:.0%} completeness error, "
            f"retrying with {current} steps")
        maps[missing] = attr.integrated_gradients(grad_fn, images[missing], targets[missing], steps=current, **options)
        steps[missing] = current
        check = attr.completeness(maps, score_x, score_baseline)
    return CheckedMaps(maps, check.attribution_sum, check.logit_delta, check.relative_error, steps,
                       np.full(len(images), np.nan))


def checked_expected_gradients(grad_fn: attr.GradFn, images: np.ndarray, targets: np.ndarray, score_x: np.ndarray,
                               baselines: np.ndarray, baseline_logits: np.ndarray, settings: AttributionSettings,
                               seed: int, halves: Halves) -> CheckedMaps:
    """Expected Gradients with its completeness check against each map's own drawn baselines.

    Args:
        grad_fn: gradient function of the model's logits.
        images: (R, H, W, C) float32.
        targets: (R,) classes or (R, K) class weights.
        score_x: (R,) the scores of ``images``.
        baselines: (B, H, W, C) the images baselines are drawn from.
        baseline_logits: (B, K) their logits.
        settings: draws per map and chunk size.
        seed: seed of the draws.
        halves: the maps, as their two halves of draws (which also give each map's noise).
    """
    samples = settings.expected_gradients_samples
    maps = halves.maps
    reference = attr.baseline_scores(baseline_logits, images, targets, len(baselines), samples, seed)
    check = attr.completeness(maps, score_x, reference)
    return CheckedMaps(maps, check.attribution_sum, check.logit_delta, check.relative_error,
                       np.full(len(images), samples, dtype=np.int64), halves.noise())


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


def to_examples(arrays: AttributionArrays, labels: np.ndarray, evaluation: Evaluation) -> tuple[Example, ...]:
    """Group rows by test image into display-ready examples (channels reduced to (H, W))."""
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
            rows=tuple(_row(arrays, r) for r in rows),
            contrast=None if m is None else ContrastMap(
                arrays.contrast.maps[m].sum(axis=-1), arrays.contrast.completeness(m),
                arrays.contrast_eg.maps[m].sum(axis=-1), arrays.contrast_eg.completeness(m)),
        ))
    return tuple(examples)


def _row(arrays: AttributionArrays, r: int) -> AttributionRow:
    return AttributionRow(
        target=int(arrays.target[r]),
        gradient=arrays.gradient[r].sum(axis=-1),
        saliency=arrays.saliency[r].max(axis=-1),
        gradient_x_input=arrays.gradient_x_input[r].sum(axis=-1),
        smoothgrad=arrays.smoothgrad[r].sum(axis=-1),
        smoothgrad_noise=float(arrays.smoothgrad_noise[r]),
        integrated_gradients=arrays.ig.maps[r].sum(axis=-1),
        expected_gradients=arrays.eg.maps[r].sum(axis=-1),
        completeness=arrays.ig.completeness(r),
        eg_completeness=arrays.eg.completeness(r),
    )
