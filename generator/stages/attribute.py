"""The attribution stage: every map for every (example, target) row, its checks included (see
:mod:`generator.stages.checked_maps`), and the arrays as the pages and the cache take them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from generator import attributions as attr
from generator.attributions.expected_gradients import expected_gradients_halves
from generator.method_functions import MapRequest
from generator.methods import contrast_methods, keys, method, methods, shown_input
from generator.plumbing.settings import AttributionSettings
from generator.stages.checked_maps import (CheckedMaps, Log, adaptive_checked_maps, checked_expected_gradients,
                                           checked_integrated_gradients)
from generator.stages.results import AttributionRow, ContrastMap, Evaluation, Example, MapsByKey


@dataclass(frozen=True)
class AttributionArrays(MapsByKey):
    """One row per (example, target) pair; maps shaped like the model input (R, H, W, C).

    Attributes:
        index: (R,) test index.
        target: (R,) attributed class.
        image: (R, H, W, C) float32 input in the model's scale.
        maps: method key → (R, H, W, C) float32 maps, for every method of the catalogue without a
            completeness check (those are in ``ig`` and ``eg``: its ``checked_as``), catalogue order.
        noise: method key → (R,) each map's noise from its two halves of samples (relative L1
            distance to the method's expectation; NaN when not known), for the methods with ``halves``.
        ig: Integrated Gradients with completeness, per row.
        eg: Expected Gradients with completeness, per row.
        contrast_index: (M,) test indices of the misclassified examples.
        contrast: IG of logit_pred − logit_true for each of them.
        contrast_eg: EG of logit_pred − logit_true for each of them.
    """

    index: np.ndarray
    target: np.ndarray
    image: np.ndarray
    maps: dict[str, np.ndarray]
    noise: dict[str, np.ndarray]
    ig: CheckedMaps
    eg: CheckedMaps
    contrast_index: np.ndarray
    contrast: CheckedMaps
    contrast_eg: CheckedMaps

    def map(self, key: str) -> np.ndarray:
        """(R, H, W, C) maps of method ``key``, checked or not (``arrays.<key>`` reads ``maps`` only)."""
        checked = method(key).checked_as
        return self.maps[key] if checked is None else getattr(self, checked).maps

    def contrast_of(self, key: str) -> CheckedMaps:
        """The checked contrast maps of method ``key`` (one of the methods with a contrast map)."""
        return getattr(self, method(key).contrast_as)


CHECKED_FIELDS = ("ig", "eg", "contrast", "contrast_eg")
"""The fields of :class:`AttributionArrays` that hold :class:`CheckedMaps`."""


def non_finite_rows(arrays: AttributionArrays) -> int:
    """How many rows (per-target and contrast) have a map with a NaN or infinite value, in any method."""
    def broken(*methods: np.ndarray) -> int:
        rows = np.zeros(len(methods[0]), dtype=bool)
        for maps in methods:
            rows |= ~np.isfinite(maps).all(axis=tuple(range(1, maps.ndim)))
        return int(rows.sum())

    return (broken(*(arrays.map(key) for key in keys()))
            + broken(*(arrays.contrast_of(m.key).maps for m in contrast_methods())))


def arrays_to_dict(arrays: AttributionArrays) -> dict[str, np.ndarray]:
    """Flat dict of arrays (for the cache): a method's maps under its key, its noise under
    ``<key>_noise``; inverse of :func:`arrays_from_dict`."""
    flat: dict[str, np.ndarray] = {}
    for field in dataclasses.fields(arrays):
        value = getattr(arrays, field.name)
        if isinstance(value, CheckedMaps):
            flat.update({f"{field.name}.{f.name}": getattr(value, f.name) for f in dataclasses.fields(value)})
        elif field.name == "maps":
            flat.update(value)
        elif field.name == "noise":
            flat.update({f"{key}_noise": noise for key, noise in value.items()})
        else:
            flat[field.name] = value
    return flat


def arrays_from_dict(flat: dict[str, np.ndarray]) -> AttributionArrays:
    values: dict[str, object] = {
        "maps": {m.key: flat[m.key] for m in methods() if m.checked_as is None},
        "noise": {m.key: flat[f"{m.key}_noise"] for m in methods() if m.halves is not None}}
    for field in dataclasses.fields(AttributionArrays):
        if field.name in CHECKED_FIELDS:
            values[field.name] = CheckedMaps(**{f.name: flat[f"{field.name}.{f.name}"] for f in dataclasses.fields(CheckedMaps)})
        elif field.name not in values:
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
    maps, noise = unchecked_maps(MapRequest(grad_fn, images, target, settings, seed, baselines,
                                            known_gradient=gradient))
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
        maps=maps,
        noise=noise,
        ig=ig,
        eg=eg,
        contrast_index=np.asarray(index, np.int64)[predicted_row],
        contrast=contrast,
        contrast_eg=contrast_eg,
    )


def unchecked_maps(request: MapRequest) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The maps of every method without a completeness check (by its function, or as two halves
    when it states its noise) and the (R,) noise of those with halves."""
    maps, noise = {}, {}
    for m in methods():
        if m.checked_as is not None:
            continue
        if m.halves is None:
            maps[m.key] = m.compute(request)
        else:
            halves = m.halves(request)
            maps[m.key], noise[m.key] = halves.maps, halves.noise()
    return maps, noise


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
            image=shown_input(arrays.image[rows[0]]),
            rows=tuple(_row(arrays, r, tolerance) for r in rows),
            contrast=None if m is None else ContrastMap(
                {c.key: c.reduced(arrays.contrast_of(c.key).maps[m]) for c in contrast_methods()},
                arrays.contrast.completeness(m, tolerance), arrays.contrast_eg.completeness(m)),
        ))
    return tuple(examples)


def _row(arrays: AttributionArrays, r: int, tolerance: float) -> AttributionRow:
    return AttributionRow(
        target=int(arrays.target[r]),
        maps={m.key: m.reduced(arrays.map(m.key)[r]) for m in methods()},
        completeness=arrays.ig.completeness(r, tolerance),
        eg_completeness=arrays.eg.completeness(r),
        noise={key: float(noise[r]) for key, noise in arrays.noise.items()},
    )
