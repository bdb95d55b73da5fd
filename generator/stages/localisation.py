"""Localisation metrics: how much of a map lies on a known region (Arras, Osman & Samek 2022,
"CLEVR-XAI: a benchmark dataset for the ground truth evaluation of neural network explanations").

Both take (N, H, W) maps and (N, H, W) boolean masks of the ground-truth region (here: the decoy
patch of :mod:`generator.stages.decoy`), and score each map by its absolute values |a|:

- **relevance mass accuracy** (:func:`mass_accuracy`): Σ_patch |a| / Σ |a|, the share of the
  map's mass on the region. It depends on how many pixels a method spreads small values over: a
  gradient is non-zero on most pixels, gradient × input only on the ink.
- **relevance rank accuracy** (:func:`rank_accuracy`): with K the region's pixel count, the share
  of the map's K largest |a| that lie on the region. Only the order of the pixels counts, so it
  does not depend on how many pixels a method leaves at exactly 0. A map that ranks the pixels
  at random scores K / (pixels it can rank) on average.

Ties at the K-th largest value are shared out evenly: each tied pixel counts for the share of the
remaining top-K places it would get in a random order of the tied pixels (the expected overlap).
Quantus' ``RelevanceRankAccuracy`` breaks such ties by position instead; with maps that are 0 on
whole black areas that would favour some corners over others.

A map that is 0 everywhere has no mass and no order: both metrics are NaN for it.
"""

from __future__ import annotations

import numpy as np


def _flat(maps: np.ndarray, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, P) |maps| in float64 and (N, P) bool masks, checked to be the same shape."""
    maps, masks = np.asarray(maps), np.asarray(masks, dtype=bool)
    if maps.shape != masks.shape:
        raise ValueError(f"maps {maps.shape} and masks {masks.shape} must have the same shape")
    return np.abs(maps.reshape(len(maps), -1).astype(np.float64)), masks.reshape(len(masks), -1)


def mass_accuracy(maps: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """(N,) relevance mass accuracy: each map's share of |attribution| on its mask (NaN if all 0)."""
    values, masks = _flat(maps, masks)
    total = values.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (values * masks).sum(axis=1) / total, np.nan)


def rank_accuracy(maps: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """(N,) relevance rank accuracy: the share of each map's K largest |attribution| on its mask,
    K the mask's pixel count; ties at the K-th value shared out evenly (NaN if all 0 or K = 0)."""
    values, masks = _flat(maps, masks)
    k = masks.sum(axis=1)
    ordered = -np.sort(-values, axis=1)
    kth = ordered[np.arange(len(values)), np.maximum(k, 1) - 1][:, None]
    above, tied = values > kth, values == kth
    places_left = k - above.sum(axis=1)  # top-K places the tied pixels share
    on_mask = (above & masks).sum(axis=1) + places_left * (tied & masks).sum(axis=1) / tied.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((values.max(axis=1, initial=0.0) > 0) & (k > 0), on_mask / k, np.nan)


def paired_means(values: np.ndarray, seed: int, resamples: int = 1000) -> np.ndarray:
    """(resamples, C) the mean of each column of (n, C) ``values`` over the same seeded bootstrap
    resamples of its rows, drawn as :func:`generator.stages.faithfulness.bootstrap` draws them
    (so column c's percentiles are that function's interval of column c)."""
    values = np.asarray(values, dtype=np.float64)
    draws = np.random.default_rng(seed).integers(0, len(values), size=(resamples, len(values)))
    return values[draws].mean(axis=1)


def percentile_interval(estimates: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """(low, high): the central ``level`` percentile interval of bootstrap ``estimates``, NaN left
    out, interpolated as :func:`generator.stages.faithfulness.bootstrap` does; with ±inf among them
    (a ratio whose denominator resampled to 0) the nearest estimate instead, so a bound is inf
    rather than NaN."""
    estimates = np.asarray(estimates, dtype=np.float64)
    estimates = estimates[~np.isnan(estimates)]
    if estimates.size == 0:
        return float("nan"), float("nan")
    method = "linear" if np.all(np.isfinite(estimates)) else "inverted_cdf"
    low, high = np.quantile(estimates, [(1.0 - level) / 2.0, (1.0 + level) / 2.0], method=method)
    return float(low), float(high)
