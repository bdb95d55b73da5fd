"""Integrated-Gradients and Expected-Gradients maps with their checks, as the attribution stage
publishes them.

IG maps are refined map by map until their completeness error and their change at a doubling are
within the settings' tolerances (adaptive, ``attribution.steps = 0``; the contrast of a mistake is
the difference of its two rows' maps, refined together), or, with a fixed node count, those above
the published tolerance (``attribution.flag_tolerance``) are recomputed with twice the steps;
either way up to a cap, and maps still above it stay flagged in their records. EG maps record their completeness error (it holds in expectation
only, so no map is held to IG's tolerance: the median over a build's maps is held to
:data:`EG_LEVEL`) and their noise; :func:`eg_error` gives a map's error in logits and relative to
its Σ|EG|, and its flags (:data:`EG_NOISE_BOUND`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from generator import attributions as attr
from generator.attributions.halves import Halves
from generator.plumbing.numbers import percent_exact
from generator.plumbing.settings import COMPLETENESS_FLOOR, AttributionSettings
from generator.stages.results import Completeness

MAX_REFINED_STEPS = 4096
"""Cap on the doubling of IG steps for maps that miss the tolerance."""
EG_LEVEL = 0.05
"""The level Expected Gradients is run to: over a build's published EG maps (per-target and
contrast), the median of |ΣEG − Δ| / |Δ|, Δ the score minus the mean score of the map's drawn
baselines, is at most 5%. A median, because one map's Δ can be near zero (a contrast of two
close scores), which makes that map's own ratio meaningless (pages show |ΣEG − Δ| in logits and
relative to Σ|EG| instead)."""
EG_NOISE_BOUND = 0.5
"""An EG map whose split-half noise (its estimated L1 distance to EG's expectation, relative to the
map) is above this is flagged: half of its |attribution| or more may be Monte Carlo error."""
Log = Callable[[str], None]


@dataclass(frozen=True)
class EgError:
    """How far one Expected-Gradients map's sum is from Δ, and its flags.

    Attributes:
        absolute: |ΣEG − Δ| in logit units.
        of_mass: |ΣEG − Δ| / Σ|EG|, the error as a share of the map's own |attribution| (NaN for a
            map of zeros). Unlike |Δ|, Σ|EG| is not near zero when two close scores are contrasted.
        wrong_sign: ΣEG and Δ are both non-zero and of opposite signs.
        noisy: the map's split-half noise is above :data:`EG_NOISE_BOUND`.
    """

    absolute: float
    of_mass: float
    wrong_sign: bool
    noisy: bool

    @property
    def flags(self) -> tuple[str, ...]:
        """Short names of the flags raised, for the pages: "EG sign", "EG noise"."""
        return (("EG sign",) if self.wrong_sign else ()) + (("EG noise",) if self.noisy else ())


def eg_error(attribution_sum: float, logit_delta: float, noise: float, mass: float) -> EgError:
    """The :class:`EgError` of a map with sum ΣEG, target Δ, split-half noise and Σ|EG| = ``mass``
    (a NaN noise raises no flag)."""
    absolute = abs(attribution_sum - logit_delta)
    return EgError(absolute, absolute / mass if mass > 0 else float("nan"),
                   bool(attribution_sum * logit_delta < 0), bool(noise > EG_NOISE_BOUND))


def eg_map_error(check: Completeness, eg_map: np.ndarray) -> EgError:
    """The :class:`EgError` of a published map from its completeness check and the map itself."""
    return eg_error(check.attribution_sum, check.logit_delta, check.spread,
                    float(np.abs(np.asarray(eg_map, np.float64)).sum()))


@dataclass(frozen=True)
class ExpectedGradientsSummary:
    """Expected Gradients over a build's published maps, against :data:`EG_LEVEL`.

    Attributes:
        level: :data:`EG_LEVEL`; noise_bound: :data:`EG_NOISE_BOUND`.
        maps: EG maps (per-target and contrast).
        median_relative_error: median of |ΣEG − Δ| / |Δ| (what the level bounds).
        median_absolute_error: median |ΣEG − Δ|, logits; median_error_of_mass: median of |ΣEG − Δ| / Σ|EG|.
        wrong_sign, noisy: maps with each flag; flagged: maps with any.
    """

    level: float
    noise_bound: float
    maps: int
    median_relative_error: float
    median_absolute_error: float
    median_error_of_mass: float
    wrong_sign: int
    noisy: int
    flagged: int

    @property
    def within_level(self) -> bool:
        return bool(self.median_relative_error <= self.level)


def expected_gradients_summary(*checked: CheckedMaps) -> ExpectedGradientsSummary:
    """The :class:`ExpectedGradientsSummary` of the EG maps in ``checked`` (rows, then contrasts)."""
    errors = [eg_map_error(maps.completeness(r), maps.maps[r]) for maps in checked for r in range(len(maps.maps))]
    relative = np.concatenate([maps.relative_error for maps in checked]) if checked else np.zeros(0)

    def median(values: Any) -> float:
        values = np.asarray(list(values), np.float64)
        values = values[np.isfinite(values)]
        return float(np.median(values)) if len(values) else float("nan")

    return ExpectedGradientsSummary(
        level=EG_LEVEL, noise_bound=EG_NOISE_BOUND, maps=len(errors), median_relative_error=median(relative),
        median_absolute_error=median(e.absolute for e in errors), median_error_of_mass=median(e.of_mass for e in errors),
        wrong_sign=sum(e.wrong_sign for e in errors), noisy=sum(e.noisy for e in errors),
        flagged=sum(bool(e.flags) for e in errors))


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

    def completeness(self, r: int, tolerance: float = COMPLETENESS_FLOOR) -> Completeness:
        """Row ``r``'s check, held to ``tolerance`` (IG maps: the settings' ``flag_tolerance``)."""
        return Completeness(float(self.attribution_sum[r]), float(self.logit_delta[r]),
                            float(self.relative_error[r]), int(self.steps[r]), float(self.spread[r]), tolerance)


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

    found = adaptive_integrated_gradients(grad_fn, images, targets, max_intervals=MAX_REFINED_STEPS,
                                          baseline=settings.baseline, pairs=contrast_rows,
                                          **settings.adaptive_options())
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
        missing = np.flatnonzero(check.relative_error > settings.flag_tolerance)
        if len(missing) == 0:
            break
        current *= 2
        log(f"attributions: {len(missing)} map(s) above {percent_exact(settings.flag_tolerance)} completeness error, "
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
