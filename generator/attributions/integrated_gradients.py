"""Integrated Gradients (Sundararajan, Taly & Yan, 2017, "Axiomatic Attribution for Deep Networks").

    IG_i(x) = (x_i − x′_i) · ∫₀¹ ∂f_t(x′ + α(x − x′)) / ∂x_i  dα

with f_t the target logit, held fixed along the whole path, and the integral replaced by
a quadrature rule Σ_k w_k g(α_k). Each term of the formula is a function below.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .adaptive import DEFAULT_MAP_TOLERANCE, DEFAULT_TOLERANCE, adaptive_integrated_gradients
from .engine import as_grad_fn
from .path_sums import interpolate, path_sums_for
from .quadrature import quadrature

__all__ = ["contrast_weights", "contrastive_integrated_gradients", "integrated_gradients", "interpolate"]


def contrast_weights(plus: np.ndarray, minus: np.ndarray, classes: int) -> np.ndarray:
    """(n, K) class weights with +1 at ``plus`` and −1 at ``minus``: score = logit_plus − logit_minus."""
    rows = np.arange(len(plus))
    weights = np.zeros((len(plus), classes), dtype=np.float32)
    weights[rows, np.asarray(plus)] += 1.0
    weights[rows, np.asarray(minus)] -= 1.0
    return weights


def integrated_gradients(
    model: Any,
    images: np.ndarray,
    targets: np.ndarray,
    *,
    steps: int | None = None,
    baseline: float | np.ndarray = 0.0,
    method: str = "gauss_legendre",
    chunk_size: int = 512,
    on_chunk: Callable[[int, int], None] | None = None,
    tolerance: float | None = None,
    map_tolerance: float | None = None,
    max_intervals: int = 4096,
) -> np.ndarray:
    """Integrated Gradients of each image's target logit.

    The N × S path points are evaluated in chunks of ``chunk_size`` image-steps (see
    :mod:`.batching`); results do not depend on the chunk size or the batch order. Without
    ``steps``, each map is refined until its completeness error is within ``tolerance`` and its
    change at a doubling within ``map_tolerance`` (defaults :data:`~.adaptive.DEFAULT_TOLERANCE`,
    :data:`~.adaptive.DEFAULT_MAP_TOLERANCE`) or it has ``max_intervals`` + 1 nodes
    (:func:`~.adaptive.adaptive_integrated_gradients`, trapezoid nodes; ``method`` and
    ``on_chunk`` then do not apply).

    Args:
        model: a Keras model (attributed on its logits) or a ``GradFn``.
        images: (N, H, W, C) float32 in the model's input scale.
        targets: (N,) class index per image, fixed along the path; or (N, K) class weights
            (the score is Σ_k weights_k · logit_k, e.g. +1/−1 for a contrast of two classes).
        steps: quadrature nodes S; None: adaptive, as above.
        baseline: x′, a scalar or an array broadcastable to ``images`` (0 is black).
        method: quadrature rule (see :func:`quadrature`).
        chunk_size: image-steps per compiled call.
        on_chunk: optional progress callback ``(done, total)`` in image-steps.
        tolerance, map_tolerance, max_intervals: the adaptive method's completeness error, change
            at a doubling and node cap (without ``steps`` only).

    Returns:
        (N, H, W, C) float32 attributions in logit units; Σ_i IG_i ≈ f_t(x) − f_t(x′).
    """
    if steps is None:
        return adaptive_integrated_gradients(
            model, images, targets, baseline=baseline, chunk_size=chunk_size, max_intervals=max_intervals,
            tolerance=DEFAULT_TOLERANCE if tolerance is None else tolerance,
            map_tolerance=DEFAULT_MAP_TOLERANCE if map_tolerance is None else map_tolerance).maps
    grad_fn = as_grad_fn(model, chunk_size)
    images = np.asarray(images, dtype=np.float32)
    baselines = np.broadcast_to(np.asarray(baseline, dtype=np.float32), images.shape)
    alphas, weights = quadrature(method, steps)
    path_integral = path_sums_for(grad_fn, baselines)(images, baselines, np.asarray(targets), alphas, weights,
                                                      chunk_size, on_chunk)
    return ((images - baselines) * path_integral).astype(np.float32)


def contrastive_integrated_gradients(
    model: Any, images: np.ndarray, predicted: np.ndarray, true: np.ndarray, **options: Any
) -> np.ndarray:
    """IG of the score f_pred − f_true: what pushed the model from the true class to the wrong one.

    By completeness the map sums to (f_pred − f_true)(x) − (f_pred − f_true)(x′); positive
    pixels favour the predicted class over the true one.

    Args:
        model: a Keras model (attributed on its logits) or a ``GradFn`` with ``classes``.
        images: (N, H, W, C) float32.
        predicted: (N,) the class the model chose.
        true: (N,) the correct class.
        **options: ``steps``, ``baseline``, ``method``, ``chunk_size`` as for
            :func:`integrated_gradients`.
    """
    grad_fn = as_grad_fn(model, options.get("chunk_size", 512))
    weights = contrast_weights(predicted, true, grad_fn.classes)
    return integrated_gradients(grad_fn, images, weights, **options)
