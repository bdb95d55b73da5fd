"""Expected Gradients' control variate: the completeness residual of each draw, whose expectation
is zero, corrects the mean of the draws (see :mod:`.expected_gradients`).

A draw's term t_j = (x − x′_j) ⊙ ∂f_t(x′_j + α_j (x − x′_j))/∂x sums over the pixels to the path
derivative of f_t at α_j, whose integral over α is f_t(x) − f_t(x′_j): its residual
c_j = Σ_i t_j,i − (f_t(x) − f_t(x′_j)) has mean zero given its baseline. :func:`draw_sums` gathers,
in one pass over the draws, what the plain mean and the corrected one need;
:func:`control_variate_mean` subtracts β ⊙ c̄, β fitted on the other half of the draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .protocols import GradFn
from .path_sums import interpolate

MIN_SLOPE_DRAWS = 8
"""Fewest draws each half needs for the control variate: a slope from fewer is so unstable (it
divides by the spread of a handful of residuals) that the correction adds more noise than it
removes (on f = Σ a_i x_i² with 4 draws per map, 190 times the plain mean's RMS error), so with
fewer than 16 draws per map the estimator is the plain mean."""
ROUNDING_FLOOR = 1e-5
"""A half's residuals c_j whose spread is below this fraction of the root mean square of its sums
Σ_i t_j,i are float rounding (e.g. a linear model, where c_j = 0 exactly): no slope is fitted."""


@dataclass(frozen=True)
class DrawSums:
    """Sums over one half of each image's draws, what the estimators need: the terms
    t_j = (x − x′_j) ⊙ ∂f_t(x′_j + α_j (x − x′_j))/∂x and their completeness residuals
    c_j = Σ_i t_j,i − (f_t(x) − f_t(x′_j)).

    Attributes:
        count: draws n_h per image in this half.
        terms: (N, H, W, C) Σ_j t_j; residual_terms: (N, H, W, C) Σ_j c_j t_j.
        residual, residual_squared, sum_squared: (N,) Σ_j c_j, Σ_j c_j², Σ_j (Σ_i t_j,i)².
    """

    count: int
    terms: np.ndarray
    residual_terms: np.ndarray
    residual: np.ndarray
    residual_squared: np.ndarray
    sum_squared: np.ndarray

    def mean(self) -> np.ndarray:
        """(N, H, W, C) float64 (1/n_h) Σ_j t_j, the plain Monte Carlo mean (zeros for no draws)."""
        return self.terms / max(self.count, 1)

    def slopes(self) -> np.ndarray:
        """(N, H, W, C) β_i = Σ_j (c_j − c̄) t_j,i / Σ_j (c_j − c̄)², the least-squares slope of each
        pixel's term on the residual; 0 with fewer than two draws or residuals at rounding level
        (:data:`ROUNDING_FLOOR`)."""
        trailing = (1,) * (self.terms.ndim - 1)
        if self.count < 2:
            return np.zeros_like(self.terms)
        mean_residual = self.residual / self.count
        spread = self.residual_squared - self.count * mean_residual ** 2
        fitted = spread > ROUNDING_FLOOR ** 2 * self.sum_squared
        covariance = self.residual_terms - mean_residual.reshape(-1, *trailing) * self.terms
        safe = np.where(fitted, spread, 1.0).reshape(-1, *trailing)
        return np.where(fitted.reshape(-1, *trailing), covariance / safe, 0.0)


def control_variate_mean(own: DrawSums, other: DrawSums) -> np.ndarray:
    """(N, H, W, C) float64 (1/n_h) Σ_j t_j − β ⊙ (1/n_h) Σ_j c_j over ``own``'s draws, β the slopes
    of ``other``'s (independent) draws: unbiased for EG, since each c_j has mean zero given its
    baseline (Glasserman, 2004, "Monte Carlo Methods in Financial Engineering", §4.1)."""
    trailing = (1,) * (own.terms.ndim - 1)
    mean_residual = (own.residual / max(own.count, 1)).reshape(-1, *trailing)
    return own.mean() - other.slopes() * mean_residual


def draw_sums(grad_fn: GradFn, images: np.ndarray, targets: np.ndarray, baselines: np.ndarray, which: np.ndarray,
              alpha: np.ndarray, delta: np.ndarray, chunk_size: int) -> DrawSums:
    """The :class:`DrawSums` of given draws, in chunks of at most ``chunk_size`` image-draws.

    Args:
        grad_fn: a ``GradFn``; images: (N, H, W, C) float32; targets: (N,) or (N, K).
        baselines: (B, H, W, C); which: (N, n_h) each draw's baseline; alpha: (N, n_h) its α.
        delta: (N, n_h) f_t(x) − f_t(x′_j) of each draw (zeros when no control variate is wanted).
        chunk_size: image-draws per gradient call.
    """
    count, samples = which.shape[1], which.size
    terms, residual_terms = np.zeros(images.shape), np.zeros(images.shape)
    residual, residual_squared, sum_squared = np.zeros(len(images)), np.zeros(len(images)), np.zeros(len(images))
    trailing = (1,) * (images.ndim - 1)
    for start in range(0, samples, chunk_size):
        rows = np.arange(start, min(start + chunk_size, samples))
        image_of, draw_of = rows // count, rows % count
        x, start_point = images[image_of], baselines[which[image_of, draw_of]]
        gradients, _ = grad_fn(interpolate(start_point, x, alpha[image_of, draw_of]), targets[image_of])
        term = (x - start_point).astype(np.float64) * gradients
        total = term.reshape(len(rows), -1).sum(axis=1)
        c = total - delta[image_of, draw_of]
        firsts = np.flatnonzero(np.r_[True, image_of[1:] != image_of[:-1]])  # rows of an image are contiguous
        at = image_of[firsts]
        terms[at] += np.add.reduceat(term, firsts, axis=0)
        residual_terms[at] += np.add.reduceat(term * c.reshape(-1, *trailing), firsts, axis=0)
        residual[at] += np.add.reduceat(c, firsts)
        residual_squared[at] += np.add.reduceat(c * c, firsts)
        sum_squared[at] += np.add.reduceat(total * total, firsts)
    return DrawSums(count, terms, residual_terms, residual, residual_squared, sum_squared)
