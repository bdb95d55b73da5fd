"""Build-time evidence for the mathematics pages, measured on this report's own model.

Two questions the Integrated-Gradients page answers with numbers rather than claims:

- How fast does each quadrature rule converge? :func:`completeness_convergence` recomputes
  the IG maps of a few published rows with every rule of :data:`generator.attributions.METHODS`
  at 4, 8, …, 256 steps and records the completeness error of each.
- Do pixels equal to the baseline really get exactly zero? :func:`baseline_zero_share`
  counts them over every published IG map.
- How many draws does Expected Gradients need? :func:`expected_gradients_draws` recomputes the
  same rows' EG maps with 16, 32, …, 256 draws and records each completeness error (it holds in
  expectation, so it shrinks with the draws).

Computing only: these functions return dataclasses of NumPy arrays; the figures that show
them are drawn by :mod:`generator.figures.mathematics`. :func:`measure_mathematics` is the
stage: the convergence study (cached by its inputs' hashes) and the baseline counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable

import numpy as np

from generator import attributions as attr
from generator.plumbing.cache import fingerprint
from generator.plumbing.settings import Settings
from generator.plumbing.stage_cache import StageCache
from generator.stages.attribute import AttributionArrays
from generator.stages.checked_maps import EG_LEVEL
from generator.stages.keys import mathematics_components
from generator.stages.results import Example

Log = Callable[[str], None]

CONVERGENCE_STEPS = (4, 8, 16, 32, 64, 128, 256)
"""Numbers of quadrature nodes compared in the convergence figure."""
CONVERGENCE_ROWS, CONVERGENCE_ROWS_QUICK = 24, 8
"""Published (image, target) rows re-attributed for the convergence figure (every rule at every
step count is 2,540 gradient evaluations per row; its cost is in docs/performance.md)."""


@dataclass(frozen=True)
class Convergence:
    """Completeness errors of IG maps recomputed with several rules and step counts.

    Attributes:
        methods: quadrature rules, in the order of the first axis of ``errors``.
        steps: step counts, in the order of the second axis.
        rows: (N,) published rows (indices into the attribution arrays) that were recomputed.
        errors: (M, S, N) relative completeness error |ΣIG − Δlogit| / max(|Δlogit|, 1e-6).
    """

    methods: tuple[str, ...]
    steps: tuple[int, ...]
    rows: np.ndarray
    errors: np.ndarray

    def percentile(self, q: float) -> np.ndarray:
        """(M, S) ``q``-th percentile over the rows; NaN when there are no rows."""
        if self.errors.shape[-1] == 0:
            return np.full(self.errors.shape[:2], np.nan)
        return np.percentile(self.errors, q, axis=-1)

    def fewest_steps(self, q: float, tolerance: float) -> dict[str, int | None]:
        """Per rule, the fewest steps whose ``q``-th percentile error is within ``tolerance`` (None: never)."""
        within = self.percentile(q) <= tolerance
        return {m: next((s for s, ok in zip(self.steps, within[i]) if ok), None) for i, m in enumerate(self.methods)}


EG_DRAWS = (16, 32, 64, 128, 256)
"""Draws per Expected-Gradients map compared on the report-build page."""
EG_MEDIAN_LEVEL = EG_LEVEL
"""The one stated level for Expected Gradients (:data:`generator.stages.checked_maps.EG_LEVEL`):
the page names the fewest draws whose median completeness error over these rows is within it."""


@dataclass(frozen=True)
class ExpectedGradientsDraws:
    """Completeness errors of Expected-Gradients maps recomputed with several draw counts.

    Attributes:
        draws: draw counts, in the order of the first axis of ``errors``.
        rows: (N,) published rows recomputed (the convergence study's).
        errors: (S, N) |ΣEG − (logit_t(x) − mean of the drawn baselines' logits)| / max(|…|, 1e-6).
    """

    draws: tuple[int, ...]
    rows: np.ndarray
    errors: np.ndarray

    def percentile(self, q: float) -> np.ndarray:
        """(S,) ``q``-th percentile over the rows; NaN when there are no rows."""
        if self.errors.shape[-1] == 0:
            return np.full(len(self.draws), np.nan)
        return np.percentile(self.errors, q, axis=-1)

    def fewest_draws(self, level: float = EG_MEDIAN_LEVEL) -> int | None:
        """The fewest draws whose median error is within ``level`` (None: none of them)."""
        return next((n for n, median in zip(self.draws, self.percentile(50)) if median <= level), None)


@dataclass(frozen=True)
class BaselineShare:
    """How many pixels equal to the baseline got an IG attribution of exactly zero.

    Attributes:
        maps: IG maps inspected.
        baseline_pixels: pixels (over all maps) whose value equals the baseline exactly.
        baseline_zero: of those, pixels whose attribution is exactly 0.
        other_pixels: the remaining pixels.
        other_zero: of those, pixels whose attribution is exactly 0.
    """

    maps: int
    baseline_pixels: int
    baseline_zero: int
    other_pixels: int
    other_zero: int

    @property
    def share(self) -> float:
        """baseline_zero / baseline_pixels; NaN when no pixel equals the baseline."""
        return self.baseline_zero / self.baseline_pixels if self.baseline_pixels else float("nan")


def spread_rows(count: int, limit: int) -> np.ndarray:
    """Up to ``limit`` row indices spread evenly over ``range(count)``, first and last included."""
    if count <= 0 or limit <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.linspace(0, count - 1, min(count, limit)).round().astype(np.int64))


def completeness_convergence(
    grad_fn: attr.GradFn,
    images: np.ndarray,
    targets: np.ndarray,
    rows: np.ndarray,
    *,
    methods: Sequence[str] = attr.METHODS,
    steps: Sequence[int] = CONVERGENCE_STEPS,
    baseline: float = 0.0,
    chunk_size: int = 512,
) -> Convergence:
    """Recompute IG for ``images[rows]`` with every rule and step count; record completeness.

    Args:
        grad_fn: gradient function of the model's logits (built once by the caller).
        images: (R, H, W, C) float32 published inputs.
        targets: (R,) target class of each row (fixed along the path).
        rows: (N,) rows to recompute.
        methods: quadrature rules (see :func:`generator.attributions.quadrature`).
        steps: step counts; each rule must accept each (the trapezoid needs ≥ 2).
        baseline: the constant baseline x′.
        chunk_size: image-steps per compiled call.

    Returns:
        The (M, S, N) errors.
    """
    rows = np.asarray(rows, dtype=np.int64)
    x, t = np.asarray(images, np.float32)[rows], np.asarray(targets)[rows]
    errors = np.zeros((len(methods), len(steps), len(rows)))
    if len(rows):
        _, at_input = grad_fn(x, t)
        _, at_baseline = grad_fn(np.full_like(x, baseline), t)
        for i, method in enumerate(methods):
            for j, n in enumerate(steps):
                maps = attr.integrated_gradients(grad_fn, x, t, steps=n, baseline=baseline, method=method,
                                                 chunk_size=chunk_size)
                errors[i, j] = attr.completeness(maps, at_input, at_baseline).relative_error
    return Convergence(tuple(methods), tuple(int(n) for n in steps), rows, errors)


def expected_gradients_draws(grad_fn: attr.GradFn, images: np.ndarray, targets: np.ndarray, rows: np.ndarray,
                             baselines: np.ndarray, *, draws: Sequence[int] = EG_DRAWS, seed: int = 0,
                             chunk_size: int = 512) -> ExpectedGradientsDraws:
    """Recompute Expected Gradients for ``images[rows]`` with every draw count; record completeness.

    Args:
        grad_fn: gradient function of the model's logits (with a ``logits`` forward pass or
            ``classes``, see :func:`~generator.stages.attribute.class_logits`).
        images: (R, H, W, C) float32 published inputs.
        targets: (R,) target class of each row.
        rows: (N,) rows to recompute.
        baselines: (B, H, W, C) the images the baselines are drawn from.
        draws: draw counts.
        seed: seed of the draws.
        chunk_size: image-draws per compiled call.
    """
    from generator.stages.attribute import class_logits

    rows = np.asarray(rows, dtype=np.int64)
    x, t = np.asarray(images, np.float32)[rows], np.asarray(targets)[rows]
    errors = np.zeros((len(draws), len(rows)))
    if len(rows):
        _, at_input = grad_fn(x, t)
        baseline_logits = class_logits(grad_fn, baselines)
        for j, n in enumerate(draws):
            maps = attr.expected_gradients(grad_fn, x, t, baselines=baselines, samples=n, seed=seed,
                                           chunk_size=chunk_size, baseline_logits=baseline_logits)
            reference = attr.baseline_scores(baseline_logits, x, t, len(baselines), n, seed)
            errors[j] = attr.completeness(maps, at_input, reference).relative_error
    return ExpectedGradientsDraws(tuple(int(n) for n in draws), rows, errors)


def baseline_zero_share(images: np.ndarray, maps: np.ndarray, baseline: float) -> BaselineShare:
    """Count exact zeros of the IG ``maps`` where ``images`` equals ``baseline`` and elsewhere.

    Args:
        images: (R, H, W, C) inputs the maps explain.
        maps: (R, H, W, C) their IG maps.
        baseline: the constant baseline the maps were computed with.
    """
    images, maps = np.asarray(images, np.float32), np.asarray(maps)
    at_baseline = images == np.float32(baseline)
    zero = maps == 0
    return BaselineShare(
        maps=int(len(maps)),
        baseline_pixels=int(at_baseline.sum()),
        baseline_zero=int((at_baseline & zero).sum()),
        other_pixels=int((~at_baseline).sum()),
        other_zero=int((~at_baseline & zero).sum()),
    )




MATHEMATICS_FORMAT = 2
"""Bump when the convergence measurement changes what it computes, so cached results are dropped."""


@dataclass(frozen=True)
class Mathematics:
    """What the mathematics pages show, measured on this build's model and maps.

    Attributes:
        convergence: completeness errors of a few published IG maps under every rule and step count.
        expected_gradients: completeness errors of the same rows' EG maps under several draw counts.
        share: how many pixels equal to the baseline got exactly zero IG.
        example_row: the published row shown in the baseline figure and the annotated example
            (see :func:`example_row`), or None when nothing is published.
    """

    convergence: Convergence
    expected_gradients: ExpectedGradientsDraws
    share: BaselineShare
    example_row: int | None


def example_row(index: np.ndarray, examples: Sequence[Example]) -> int | None:
    """The first row of the most confidently predicted correct example (any example if none is
    correct; None if there is none). ``index`` is the test index of each published row."""
    pool = [e for e in examples if e.correct] or list(examples)
    if not pool:
        return None
    best = max(pool, key=lambda e: (e.confidence, -e.test_index))
    return int(np.flatnonzero(np.asarray(index) == best.test_index)[0])


def measure_mathematics(grad_fn: attr.GradFn, arrays: AttributionArrays, examples: Sequence[Example],
                        settings: Settings, model_sha256: str, baselines: np.ndarray, cache: StageCache,
                        log: Log) -> Mathematics:
    """The mathematics stage: the convergence studies of IG and EG (reused when the model, the
    rows' images and targets, the EG baselines and the settings they depend on are unchanged)
    and the baseline counts."""
    attribution = settings.attribution
    rows = spread_rows(len(arrays.index), CONVERGENCE_ROWS_QUICK if settings.quick else CONVERGENCE_ROWS)
    components = mathematics_components(settings, model_sha256, fingerprint(arrays.image[rows], arrays.target[rows]),
                                        fingerprint(baselines), f"{MATHEMATICS_FORMAT}:" + fingerprint(
                                            list(attr.METHODS), list(CONVERGENCE_STEPS), list(EG_DRAWS))[:12])

    def compute() -> dict[str, np.ndarray]:
        log(f"mathematics: completeness of {len(rows)} IG maps × {len(attr.METHODS)} rules × "
            f"{len(CONVERGENCE_STEPS)} step counts")
        result = completeness_convergence(grad_fn, arrays.image, arrays.target, rows, baseline=attribution.baseline,
                                          chunk_size=attribution.chunk_size)
        log(f"mathematics: completeness of {len(rows)} EG maps × {len(EG_DRAWS)} draw counts")
        eg = expected_gradients_draws(grad_fn, arrays.image, arrays.target, rows, baselines, seed=settings.seed,
                                      chunk_size=attribution.chunk_size)
        return {"errors": result.errors, "eg_errors": eg.errors}

    stored = cache.arrays("mathematics", components, compute)
    share = baseline_zero_share(arrays.image, arrays.ig.maps, attribution.baseline)
    log(f"mathematics: {share.baseline_zero} of {share.baseline_pixels} pixels equal to the baseline have IG = 0")
    return Mathematics(Convergence(attr.METHODS, CONVERGENCE_STEPS, rows, stored["errors"]),
                       ExpectedGradientsDraws(EG_DRAWS, rows, stored["eg_errors"]), share,
                       example_row(arrays.index, examples))
