"""How alike two attribution maps are: rank correlation and structural similarity, per image.

The measures of the randomisation sanity checks (Adebayo et al., 2018, "Sanity Checks for
Saliency Maps", section 3): a map computed on a trained model is compared with the map of
the same image on a randomised model by

* Spearman rank correlation of the signed maps and of their absolute values (``|map|``,
  because the sign of a gradient can flip while its support stays), and
* SSIM (Wang, Bovik, Sheikh & Simoncelli, 2004, "Image Quality Assessment: From Error
  Visibility to Structural Similarity") of the two maps, each scaled to [0, 1] on its own;
* Spearman of ``|map|`` on the *support* only, the pixels where either map is non-zero
  (:func:`spearman_support_rows`): pixels that are zero in both maps tie whatever the weights
  (a black pixel times any gradient), and on MNIST they are most of the image.

The two repairs of the test by Hedström et al. (2023), Efficient and Smooth MPRT, are in :mod:`.mprt`.

Pure NumPy, vectorised over the N images where the measure allows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

SSIM_WINDOW = 7
"""Side of the square uniform SSIM window (scikit-image's default)."""
SSIM_K1 = 0.01
SSIM_K2 = 0.03


def average_ranks_rows(values: np.ndarray) -> np.ndarray:
    """Ranks 0 … M−1 of each row, tied values sharing the mean of their ranks.

    Args:
        values: (N, M) numbers.

    Returns:
        (N, M) float64 ranks, e.g. [10, 20, 10, 30] → [0.5, 2, 0.5, 3].
    """
    values = np.asarray(values, dtype=np.float64)
    rows, count = values.shape
    order = np.argsort(values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    position = np.broadcast_to(np.arange(count), (rows, count))
    new_group = np.ones((rows, count), dtype=bool)
    new_group[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    # Each sorted position's group runs from its first to its last position.
    first = np.maximum.accumulate(np.where(new_group, position, 0), axis=1)
    ends_group = np.ones((rows, count), dtype=bool)
    ends_group[:, :-1] = new_group[:, 1:]
    last = np.minimum.accumulate(np.where(ends_group, position, count - 1)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty((rows, count))
    np.put_along_axis(ranks, order, (first + last) / 2.0, axis=1)
    return ranks


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks of a 1-D array (see :func:`average_ranks_rows`)."""
    return average_ranks_rows(np.ravel(values)[np.newaxis])[0]


def spearman_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of each pair of maps.

    Pearson correlation of the average ranks (ties share their mean rank) of the flattened maps.

    Args:
        a: (N, ...) maps.
        b: (N, ...) maps, same shape as ``a``.

    Returns:
        (N,) float64 in [−1, 1]; NaN for a pair where either map is constant.
    """
    a, b = _paired(a, b)
    if a.shape[1] == 0:
        return np.full(len(a), np.nan)
    ranks_a = average_ranks_rows(a)
    ranks_b = average_ranks_rows(b)
    ranks_a -= ranks_a.mean(axis=1, keepdims=True)
    ranks_b -= ranks_b.mean(axis=1, keepdims=True)
    constant = (a.min(axis=1) == a.max(axis=1)) | (b.min(axis=1) == b.max(axis=1))
    norms = np.sqrt((ranks_a**2).sum(axis=1) * (ranks_b**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (ranks_a * ranks_b).sum(axis=1) / norms
    rho = np.clip(rho, -1.0, 1.0)
    rho[constant] = np.nan
    return rho


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of two maps (average ranks for ties); NaN if one is constant."""
    return float(spearman_rows(np.ravel(a)[np.newaxis], np.ravel(b)[np.newaxis])[0])


def scale_to_unit(maps: np.ndarray) -> np.ndarray:
    """Each map scaled to [0, 1] by its own minimum and maximum; a constant map becomes zeros.

    Args:
        maps: (N, H, W).

    Returns:
        (N, H, W) float64.
    """
    maps = np.asarray(maps, dtype=np.float64)
    low = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - low
    return np.divide(maps - low, span, out=np.zeros_like(maps), where=span > 0)


def window_means(maps: np.ndarray, size: int = SSIM_WINDOW) -> np.ndarray:
    """Mean over every ``size`` × ``size`` window that fits inside the map ('valid' windows).

    Args:
        maps: (N, H, W).
        size: window side.

    Returns:
        (N, H − size + 1, W − size + 1) float64, from a 2-D cumulative sum (summed-area table).
    """
    table = np.zeros((maps.shape[0], maps.shape[1] + 1, maps.shape[2] + 1))
    table[:, 1:, 1:] = np.cumsum(np.cumsum(maps, axis=1, dtype=np.float64), axis=2)
    sums = table[:, size:, size:] - table[:, :-size, size:] - table[:, size:, :-size] + table[:, :-size, :-size]
    return sums / float(size * size)


def ssim_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean structural similarity of each pair of maps, each map first scaled to [0, 1].

    SSIM = (2 μa μb + C1)(2 σab + C2) / ((μa² + μb² + C1)(σa² + σb² + C2)) on every 7 × 7
    window that fits inside the map, with C1 = (K1 L)², C2 = (K2 L)², K1 = 0.01, K2 = 0.03,
    data range L = 1 and sample (co)variances (divided by 48, not 49), averaged over the
    windows: scikit-image's ``structural_similarity`` defaults with
    ``use_sample_covariance=True``, which also averages over the valid windows only.

    Args:
        a: (N, H, W) maps, H and W at least 7.
        b: (N, H, W) maps.

    Returns:
        (N,) float64, 1 for maps equal after scaling.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape or a.ndim != 3:
        raise ValueError(f"expected two (N, H, W) arrays of the same shape, got {a.shape} and {b.shape}")
    if min(a.shape[1:]) < SSIM_WINDOW:
        raise ValueError(f"maps of {a.shape[1]}×{a.shape[2]} are smaller than the {SSIM_WINDOW}×{SSIM_WINDOW} SSIM window")
    x = scale_to_unit(a)
    y = scale_to_unit(b)
    samples = SSIM_WINDOW * SSIM_WINDOW
    sample_correction = samples / (samples - 1.0)
    mean_x, mean_y = window_means(x), window_means(y)
    var_x = sample_correction * (window_means(x * x) - mean_x**2)
    var_y = sample_correction * (window_means(y * y) - mean_y**2)
    cov_xy = sample_correction * (window_means(x * y) - mean_x * mean_y)
    c1 = (SSIM_K1 * 1.0) ** 2
    c2 = (SSIM_K2 * 1.0) ** 2
    ssim_map = ((2 * mean_x * mean_y + c1) * (2 * cov_xy + c2)) / (
        (mean_x**2 + mean_y**2 + c1) * (var_x + var_y + c2))
    return ssim_map.mean(axis=(1, 2))


@dataclass(frozen=True)
class Comparison:
    """How alike two sets of maps of the same images are, image by image.

    Every field is a float64 array whose last axis runs over the N images ((N,) for one
    comparison, (L, N) for one per cascade layer).

    Attributes:
        spearman_abs: Spearman of |a| and |b| over every pixel (Adebayo et al.'s measure).
        spearman_abs_support: the same on the pixels where a or b is non-zero only.
        spearman: Spearman of the signed maps.
        ssim: SSIM of the maps, each scaled to [0, 1] on its own.
    """

    spearman_abs: np.ndarray
    spearman_abs_support: np.ndarray
    spearman: np.ndarray
    ssim: np.ndarray


METRICS = tuple(field.name for field in fields(Comparison))
"""The measures of a :class:`Comparison`, in its field order."""


def similarity(maps_a: np.ndarray, maps_b: np.ndarray) -> Comparison:
    """The per-image similarity measures of the sanity checks.

    Args:
        maps_a: (N, H, W) maps, e.g. from the trained model.
        maps_b: (N, H, W) maps of the same images and targets, e.g. from a randomised model.

    Returns:
        ρ(|a|, |b|), ρ(|a|, |b|) on the support, ρ(a, b) and SSIM(a, b), each (N,) float64.
    """
    maps_a = np.asarray(maps_a)
    maps_b = np.asarray(maps_b)
    if maps_a.shape != maps_b.shape or maps_a.ndim != 3:
        raise ValueError(f"expected two (N, H, W) arrays of the same shape, got {maps_a.shape} and {maps_b.shape}")
    return Comparison(
        spearman_abs=spearman_rows(np.abs(maps_a), np.abs(maps_b)),
        spearman_abs_support=spearman_support_rows(maps_a, maps_b),
        spearman=spearman_rows(maps_a, maps_b),
        ssim=ssim_rows(maps_a, maps_b),
    )


def spearman_support_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman of |a| and |b| over the support S = {pixels where a ≠ 0 or b ≠ 0}, per image.

    A pixel that is zero in both maps ties there whatever either model does; leaving the joint
    zeros out measures how alike the two maps rank the pixels that either of them uses.

    Args:
        a: (N, ...) maps.
        b: (N, ...) maps, same shape.

    Returns:
        (N,) float64; NaN where the support has fewer than 2 pixels or |a| or |b| is constant on it.
    """
    a, b = _paired(a, b)
    rho = np.full(len(a), np.nan)
    for row, (x, y) in enumerate(zip(np.abs(a), np.abs(b))):
        support = (x != 0) | (y != 0)
        if np.count_nonzero(support) >= 2:
            rho[row] = spearman_rows(x[support][None], y[support][None])[0]
    return rho


def _paired(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both (N, ...) arrays flattened to (N, M) float64, after checking they match."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape or a.ndim < 1:
        raise ValueError(f"expected two (N, ...) arrays of the same shape, got {a.shape} and {b.shape}")
    return a.reshape(len(a), -1).astype(np.float64), b.reshape(len(b), -1).astype(np.float64)
