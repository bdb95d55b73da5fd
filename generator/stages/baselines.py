"""The baseline study: what the choice of baseline lets an attribution map see.

With the black baseline, Integrated Gradients is exactly zero wherever the input is black, so
it cannot show that *missing* ink mattered (Sturmfels, Lundberg and Lee, 2020, "Visualizing the
Impact of Feature Attribution Baselines"). This stage measures that on the report's own model:

- for three published examples (the most confident correct one, and the two mistakes whose
  contrastive Expected Gradients puts the largest share of its |attribution| on black pixels: the
  most extreme of all published mistakes), IG with four baselines (black, a blurred copy of the
  input, uniform noise, the mean training image) and Expected Gradients, each with its
  completeness check (:func:`study_maps`);
- the noise floor of the page's "missing ink" claims, which rest on Expected-Gradients maps: each
  example's EG is computed again with :data:`LONG_RUN` times the draws, and the share of its
  positive attribution on black pixels read from that map and from each of its two halves of
  draws (16 times the draws quarter the noise; the halves show how far the share still moves);
- over every published map, the share of each gallery method's |attribution| that falls on
  pixels that are black in the input (:func:`black_shares`), and how many maps that is per method.

Computing only; the figure is drawn by :mod:`generator.figures.baselines` and the page written
by :mod:`generator.pages.baselines`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from generator import attributions as attr
from generator.attributions.expected_gradients import expected_gradients_halves
from generator.attributions.halves import Halves
from generator.methods import EXPECTED_GRADIENTS, methods, shown_input
from generator.plumbing.settings import AttributionSettings
from generator.stages.attribute import AttributionArrays, class_logits
from generator.stages.checked_maps import EgError, eg_error
from generator.stages.faithfulness_controls import BLUR_SIGMA, blur

BASELINES_FORMAT = 5  # 5: cached as the BaselineStudy record (generator.plumbing.records)
"""Bump when this stage changes what it computes, so cached results are dropped."""
LONG_RUN = 16
"""The noise floor of the missing-ink claims: each example's EG again with this many times the
draws (1,024 at the default 64; 3 maps, about 3,000 gradient evaluations)."""
COLUMNS = ("black", "blur", "noise", "mean", EXPECTED_GRADIENTS)
"""The study's maps: IG with each baseline, then Expected Gradients."""
__all__ = ["BASELINES_FORMAT", "BLUR_SIGMA", "COLUMNS", "LONG_RUN", "BaselineStudy", "baseline_images",
           "black_share_maps", "black_shares",
           "choose_rows", "contrast_eg_black_share", "missing_ink", "study_maps"]


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
        eg_noise: (3,) split-half noise of each example's EG map (NaN when not known).
        long_draws: draws of the long run (:data:`LONG_RUN` times the maps'; 0: not run).
        eg_missing_ink_long: (3,) ``eg_missing_ink`` of the long run's map.
        eg_missing_ink_halves: (3, 2) the same from each of its two halves of draws.
        candidates: the mistakes the two shown were chosen from (the published contrast maps).
        candidates_median: the median, over them, of the share the choice ranks by.
        black_share_maps: gallery method key → how many maps its ``black_share`` is over.
        black_pixels: (3,) share of each example's pixels that are black: what a map spread evenly
            over the image would put on black pixels, the floor a missing-ink share is read against.
        baselines: (3, 4, H, W) each example's four IG baselines x′ (black, blurred, noise, mean:
            :func:`study_baselines`), reduced over channels as ``images`` are; None when not known.
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
    eg_noise: np.ndarray | None = None
    long_draws: int = 0
    eg_missing_ink_long: np.ndarray | None = None
    eg_missing_ink_halves: np.ndarray | None = None
    candidates: int = 0
    candidates_median: float = float("nan")
    black_share_maps: dict[str, int] = field(default_factory=dict)
    black_pixels: np.ndarray | None = None
    baselines: np.ndarray | None = None

    def black_to_ink_density(self) -> np.ndarray | None:
        """(3,) positive EG attribution per black pixel over that per inked pixel, from the shown
        map: (s / b) / ((1 − s) / (1 − b)), s the missing-ink share and b the black pixels' share
        (above 1: a missing stroke weighs more, pixel for pixel, than the ink present)."""
        if self.black_pixels is None:
            return None
        s, b = np.asarray(self.eg_missing_ink, np.float64), np.asarray(self.black_pixels, np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (s / b) / ((1 - s) / (1 - b))

    def eg_errors(self) -> list[EgError]:
        """Per example, its Expected-Gradients map's completeness error as the gallery shows it
        (:func:`~generator.stages.checked_maps.eg_error`): |ΣEG − Δ| in score units and as a share
        of the map's Σ|EG|, with its flags (noise from ``eg_noise``; none when it is not known)."""
        noise = np.full(len(self.test_index), np.nan) if self.eg_noise is None else self.eg_noise
        return [eg_error(float(self.attribution_sum[k, -1]), float(self.score_delta[k, -1]), float(noise[k]),
                         float(np.abs(np.asarray(self.maps[k, -1], np.float64)).sum()))
                for k in range(len(self.test_index))]


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
    return {key: share_on_black(images, maps) for key, (images, maps) in _published_maps(arrays).items()}


def black_share_maps(arrays: AttributionArrays) -> dict[str, int]:
    """Per gallery method, how many published maps :func:`black_shares` is over: every row's, and
    every mistake's contrast map for the methods that have one."""
    return {key: int(len(maps)) for key, (_, maps) in _published_maps(arrays).items()}


def _published_maps(arrays: AttributionArrays) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per gallery method, (inputs, maps) of its published maps, contrast maps included."""
    contrast_images = arrays.image[contrast_image_rows(arrays)]
    published = {}
    for m in methods():
        images, maps = arrays.image, arrays.map(m.key)
        if m.contrast is not None and len(contrast_images):
            images = np.concatenate([images, contrast_images])
            maps = np.concatenate([maps, arrays.contrast_of(m.key).maps])
        published[m.key] = (images, maps)
    return published


def contrast_eg_black_share(arrays: AttributionArrays) -> np.ndarray:
    """(M,) each contrast map's share of its Expected-Gradients |attribution| on black pixels: what
    :func:`choose_rows` ranks the mistakes by."""
    first_row = contrast_image_rows(arrays)
    return np.array([share_on_black(arrays.image[first_row[m]][None], arrays.contrast_eg.maps[m][None])
                     for m in range(len(arrays.contrast_index))])


def choose_rows(arrays: AttributionArrays, correct_row: int | None) -> tuple[list[int], list[int]]:
    """(rows of the study's examples, their contrast rows or −1): the given correct row, then the
    two mistakes whose contrastive EG has the largest share of |attribution| on black pixels."""
    rows, contrasts = ([] if correct_row is None else [correct_row]), ([] if correct_row is None else [-1])
    first_row = contrast_image_rows(arrays)
    share = contrast_eg_black_share(arrays)
    scored = sorted(range(len(arrays.contrast_index)), key=lambda m: (-share[m], int(arrays.contrast_index[m])))
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


def baseline_images(test_index: np.ndarray, arrays: AttributionArrays, mean_image: np.ndarray,
                    seed: int) -> np.ndarray:
    """(n, 4, H, W) the four IG baselines of each test index in ``test_index``
    (:func:`study_baselines`, as :func:`study_maps` drew them), as shown (:func:`~generator.methods.shown_input`:
    (n, 4, H, W, 3) for colour images)."""
    shape = shown_input(arrays.image[:1]).shape[1:]
    out = np.zeros((len(test_index), len(COLUMNS) - 1, *shape), np.float32)
    for k, index in enumerate(test_index):
        image = arrays.image[int(np.flatnonzero(arrays.index == index)[0])]
        baselines = study_baselines(image, mean_image, seed, int(index))
        for c, name in enumerate(COLUMNS[:-1]):
            out[k, c] = shown_input(baselines[name])
    return out


def study_maps(grad_fn: attr.GradFn, arrays: AttributionArrays, predicted: Sequence[int], true: Sequence[int],
               correct_row: int | None, mean_image: np.ndarray, eg_baselines: np.ndarray,
               settings: AttributionSettings, seed: int) -> BaselineStudy:
    """The study (what the stage caches; its ``baselines`` are left to :func:`baseline_images`).

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
    n, columns, samples = len(rows), len(COLUMNS), settings.expected_gradients_samples
    test_index = arrays.index[rows].astype(np.int64)
    predicted_of = np.array([predicted[int(i)] for i in test_index], np.int64)
    true_of = np.array([true[int(i)] for i in test_index], np.int64)
    images = arrays.image[rows].sum(axis=-1)
    maps = np.zeros((n, columns, *arrays.image.shape[1:3]), np.float32)
    checks = np.zeros((3, n, columns))  # attribution sum, score delta, relative error
    eg_noise, long_ink, long_halves = np.zeros(n), np.zeros(n), np.zeros((n, 2))
    baseline_logits = class_logits(grad_fn, eg_baselines)
    for k, row in enumerate(rows):
        x = arrays.image[row][None]
        p, t = int(predicted_of[k]), int(true_of[k])
        weights = attr.contrast_weights([p], [t], grad_fn.classes) if p != t else np.eye(grad_fn.classes)[[p]]
        weights = weights.astype(np.float32)
        _, at_x = grad_fn(x, weights)
        baselines = study_baselines(arrays.image[row], mean_image, seed, int(test_index[k]))
        for c, name in enumerate(COLUMNS[:-1]):
            baseline = baselines[name][None]
            ig = attr.integrated_gradients(grad_fn, x, weights, baseline=baseline, **settings.ig_options())
            _, at_baseline = grad_fn(baseline, weights)
            _record(maps, checks, k, c, ig, attr.completeness(ig, at_x, at_baseline))
        eg = _study_eg(grad_fn, x, p, t, eg_baselines, baseline_logits, samples, seed, settings.chunk_size)
        reference = attr.baseline_scores(baseline_logits, x, weights, len(eg_baselines), samples, seed)
        _record(maps, checks, k, columns - 1, eg.maps, attr.completeness(eg.maps, at_x, reference))
        eg_noise[k] = eg.noise()[0]
        long = _study_eg(grad_fn, x, p, t, eg_baselines, baseline_logits, LONG_RUN * samples, seed,
                         settings.chunk_size)
        long_ink[k] = missing_ink(images[k], long.maps[0])
        long_halves[k] = [missing_ink(images[k], half[0]) for half in (long.first, long.second)]
    ranked = contrast_eg_black_share(arrays)
    return BaselineStudy(
        test_index=test_index, predicted=predicted_of, true=true_of, images=images, maps=maps,
        attribution_sum=checks[0], score_delta=checks[1], relative_error=checks[2],
        study_black_share=np.array([share_on_black(images, maps[:, c]) for c in range(columns)]),
        eg_missing_ink=np.array([missing_ink(images[k], maps[k, -1]) for k in range(n)]),
        black_share=black_shares(arrays), eg_noise=eg_noise, long_draws=LONG_RUN * samples,
        eg_missing_ink_long=long_ink, eg_missing_ink_halves=long_halves, candidates=len(ranked),
        candidates_median=float(np.median(ranked)) if len(ranked) else float("nan"),
        black_share_maps=black_share_maps(arrays),
        black_pixels=np.array([float(np.mean(images[k] == 0)) for k in range(n)]))


def missing_ink(image: np.ndarray, eg_map: np.ndarray) -> float:
    """The share of an (H, W[, C]) EG map's positive attribution on pixels black in ``image``: where
    ink is absent, and its absence raised the score."""
    return share_on_black(np.asarray(image)[None], np.maximum(np.asarray(eg_map), 0)[None])


def _study_eg(grad_fn: attr.GradFn, x: np.ndarray, predicted: int, true: int, eg_baselines: np.ndarray,
              baseline_logits: np.ndarray, samples: int, seed: int, chunk_size: int) -> Halves:
    """Expected Gradients of one (1, H, W, C) image as the gallery has it: of its class logit when
    ``predicted == true``, else the predicted row's map minus the true row's (the same draws), as
    its two halves of draws; maps reduced over channels, (1, H, W)."""
    rows = [predicted] if predicted == true else [predicted, true]
    halves = expected_gradients_halves(grad_fn, np.repeat(x, len(rows), axis=0), np.array(rows),
                                       baselines=eg_baselines, samples=samples, seed=seed, chunk_size=chunk_size,
                                       baseline_logits=baseline_logits)
    if len(rows) == 2:
        halves = halves.difference(np.array([0]), np.array([1]))
    return Halves(halves.first.sum(axis=-1), halves.second.sum(axis=-1), halves.h, halves.n)


def _record(maps: np.ndarray, checks: np.ndarray, k: int, c: int, values: np.ndarray,
            check: attr.CompletenessCheck) -> None:
    """Example ``k``'s map in column ``c`` of the study, and its check (``checks``: (3, n, columns))."""
    maps[k, c] = values[0].sum(axis=-1) if values.ndim == 4 else values[0]
    checks[:, k, c] = check.attribution_sum[0], check.logit_delta[0], check.relative_error[0]
