"""ROAD's noisy linear imputation: the fill that replaces removed pixels by what their neighbours say.

Rong, Leemann, Borisov, Kasneci & Kasneci (2022, "A Consistent and Efficient Evaluation Strategy
for Attribution Methods", ICML) show that black or blurred fills let the *shape* of the removed
set leak the class (a digit-shaped hole is a digit), and propose Remove And Debias: each removed
pixel p becomes the weighted mean of its eight neighbours q,

    v_p = Σ_q w_q · v_q / Σ_q w_q,   w = 1/6 for the four direct neighbours, 1/12 for the diagonal ones,

where a neighbour's v_q is its image value when it was kept and its own unknown when it was removed
too, and neighbours outside the image are left out of both sums. The equations of all removed
pixels form one sparse linear system (:func:`impute`); ROAD then adds Gaussian noise of standard
deviation ``noise`` to every imputed pixel, so that the imputation itself carries no trace of the
mask. With every pixel removed there is nothing to interpolate from: the system is singular, and
:func:`impute` returns black there (the curves' paths end at the black image).

The system matrix D − W (D the diagonal of Σ w over each pixel's in-image neighbours, W the weights
between removed neighbours) is symmetric, and positive definite whenever at least one pixel is
kept (every group of removed pixels borders a kept one on a connected grid). Ordered row by row,
a removed pixel's removed neighbours lie at most W + 1 unknowns away, so a banded Cholesky
factorisation solves it in O(n·b²) for n unknowns of bandwidth b ≤ W + 1 (:func:`_solve_all`,
compiled with numba, one system per thread).
"""

from __future__ import annotations

import numba
import numpy as np

from generator.stages.faithfulness import Curves, Ends, LogitsFn, _check_logits, _check_targets, _rank_of_pixel, _softmax

ROAD_NOISE = 0.01
"""Standard deviation of the Gaussian noise added to each imputed pixel, in pixel/255 units: ROAD's
default (its images are standardised, so there it is a quarter of this in [0, 1] units)."""
NEIGHBOUR_WEIGHTS = np.array([[1 / 12, 1 / 6, 1 / 12], [1 / 6, 0.0, 1 / 6], [1 / 12, 1 / 6, 1 / 12]])
"""w of the neighbour at row offset i − 1, column offset j − 1 (ROAD's weights; the centre is 0)."""


def impute(images: np.ndarray, removed: np.ndarray, noise: float = ROAD_NOISE,
           rng: np.random.Generator | None = None) -> np.ndarray:
    """Each image with its removed pixels replaced by ROAD's noisy linear imputation.

    Args:
        images: (N, H, W, C) float, the values of the kept pixels (all C channels of a pixel are
            removed together, each channel imputed on its own).
        removed: (N, H, W) bool, True where a pixel is removed.
        noise: standard deviation of the Gaussian noise added to each imputed value (0: none).
        rng: draws the noise (required when ``noise`` > 0).

    Returns:
        (N, H, W, C) float32: kept pixels unchanged, removed ones imputed (plus noise); an image
        with every pixel removed comes back black, without noise.
    """
    images = np.asarray(images, dtype=np.float64)
    removed = np.asarray(removed, dtype=bool)
    if images.ndim != 4 or removed.shape != images.shape[:3]:
        raise ValueError(f"images must be (N, H, W, C) and removed (N, H, W), got {images.shape} and {removed.shape}")
    if noise < 0 or (noise > 0 and rng is None):
        raise ValueError("noise must be ≥ 0, with an rng to draw it when > 0")
    out = _solve_all(np.ascontiguousarray(images), np.ascontiguousarray(removed), NEIGHBOUR_WEIGHTS)
    if noise > 0:
        filled = removed & ~np.all(removed, axis=(1, 2), keepdims=True)
        out[filled] += noise * rng.standard_normal((int(filled.sum()), images.shape[-1]))
    return out.astype(np.float32)


def road_curves(score_fn: LogitsFn, images: np.ndarray, targets: np.ndarray, order: np.ndarray,
                counts: np.ndarray, deletion: bool, seed: int, noise: float = ROAD_NOISE, ends: Ends | None = None,
                chunk: int = 4096) -> Curves:
    """Deletion or insertion curve with ROAD's imputation as the fill, at the given pixel counts.

    Deletion: point k removes the ``counts[k]`` top-ranked pixels of ``order`` and imputes them
    (:func:`impute`); insertion: it keeps those and imputes all the others. The first and last
    counts must be 0 and H·W: a path from the image to the black image (deletion) or back
    (insertion). The noise is drawn from ``seed`` alone, so every order of the same images
    meets the same draws at the same (image, point, pixel count).

    Args:
        score_fn: the model, (n, H, W, C) float32 → (n, K) scores.
        images: (N, H, W, C) float32 in pixel/255.
        targets: (N,) the class whose score is followed.
        order: (N, H·W) pixel indices, most important first.
        counts: (S + 1,) increasing pixel counts from 0 to H·W.
        deletion: True for deletion, False for insertion.
        seed: seeds the imputation noise.
        noise: σ of the imputation noise (:data:`ROAD_NOISE`).
        ends: the (N, K) scores of the images and of the black image when known (skips both ends).
        chunk: images per ``score_fn`` call.

    Returns:
        :class:`~generator.stages.faithfulness.Curves` at ``counts / (H·W)``.
    """
    images = np.asarray(images, dtype=np.float32)
    n, height, width, channels = images.shape
    pixels = height * width
    targets = _check_targets(targets, n)
    counts = np.asarray(counts, dtype=np.int64)
    if counts[0] != 0 or counts[-1] != pixels or np.any(np.diff(counts) <= 0):
        raise ValueError(f"counts must rise from 0 to {pixels}, got {counts.tolist()}")
    rank = _rank_of_pixel(order, n, pixels)
    inner = counts[1:-1] if ends is not None else counts
    removed = rank[:, None, :] < inner[None, :, None]  # (N, points, P): top-ranked pixels
    if not deletion:
        removed = ~removed
    filled = impute(np.repeat(images, len(inner), axis=0), removed.reshape(-1, height, width),
                    noise, np.random.default_rng(seed))
    scores = np.concatenate([_check_logits(score_fn(filled[i:i + chunk]), len(filled[i:i + chunk]))
                             for i in range(0, len(filled), chunk)]).reshape(n, len(inner), -1)
    if ends is not None:
        image_end, black_end = (np.asarray(e)[:, None, :] for e in ends)
        first, last = (image_end, black_end) if deletion else (black_end, image_end)
        scores = np.concatenate([first, scores, last], axis=1)
    rows = np.arange(n)
    return Curves(fractions=counts / pixels, logit=scores[rows, :, targets].astype(np.float64),
                  probability=_softmax(scores.astype(np.float64))[rows, :, targets])


@numba.njit(parallel=True, cache=True)
def _solve_all(images: np.ndarray, removed: np.ndarray, weights: np.ndarray) -> np.ndarray:  # pragma: no cover
    count, height, width, channels = images.shape
    out = images.copy()
    for n in numba.prange(count):
        _solve_one(images[n], removed[n], weights, out[n], height, width, channels)
    return out


@numba.njit(cache=True)
def _solve_one(image, removed, weights, out, height, width, channels):  # pragma: no cover
    """Fill ``out``'s removed pixels with the solution of (D − W) v = Σ_kept w x (banded Cholesky)."""
    pixels = height * width
    index = np.full(pixels, -1, np.int64)
    n = 0
    for p in range(pixels):
        if removed[p // width, p % width]:
            index[p] = n
            n += 1
    if n == 0:
        return
    if n == pixels:  # nothing kept: nothing to interpolate from
        for p in range(pixels):
            for c in range(channels):
                out[p // width, p % width, c] = 0.0
        return
    band = 0
    first = np.arange(n)  # first[r]: the first column of row r inside its envelope (Cholesky fills no more)
    for p in range(pixels):
        if index[p] < 0:
            continue
        i, j = p // width, p % width
        for di in range(-1, 1):
            for dj in range(-1, 2):
                if di == 0 and dj >= 0:
                    continue
                qi, qj = i + di, j + dj
                if 0 <= qi < height and 0 <= qj < width and index[qi * width + qj] >= 0:
                    band = max(band, index[p] - index[qi * width + qj])
                    first[index[p]] = min(first[index[p]], index[qi * width + qj])
    lower = np.zeros((n, band + 1))  # lower[r, d] = M[r, r − d]
    rhs = np.zeros((n, channels))
    for p in range(pixels):
        r = index[p]
        if r < 0:
            continue
        i, j = p // width, p % width
        for di in range(-1, 2):
            for dj in range(-1, 2):
                w = weights[di + 1, dj + 1]
                qi, qj = i + di, j + dj
                if w == 0.0 or not (0 <= qi < height and 0 <= qj < width):
                    continue
                lower[r, 0] += w
                s = index[qi * width + qj]
                if s < 0:
                    for c in range(channels):
                        rhs[r, c] += w * image[qi, qj, c]
                elif s < r:
                    lower[r, r - s] = -w
    # Cholesky M = L Lᵀ in band storage: lower[r, d] becomes L[r, r − d].
    for r in range(n):
        for d in range(r - first[r], -1, -1):
            col = r - d
            total = lower[r, d]
            for k in range(max(first[r], first[col]), col):
                total -= lower[r, r - k] * lower[col, col - k]
            if d == 0:
                lower[r, 0] = np.sqrt(total)
            else:
                lower[r, d] = total / lower[col, 0]
    for c in range(channels):
        y = np.zeros(n)
        for r in range(n):  # L y = rhs
            total = rhs[r, c]
            for k in range(first[r], r):
                total -= lower[r, r - k] * y[k]
            y[r] = total / lower[r, 0]
        for r in range(n - 1, -1, -1):  # Lᵀ v = y
            total = y[r]
            for k in range(r + 1, min(n, r + band + 1)):
                total -= lower[k, k - r] * y[k]
            y[r] = total / lower[r, 0]
        for p in range(pixels):
            if index[p] >= 0:
                out[p // width, p % width, c] = y[index[p]]
