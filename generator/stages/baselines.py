"""The baseline study: what the choice of baseline lets an attribution map see.

With the black baseline, Integrated Gradients is exactly zero wherever the input is black, so
it cannot show that *missing* ink mattered (Sturmfels, Lundberg and Lee, 2020, "Visualizing the
Impact of Feature Attribution Baselines"). This stage measures that on the report's own model:

- for three published examples (the most confident correct one, and the two mistakes whose
  contrastive Expected Gradients puts the largest share of its |attribution| on black pixels),
  IG with four baselines (black, a blurred copy of the input, uniform noise, the mean training
  image) and Expected Gradients, each with its completeness check (:func:`study_maps`);
- over every published map, the share of each gallery method's |attribution| that falls on
  pixels that are black in the input (:func:`black_shares`).

Computing only; the figure is drawn by :mod:`generator.figures.baselines` and the page written
by :mod:`generator.pages.baselines`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from generator import attributions as attr
from generator.plumbing.settings import AttributionSettings
from generator.stages.attribute import AttributionArrays, class_logits
from generator.stages.faithfulness_controls import BLUR_SIGMA, blur

BASELINES_FORMAT = 2
"""Bump when this stage changes what it computes, so cached results are dropped."""
COLUMNS = ("black", "blur", "noise", "mean", "expected_gradients")
"""The study's maps: IG with each baseline, then Expected Gradients."""
GALLERY_MAPS = ("gradient", "saliency", "gradient_x_input", "smoothgrad", "integrated_gradients", "expected_gradients")
__all__ = ["BASELINES_FORMAT", "BLUR_SIGMA", "COLUMNS", "BaselineStudy", "black_shares", "choose_rows", "from_arrays", "study_maps"]


@dataclass(frozen=True)
class BaselineStudy:
    """The maps of the three examples and the black-pixel shares.

    Attributes:
        test_index: (3,) test indices, the correct example first.
        predicted, true: (3,) classes of each example.
        images: (3, H, W) inputs.
        maps: (3, len(COLUMNS), H, W) maps of the score: the class logit for the correct
            example, logit_pred − logit_true for a mistake.
        attribution_sum, score_delta, relative_error: (3, len(COLUMNS)) completeness: Σ map
            against score(x) − score(baseline) (EG: minus the mean over its drawn baselines).
        study_black_share: (len(COLUMNS),) share of the three examples' |attribution| on black pixels.
        eg_missing_ink: (3,) share of each example's positive Expected-Gradients attribution on black
            pixels: where ink is absent, and its absence raised the score.
        black_share: gallery method key → share of its |attribution| on black pixels, over every
            published map (contrast maps included).
    """

    test_index: np.ndarray
    predicted: np.ndarray
    true: np.ndarray
    images: np.ndarray
    maps: np.ndarray
    attribution_sum: np.ndarray
    score_delta: np.ndarray
    relative_error: np.ndarray
    study_black_share: np.ndarray
    eg_missing_ink: np.ndarray
    black_share: dict[str, float]


def share_on_black(images: np.ndarray, maps: np.ndarray) -> float:
    """Σ |map| over pixels that are black (0 in every channel) / Σ |map|, over all maps; NaN if all zero."""
    images, maps = np.asarray(images), np.abs(np.asarray(maps, dtype=np.float64))
    black = np.all(images == 0, axis=-1) if images.ndim == 4 else images == 0
    maps = maps.sum(axis=-1) if maps.ndim == 4 else maps
    total = maps.sum()
    return float(maps[black].sum() / total) if total > 0 else float("nan")


def contrast_image_rows(arrays: AttributionArrays) -> list[int]:
    """For each contrast map, the first published row of its test image (where its input is)."""
    return [int(np.flatnonzero(arrays.index == i)[0]) for i in arrays.contrast_index]


def black_shares(arrays: AttributionArrays) -> dict[str, float]:
    """Per gallery method, the share of its |attribution| on black pixels over every published map."""
    contrast_images = arrays.image[contrast_image_rows(arrays)]
    contrast = {"integrated_gradients": arrays.contrast.maps, "expected_gradients": arrays.contrast_eg.maps}
    row_maps = {"integrated_gradients": arrays.ig.maps, "expected_gradients": arrays.eg.maps}
    shares = {}
    for key in GALLERY_MAPS:
        images, maps = arrays.image, row_maps[key] if key in row_maps else getattr(arrays, key)
        if key in contrast and len(contrast_images):
            images, maps = np.concatenate([images, contrast_images]), np.concatenate([maps, contrast[key]])
        shares[key] = share_on_black(images, maps)
    return shares


def choose_rows(arrays: AttributionArrays, correct_row: int | None) -> tuple[list[int], list[int]]:
    """(rows of the study's examples, their contrast rows or −1): the given correct row, then the
    two mistakes whose contrastive EG has the largest share of |attribution| on black pixels."""
    rows, contrasts = ([] if correct_row is None else [correct_row]), ([] if correct_row is None else [-1])
    first_row = contrast_image_rows(arrays)
    scored = sorted(range(len(arrays.contrast_index)), key=lambda m: (
        -share_on_black(arrays.image[first_row[m]][None], arrays.contrast_eg.maps[m][None]),
        int(arrays.contrast_index[m])))
    for m in scored[:2]:
        rows.append(first_row[m])
        contrasts.append(m)
    return rows, contrasts


def study_baselines(image: np.ndarray, mean_image: np.ndarray, seed: int, test_index: int) -> dict[str, np.ndarray]:
    """The four IG baselines of one (H, W, C) image: black, blurred, uniform noise (seeded by the
    seed and the test index), and the mean training image."""
    noise = np.random.default_rng([seed, test_index]).random(image.shape).astype(np.float32)
    return {"black": np.zeros_like(image), "blur": blur(image[None])[0], "noise": noise,
            "mean": mean_image.astype(np.float32)}


def study_maps(grad_fn: attr.GradFn, arrays: AttributionArrays, predicted: Sequence[int], true: Sequence[int],
               correct_row: int | None, mean_image: np.ndarray, eg_baselines: np.ndarray,
               settings: AttributionSettings, seed: int) -> dict[str, np.ndarray]:
    """The study's arrays (what the stage caches): see :class:`BaselineStudy`.

    Args:
        grad_fn: gradient function of the model's logits (with ``classes``).
        arrays: the published attributions (rows, images, contrast maps).
        predicted, true: per test index, the predicted and the true class.
        correct_row: the published row of the correct example (e.g. the most confident one).
        mean_image: (H, W, C) mean training image in the model's input scale.
        eg_baselines: (B, H, W, C) images Expected Gradients draws from.
        settings: IG steps and rule, EG draws, chunk size.
        seed: seed of the noise baseline and of the EG draws.
    """
    rows, _ = choose_rows(arrays, correct_row)
    n, columns = len(rows), len(COLUMNS)
    shape = arrays.image.shape[1:3]
    out = {name: np.zeros((n, columns)) for name in ("attribution_sum", "score_delta", "relative_error")}
    out["maps"] = np.zeros((n, columns, *shape), np.float32)
    out["test_index"] = arrays.index[rows].astype(np.int64)
    out["predicted"] = np.array([predicted[int(i)] for i in out["test_index"]], np.int64)
    out["true"] = np.array([true[int(i)] for i in out["test_index"]], np.int64)
    out["images"] = arrays.image[rows].sum(axis=-1)
    baseline_logits = class_logits(grad_fn, eg_baselines)
    for k, row in enumerate(rows):
        x = arrays.image[row][None]
        p, t = int(out["predicted"][k]), int(out["true"][k])
        weights = attr.contrast_weights([p], [t], grad_fn.classes) if p != t else np.eye(grad_fn.classes)[[p]]
        weights = weights.astype(np.float32)
        _, at_x = grad_fn(x, weights)
        for c, (name, baseline) in enumerate(study_baselines(arrays.image[row], mean_image, seed,
                                                              int(out["test_index"][k])).items()):
            ig = attr.integrated_gradients(grad_fn, x, weights, baseline=baseline[None], **settings.ig_options())
            _, at_baseline = grad_fn(baseline[None], weights)
            _record(out, k, c, ig, attr.completeness(ig, at_x, at_baseline))
        eg = attr.expected_gradients(grad_fn, x, weights, baselines=eg_baselines,
                                     samples=settings.expected_gradients_samples, seed=seed,
                                     chunk_size=settings.chunk_size)
        reference = attr.baseline_scores(baseline_logits, x, weights, len(eg_baselines),
                                         settings.expected_gradients_samples, seed)
        _record(out, k, columns - 1, eg, attr.completeness(eg, at_x, reference))
    out["study_black_share"] = np.array([share_on_black(out["images"], out["maps"][:, c]) for c in range(columns)])
    out["eg_missing_ink"] = np.array([share_on_black(out["images"][k][None], np.maximum(out["maps"][k, -1], 0)[None])
                                      for k in range(n)])
    black = black_shares(arrays)
    out["black_share"] = np.array([black[key] for key in GALLERY_MAPS])
    return out


def _record(out: dict[str, np.ndarray], k: int, c: int, maps: np.ndarray, check: attr.CompletenessCheck) -> None:
    out["maps"][k, c] = maps[0].sum(axis=-1)
    out["attribution_sum"][k, c] = check.attribution_sum[0]
    out["score_delta"][k, c] = check.logit_delta[0]
    out["relative_error"][k, c] = check.relative_error[0]


def from_arrays(stored: dict[str, np.ndarray]) -> BaselineStudy:
    """The study from its cached arrays."""
    return BaselineStudy(
        **{name: np.asarray(stored[name]) for name in ("test_index", "predicted", "true", "images", "maps",
                                                        "attribution_sum", "score_delta", "relative_error",
                                                        "study_black_share", "eg_missing_ink")},
        black_share={key: float(v) for key, v in zip(GALLERY_MAPS, stored["black_share"])})
