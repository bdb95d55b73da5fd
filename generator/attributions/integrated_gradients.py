"""Integrated Gradients (Sundararajan, Taly & Yan, 2017, "Axiomatic Attribution for Deep Networks").

    IG_i(x) = (x_i − x′_i) · ∫₀¹ ∂f_t(x′ + α(x − x′)) / ∂x_i  dα

with f_t the target logit, held fixed along the whole path, and the integral replaced by
a quadrature rule Σ_k w_k g(α_k). Each term of the formula is a function below.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .adapter import as_grad_fn, contrast_weights
from .batching import weighted_gradient_sum
from .quadrature import quadrature
from .straight_path import one_colour


def interpolate(baselines: np.ndarray, images: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Points x′ + α(x − x′) on the straight path from baseline to image.

    Args:
        baselines: x′, (R, H, W, C).
        images: x, (R, H, W, C).
        alphas: (R,) position of each point on its path, in [0, 1].

    Returns:
        (R, H, W, C) float32.
    """
    a = alphas.reshape(-1, *([1] * (images.ndim - 1)))
    return (baselines + a * (images - baselines)).astype(np.float32)


def straight_path_for(grad_fn: Any, baselines: np.ndarray) -> Any:
    """The gradient function's :class:`~.straight_path.StraightPath` when it has one and every
    baseline is one colour, else None."""
    fast = getattr(grad_fn, "straight_path", None)
    return fast if fast is not None and one_colour(baselines) else None


def sums_by_sweep(grad_fn: Any, baselines: np.ndarray) -> bool:
    """Whether :func:`path_gradient_sum` takes these baselines' sums by the sweep of
    :mod:`.switch_sweep`, where a node costs little and each call a fixed cost per image."""
    fast = straight_path_for(grad_fn, baselines)
    return fast is not None and fast.sweep is not None


def path_gradient_sum(grad_fn: Any, baselines: np.ndarray, images: np.ndarray, targets: np.ndarray,
                      alphas: np.ndarray, weights: np.ndarray, chunk_size: int,
                      on_chunk: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Σ_k weights[k] · ∂score/∂x at x′ + α_k (x − x′) for every image, (N, H, W, C) float64.

    By the model's straight-path shortcut when it has one and every baseline is one colour
    (:mod:`.straight_path`), else point by point (:func:`~.batching.weighted_gradient_sum`).
    """
    fast = straight_path_for(grad_fn, baselines)
    if fast is not None:
        return fast(images, baselines, grad_fn.class_weights(targets), alphas, weights, chunk_size, on_chunk)

    def points(image_of_row: np.ndarray, step_of_row: np.ndarray) -> np.ndarray:
        return interpolate(baselines[image_of_row], images[image_of_row], alphas[step_of_row])

    return weighted_gradient_sum(grad_fn, points, targets, weights, images.shape, chunk_size, on_chunk)


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
        from .adaptive import DEFAULT_MAP_TOLERANCE, DEFAULT_TOLERANCE, adaptive_integrated_gradients

        return adaptive_integrated_gradients(
            model, images, targets, baseline=baseline, chunk_size=chunk_size, max_intervals=max_intervals,
            tolerance=DEFAULT_TOLERANCE if tolerance is None else tolerance,
            map_tolerance=DEFAULT_MAP_TOLERANCE if map_tolerance is None else map_tolerance).maps
    grad_fn = as_grad_fn(model, chunk_size)
    images = np.asarray(images, dtype=np.float32)
    baselines = np.broadcast_to(np.asarray(baseline, dtype=np.float32), images.shape)
    alphas, weights = quadrature(method, steps)
    path_integral = path_gradient_sum(grad_fn, baselines, images, np.asarray(targets), alphas, weights, chunk_size,
                                      on_chunk)
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
