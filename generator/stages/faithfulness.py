"""Deletion and insertion curves: does an attribution map rank the pixels the model uses?

Pixel flipping (Samek et al. 2017, "Evaluating the visualization of what a deep neural network
has learned", IEEE TNNLS 28(11)) removes the pixels an attribution ranks highest, a few at a
time, and follows the model's score for the target class: the faster it falls, the better the
ranking. RISE (Petsiuk, Das & Saenko 2018, "RISE: Randomized input sampling for explanation of
black-box models", BMVC) names this the *deletion* curve and adds its mirror, the *insertion*
curve: start from an image with the information removed and restore the top-ranked pixels
first; the faster the score rises, the better. Both summarise a curve by the area under it.

Removing a pixel means replacing it by a ``fill`` image: black (the Integrated-Gradients
baseline) or a blurred copy of the image (RISE's choice for insertion, which keeps the image's
low frequencies and is less far from the data than black); ROAD's imputation, which depends on
the removed set, is :mod:`.road`. The trust stage follows the target's logit (the score the maps
explain) and compares areas by :func:`normalised_auc` with ``which="logit"``; the softmax
probability, which saturates, is kept in :class:`Curves` only. The rankings this module compares
against are the controls of the report: random orders (:func:`random_rankings`) and an
image-only order that never looks at the model (:func:`edge_ranking`).

The model enters as a callback ``logits_fn(images (n, H, W, C) float32) -> (n, K) logits``; this
module is NumPy only. Intervals come from :func:`bootstrap`. Controls (rankings, blur) live in
:mod:`.faithfulness_controls` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .faithfulness_controls import BLUR_SIGMA, blur, edge_magnitude, edge_ranking, random_rankings, ranking

LogitsFn = Callable[[np.ndarray], np.ndarray]
"""(n, H, W, C) float32 images → (n, K) logits; must treat each image on its own."""
Ends = tuple[np.ndarray, np.ndarray]
"""(logits of the images, logits of the fill), each (N, K): the two ends of every path."""

MAX_STEP_SHARE = 0.02
"""Default largest share of the pixels changed between two points of a curve (2 %)."""
MIN_LOGIT_GAP = 1.0
"""Smallest |logit_t(image) − logit_t(fill)|, in logit units, for which :func:`normalised_auc`
rescales the logit curve; below it the image gets NaN (the path's two ends are too alike for
a curve rescaled by their difference to mean anything)."""

__all__ = [
    "BLUR_SIGMA", "MAX_STEP_SHARE", "MIN_LOGIT_GAP", "Curves", "Ends", "blur", "bootstrap", "deletion",
    "edge_magnitude", "edge_ranking", "end_logits", "insertion", "normalised_auc", "random_rankings", "ranking", "step_pixels",
]


@dataclass(frozen=True)
class Curves:
    """Scores along a deletion or insertion path.

    Attributes:
        fractions: (S+1,) share of pixels removed (deletion) or restored (insertion), 0 … 1,
            first 0, last 1; spaced by ``step / pixels`` except possibly the last interval.
        logit: (N, S+1) target logit (logit units).
        probability: (N, S+1) softmax probability of the target (0 … 1).
    """

    fractions: np.ndarray
    logit: np.ndarray
    probability: np.ndarray


def step_pixels(pixels: int, max_share: float = MAX_STEP_SHARE) -> int:
    """The largest whole number of pixels ``step`` with ``step / pixels ≤ max_share`` (784 → 15).

    Raises:
        ValueError: if not even one pixel fits in ``max_share`` of ``pixels``.
    """
    step = int(np.floor(max_share * pixels))
    while (step + 1) / pixels <= max_share:  # guard the float floor in both directions
        step += 1
    while step > 0 and step / pixels > max_share:
        step -= 1
    if step < 1:
        raise ValueError(f"max_share={max_share} of {pixels} pixels is less than one pixel")
    return step


def counts(pixels: int, step: int) -> np.ndarray:
    """(S+1,) pixels changed at each point of a path: 0, step, 2·step, …, pixels (the last capped)."""
    points = -(-pixels // step)  # ceil(pixels / step)
    return np.minimum(np.arange(points + 1) * step, pixels)


def deletion(logits_fn: LogitsFn, images: np.ndarray, targets: np.ndarray, order: np.ndarray,
             fill: np.ndarray, step: int, chunk: int = 4096, ends: Ends | None = None) -> Curves:
    """Deletion curve: the image with its top-ranked ``k`` pixels replaced by ``fill``, k = 0 … P.

    Args:
        logits_fn: the model, (n, H, W, C) float32 → (n, K) logits.
        images: (N, H, W, C) float32, in the model's input scale.
        targets: (N,) class whose logit and probability are followed.
        order: (N, P = H·W) pixel indices, most important first (e.g. :func:`ranking`); all
            C channels of a pixel are replaced together.
        fill: (N, H, W, C) what a removed pixel becomes, e.g. zeros or :func:`blur` (images).
        step: pixels replaced between two points (:func:`step_pixels`).
        chunk: images per ``logits_fn`` call; bounds memory, does not change the result.
        ends: the (N, K) logits of ``images`` and of ``fill`` when already known (every order
            of the same images shares them, see :func:`end_logits`); computed when ``None``.

    Returns:
        Curves whose first point is ``logits_fn(images)`` and last ``logits_fn(fill)``.
    """
    return _path(logits_fn, images, fill, targets, order, step, chunk, ends)


def insertion(logits_fn: LogitsFn, images: np.ndarray, targets: np.ndarray, order: np.ndarray,
              fill: np.ndarray, step: int, chunk: int = 4096, ends: Ends | None = None) -> Curves:
    """Insertion curve: ``fill`` with the image's top-ranked ``k`` pixels restored, k = 0 … P.

    The same path as :func:`deletion` walked from the other end: start at ``fill``, end at the
    image. Arguments as in :func:`deletion` (``ends`` is still (images, fill)); the first point
    is ``logits_fn(fill)``, the last ``logits_fn(images)``.
    """
    swapped = None if ends is None else (ends[1], ends[0])
    return _path(logits_fn, fill, images, targets, order, step, chunk, swapped)


def end_logits(logits_fn: LogitsFn, images: np.ndarray, fill: np.ndarray, chunk: int = 4096) -> Ends:
    """The logits at both ends of every deletion and insertion path of ``images`` and ``fill``."""
    images, fill = _check_images(images, fill)
    return _logits_of(logits_fn, images, chunk), _logits_of(logits_fn, fill, chunk)


def _path(logits_fn: LogitsFn, start: np.ndarray, end: np.ndarray, targets: np.ndarray,
          order: np.ndarray, step: int, chunk: int, ends: Ends | None) -> Curves:
    """Scores of x_k = start with the pixels ``order[:k]`` taken from ``end``, k = counts(P, step).

    The model sees each distinct image once. Along one path the swapped pixels only grow, so
    x_k equals the previous point's image exactly when every pixel swapped in between is the
    same in ``start`` and ``end`` (a black pixel deleted to a black fill); such a point reuses
    the previous point's logits. On MNIST with a black fill that skips most points of maps that
    rank the ink first.
    """
    start, end = _check_images(start, end)
    n, height, width, channels = start.shape
    pixels = height * width
    targets = _check_targets(targets, n)
    rank = _rank_of_pixel(order, n, pixels)  # (N, P): position of each pixel in its order
    if step < 1 or chunk < 1:
        raise ValueError(f"step and chunk must be ≥ 1, got step={step}, chunk={chunk}")
    changed = counts(pixels, step)
    start_flat = start.reshape(n, pixels, channels)
    end_flat = end.reshape(n, pixels, channels)
    points = changed.size
    new = _new_images(start_flat, end_flat, order, changed)  # (N, S+1): image differs from the point before
    unknown = new.copy()  # points whose image the model must see
    if ends is not None:  # both ends get their known logits below
        new[:, -1] = True
        unknown[:, 0] = unknown[:, -1] = False
    pairs = np.flatnonzero(unknown)  # (image, point) pairs, image-major, whose image the model must see
    answers = []
    for first in range(0, pairs.size, chunk):
        image, point = np.divmod(pairs[first:first + chunk], points)
        from_end = rank[image] < changed[point][:, None]  # (chunk, P): pixel already swapped
        batch = np.where(from_end[..., None], end_flat[image], start_flat[image])
        answers.append(_check_logits(logits_fn(batch.reshape(-1, height, width, channels)), image.size))
    if ends is not None:
        answers += [_check_logits(np.asarray(e), n) for e in ends]
        pairs = np.concatenate([pairs, np.arange(n) * points, np.arange(n) * points + points - 1])
    logits = np.empty((n * points, answers[0].shape[-1]), dtype=np.float64)
    logits[pairs] = np.concatenate(answers)
    logits = logits.reshape(n, points, -1)
    source = np.maximum.accumulate(np.where(new, np.arange(points), 0), axis=1)  # latest point with its own image
    all_logits = logits[np.arange(n)[:, None], source]
    if targets.max(initial=0) >= all_logits.shape[-1]:
        raise ValueError(f"targets must be < K = {all_logits.shape[-1]} classes, got {targets.max()}")
    return Curves(
        fractions=changed / pixels,
        logit=all_logits[np.arange(n), :, targets],
        probability=_softmax(all_logits)[np.arange(n), :, targets],
    )


def _new_images(start_flat: np.ndarray, end_flat: np.ndarray, order: np.ndarray, changed: np.ndarray) -> np.ndarray:
    """(N, S+1) True where point k's image differs from point k − 1's (always at k = 0)."""
    differs = np.any(start_flat != end_flat, axis=-1)  # (N, P)
    in_order = np.take_along_axis(differs, np.asarray(order), axis=1)
    swapped_that_differ = np.concatenate([np.zeros((len(order), 1), np.int64), np.cumsum(in_order, axis=1)],
                                         axis=1)[:, changed]
    new = np.ones(swapped_that_differ.shape, dtype=bool)
    new[:, 1:] = np.diff(swapped_that_differ, axis=1) > 0
    return new


def _logits_of(logits_fn: LogitsFn, images: np.ndarray, chunk: int) -> np.ndarray:
    return np.concatenate([_check_logits(logits_fn(images[i:i + chunk]), len(images[i:i + chunk]))
                           for i in range(0, len(images), chunk)])


def normalised_auc(curves: Curves, which: str = "probability", min_gap: float = MIN_LOGIT_GAP) -> np.ndarray:
    """(N,) area under each curve over the removed/restored share in [0, 1] (trapezoid rule).

    ``which="probability"``: the area under the target's softmax probability, as in RISE; it
    is already in [0, 1] and not rescaled (an image the model is unsure about scores low on
    every order, so compare methods on the same images).

    ``which="logit"`` (logit units differ from image to image): each image's logit curve is
    rescaled by its two ends, the logit at the image and at the fill, which every order of that
    image shares:

        s_k = (logit_t(x_k) − min(ends)) / (max(ends) − min(ends)).

    The end with the lower logit maps to 0 and the higher to 1; usually that is the fill and
    the image, so a deletion curve runs from 1 down to 0 and an insertion curve from 0 up to 1.
    The area is in [0, 1] whenever the curve stays between its ends, a straight line between
    them scores 0.5, and shifting or (positively) scaling an image's logits changes nothing.
    Because the rescaling is increasing, two orders of the same image compare exactly as their
    raw logit areas do: deletion, lower is better; insertion, higher is better — also for the
    rare image whose fill scores higher than the image itself (its curves then run the other
    way). Images whose ends differ by less than ``min_gap`` logit units, or not at all, get
    NaN (:func:`bootstrap` skips them).
    """
    if which == "probability":
        return trapezoid(curves.probability, curves.fractions)
    if which != "logit":
        raise ValueError(f"which must be 'probability' or 'logit', got {which!r}")
    low = np.minimum(curves.logit[:, 0], curves.logit[:, -1])
    gap = np.abs(curves.logit[:, 0] - curves.logit[:, -1])
    usable = (gap > 0) & (gap >= min_gap)
    scaled = (curves.logit - low[:, None]) / np.where(usable, gap, 1.0)[:, None]
    return np.where(usable, trapezoid(scaled, curves.fractions), np.nan)


def trapezoid(values: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """(N,) Σ_k (f_{k+1} − f_k) · (v_k + v_{k+1}) / 2 over the last axis of ``values`` (N, S+1)."""
    widths = np.diff(fractions)
    return np.sum(widths * (values[:, 1:] + values[:, :-1]) / 2.0, axis=-1)


def bootstrap(values: np.ndarray, seed: int, resamples: int = 1000, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): the mean of ``values`` and its percentile-bootstrap ``level`` interval.

    Non-finite values (e.g. NaN from :func:`normalised_auc`) are left out before resampling;
    with none left the result is (nan, nan, nan). Seeded: the same call gives the same interval.
    """
    finite = np.asarray(values, dtype=np.float64).ravel()
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return (float("nan"),) * 3
    draws = np.random.default_rng(seed).integers(0, finite.size, size=(resamples, finite.size))
    means = finite[draws].mean(axis=1)
    low, high = np.quantile(means, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return float(finite.mean()), float(low), float(high)


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the maximum so that exp never overflows."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _rank_of_pixel(order: np.ndarray, n: int, pixels: int) -> np.ndarray:
    """(N, P) inverse permutation of each row of ``order`` (N, P); checks each row is a permutation."""
    order = np.asarray(order)
    if order.shape != (n, pixels) or not np.issubdtype(order.dtype, np.integer):
        raise ValueError(f"order must be integer (N, H·W) = {(n, pixels)}, got {order.dtype} {order.shape}")
    if not np.array_equal(np.sort(order, axis=1), np.broadcast_to(np.arange(pixels), order.shape)):
        raise ValueError("each row of order must be a permutation of 0 … H·W − 1")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(pixels), order.shape), axis=1)
    return rank


def _check_images(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both (N, H, W, C) with the same shape, as float32."""
    start, end = np.asarray(start, dtype=np.float32), np.asarray(end, dtype=np.float32)
    if start.ndim != 4 or start.shape != end.shape:
        raise ValueError(f"images and fill must both be (N, H, W, C), got {start.shape} and {end.shape}")
    return start, end


def _check_logits(logits: np.ndarray, n: int) -> np.ndarray:
    """logits_fn's answer for ``n`` images must be (n, K)."""
    logits = np.asarray(logits)
    if logits.ndim != 2 or logits.shape[0] != n:
        raise ValueError(f"logits_fn must return (n, K) logits for n={n} images, got {logits.shape}")
    return logits


def _check_targets(targets: np.ndarray, n: int) -> np.ndarray:
    """(N,) non-negative integer classes (checked against K once the logits are known)."""
    targets = np.asarray(targets)
    if targets.shape != (n,) or not np.issubdtype(targets.dtype, np.integer) or np.any(targets < 0):
        raise ValueError(f"targets must be (N,) = {(n,)} non-negative integers, got {targets.dtype} {targets.shape}")
    return targets
