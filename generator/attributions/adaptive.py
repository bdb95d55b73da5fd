"""Integrated Gradients refined map by map until it has converged and its completeness check holds.

The trapezoid rule on n equal intervals of [0, 1], with h = 1/n and g(α) the path gradient,

    T_n = h · (g(0)/2 + g(h) + … + g(1 − h) + g(1)/2),

nests under doubling: T_2n = T_n / 2 + (1 / 2n) · Σ_j g((2j + 1) / 2n). Refining a map
evaluates only the n new midpoints and keeps every gradient already taken. The two end nodes
are the baseline and the image, so the same gradient calls give f_t(x′) and f_t(x), and the
completeness error of every map is known at every level without another pass.

A map is doubled while either of two checks fails:

- completeness: |Σ_i IG_i − (f_t(x) − f_t(x′))| / |f_t(x) − f_t(x′)| above ``tolerance``;
- convergence: the relative L1 change of the map at its last doubling,
  ‖IG_n − IG_{n/2}‖₁ / ‖IG_n‖₁, above ``map_tolerance``.

Completeness alone is a weak test of a map: it checks one number, the sum, and the errors of
different pixels cancel in it. On this project's ReLU network the path gradient is piecewise
constant with many small jumps, so every rule's map error falls like 1/n, and the change at a
doubling is a steady estimate of it: against 1,025-node maps of the report's model it
overestimates the true L1 error in the median and for nearly every map, at every n from 16 to
128. Without the convergence check, maps refined to completeness alone stopped about twice as far
from their converged values as fixed 64-node maps (docs/performance.md, "Adaptive IG").

Pairs of rows of the same image (two target classes) can be refined together: they then share
their nodes, so the difference of their maps is the trapezoid sum of the difference of the two
logits, IG of f_a − f_b, and it is checked the same way. A contrast map costs no evaluations of
its own.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from .completeness import completeness
from .engine import as_grad_fn
from .path_sums import path_sums_for
from .protocols import PathSums

DEFAULT_TOLERANCE = 0.005
"""Relative completeness error a map is refined to when no node count is given (0.5%)."""

DEFAULT_MAP_TOLERANCE = 0.02
"""Relative L1 change at the last doubling a map is refined to when no node count is given (2%)."""

DEFAULT_START = 16
"""Intervals of the first level when each gradient evaluation is a pass through the model."""

SWEEP_START = 64
"""Intervals of the first level when a node costs far less than a call (``PathSums.cheap_nodes``, the
sweep of :mod:`.engine.switch_sweep`): there a node costs little and each doubling round a fixed
cost per image, so fewer rounds of more nodes are faster, and the maps closer to the integral, for a
few more evaluations per map (docs/performance.md, "Adaptive IG")."""


@dataclass(frozen=True)
class AdaptiveMaps:
    """Maps and what each one took.

    Attributes:
        maps: (N, H, W, C) float32 attributions.
        evaluations: (N,) gradient evaluations of each map (intervals + 1).
        score_input, score_baseline: (N,) f_t(x) and f_t(x′).
        relative_error: (N,) completeness error of each map (see :func:`~.completeness.completeness`).
        change: (N,) relative L1 change of each map at its last doubling (inf if it had none).
        differences: for ``pairs`` (a, b), the maps of f_a − f_b with the same fields, else None.
    """

    maps: np.ndarray
    evaluations: np.ndarray
    score_input: np.ndarray
    score_baseline: np.ndarray
    relative_error: np.ndarray
    change: np.ndarray
    differences: AdaptiveMaps | None = None


def trapezoid_sum(sums: PathSums, baselines: np.ndarray, images: np.ndarray, targets: np.ndarray,
                  alphas: np.ndarray, weight: float, chunk_size: int) -> np.ndarray:
    """weight · Σ_k g(α_k) for every image (g: the gradient at x′ + α_k (x − x′)), float64."""
    return sums(images, baselines, targets, alphas, np.full(len(alphas), weight), chunk_size)


def relative_change(difference: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """‖d ⊙ (after − before)‖₁ / ‖d ⊙ after‖₁ per map (0 where both are 0), d = x − x′."""
    shape = (len(difference), int(np.prod(difference.shape[1:])))
    moved = np.abs(difference * (after - before)).reshape(shape).sum(axis=1)
    size = np.abs(difference * after).reshape(shape).sum(axis=1)
    return np.divide(moved, size, out=np.where(moved > 0, np.inf, 0.0), where=size > 0)


def adaptive_integrated_gradients(
    model: Any,
    images: np.ndarray,
    targets: np.ndarray,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    map_tolerance: float = DEFAULT_MAP_TOLERANCE,
    start: int | None = None,
    max_intervals: int = 4096,
    baseline: float | np.ndarray = 0.0,
    chunk_size: int = 512,
    pairs: np.ndarray | None = None,
) -> AdaptiveMaps:
    """Integrated Gradients with nested trapezoid doubling until each map's completeness error is
    at most ``tolerance`` and its change at the last doubling at most ``map_tolerance`` (or
    ``max_intervals`` is reached).

    Args:
        model: a Keras model (attributed on its logits) or a ``GradFn``.
        images: (N, H, W, C) float32; targets: (N,) classes or (N, K) class weights.
        tolerance: relative completeness error to refine to.
        map_tolerance: relative L1 change at a doubling to refine to (``inf``: completeness only).
        start: intervals of every map's first level (≥ 1); start + 1 gradient evaluations. An
            even ``start`` is reached by doubling start / 2, so its change is known. Default:
            ``SWEEP_START`` where the sums are taken by the sweep, else ``DEFAULT_START``.
        max_intervals: refinement stops here.
        baseline: x′, a scalar or an array broadcastable to ``images``.
        chunk_size: image-steps per compiled call.
        pairs: (M, 2) rows (a, b) of the same image and baseline, each row in at most one pair;
            each pair is refined together until its rows and IG of f_a − f_b pass both checks.
    """
    grad_fn = as_grad_fn(model, chunk_size)
    images = np.asarray(images, dtype=np.float32)
    targets = np.asarray(targets)
    baselines = np.ascontiguousarray(np.broadcast_to(np.asarray(baseline, dtype=np.float32), images.shape))
    sums = path_sums_for(grad_fn, baselines)
    if start is None:
        start = min(SWEEP_START if sums.cheap_nodes else DEFAULT_START, max_intervals)
    if start < 1 or max_intervals < start:
        raise ValueError(f"need 1 ≤ start ≤ max_intervals, got start={start}, max_intervals={max_intervals}")
    difference = images.astype(np.float64) - baselines
    at_baseline, score_baseline = grad_fn(baselines, targets)
    at_input, score_input = grad_fn(images, targets)
    n = start // 2 if start % 2 == 0 else start
    integral = (at_baseline.astype(np.float64) + at_input) / (2 * n)
    if n > 1:
        integral += trapezoid_sum(sums, baselines, images, targets, np.arange(1, n) / n, 1.0 / n, chunk_size)
    intervals = np.full(len(images), n, dtype=np.int64)
    change = np.full(len(images), np.inf)
    links = Links(pairs, images, baselines)
    pair_change = np.full(len(links.pairs), np.inf)

    def failing(maps: np.ndarray, at_input: np.ndarray, at_baseline: np.ndarray, moved: np.ndarray) -> np.ndarray:
        error = completeness(maps, at_input, at_baseline).relative_error
        return (error > tolerance) | (moved > map_tolerance)

    def unfinished(rows: np.ndarray) -> np.ndarray:
        """The rows to double next: those failing a check, and both rows of a pair where either
        row or the pair's difference fails one."""
        failed = rows[failing(difference[rows] * integral[rows], score_input[rows], score_baseline[rows],
                              change[rows])]
        linked = links.pairs_of(rows)
        a, b = links.pairs[linked].T
        failed_pairs = linked[failing(difference[a] * (integral[a] - integral[b]), score_input[a] - score_input[b],
                                      score_baseline[a] - score_baseline[b], pair_change[linked])]
        return links.with_partners(np.concatenate([failed, links.pairs[failed_pairs].ravel()]))

    todo = np.arange(len(images)) if n < start else unfinished(np.arange(len(images)))
    while len(todo) and 2 * n <= max_intervals:
        before = integral[todo]
        midpoints = (2 * np.arange(n) + 1) / (2 * n)
        integral[todo] = before / 2 + trapezoid_sum(sums, baselines[todo], images[todo], targets[todo],
                                                    midpoints, 1.0 / (2 * n), chunk_size)
        n *= 2
        intervals[todo] = n
        change[todo] = relative_change(difference[todo], before, integral[todo])
        linked = links.pairs_of(todo)
        a, b = links.pairs[linked].T
        was = before[np.searchsorted(todo, a)] - before[np.searchsorted(todo, b)]
        pair_change[linked] = relative_change(difference[a], was, integral[a] - integral[b])
        todo = unfinished(todo)

    def result(rows: np.ndarray, sign_rows: np.ndarray | None, moved: np.ndarray) -> AdaptiveMaps:
        total = integral[rows] if sign_rows is None else integral[rows] - integral[sign_rows]
        at_input = score_input[rows] - (0 if sign_rows is None else score_input[sign_rows])
        at_baseline = score_baseline[rows] - (0 if sign_rows is None else score_baseline[sign_rows])
        maps = (difference[rows] * total).astype(np.float32)
        check = completeness(maps, at_input, at_baseline)
        return AdaptiveMaps(maps, intervals[rows] + 1, at_input, at_baseline, check.relative_error, moved)

    every = result(np.arange(len(images)), None, change)
    if pairs is None:
        return every
    a, b = links.pairs.T
    return dataclasses.replace(every, differences=result(a, b, pair_change))


class Links:
    """Pairs of rows refined together (see :func:`adaptive_integrated_gradients`)."""

    def __init__(self, pairs: np.ndarray | None, images: np.ndarray, baselines: np.ndarray) -> None:
        self.pairs = np.zeros((0, 2), np.int64) if pairs is None else np.asarray(pairs, np.int64).reshape(-1, 2)
        rows = self.pairs.ravel()
        if len(np.unique(rows)) != len(rows) or (len(rows) and (rows.min() < 0 or rows.max() >= len(images))):
            raise ValueError("pairs must name distinct rows, each in at most one pair")
        if not all(np.array_equal(images[a], images[b]) and np.array_equal(baselines[a], baselines[b])
                   for a, b in self.pairs):
            raise ValueError("the two rows of a pair must hold the same image and baseline")
        self.partner = np.arange(len(images))
        self.partner[self.pairs[:, 0]], self.partner[self.pairs[:, 1]] = self.pairs[:, 1], self.pairs[:, 0]
        self.pair_of_row = np.full(len(images), -1)
        self.pair_of_row[rows] = np.repeat(np.arange(len(self.pairs)), 2)

    def pairs_of(self, rows: np.ndarray) -> np.ndarray:
        """The pairs that ``rows`` belong to, sorted."""
        found = self.pair_of_row[rows]
        return np.unique(found[found >= 0])

    def with_partners(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` and their partners, sorted and unique."""
        return np.union1d(rows, self.partner[rows]).astype(np.int64)
