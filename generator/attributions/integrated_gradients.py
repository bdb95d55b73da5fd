"""Integrated Gradients (Sundararajan, Taly & Yan, 2017, "Axiomatic Attribution for Deep Networks").

    IG_i(x) = (x_i − x′_i) · ∫₀¹ ∂f_t(x′ + α(x − x′)) / ∂x_i  dα

with f_t the target logit, held fixed along the whole path, and the integral replaced by
a quadrature rule Σ_k w_k g(α_k). Each term of the formula is a function below.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .adapter import as_grad_fn
from .quadrature import quadrature


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


def integrated_gradients(
    model: Any,
    images: np.ndarray,
    targets: np.ndarray,
    *,
    steps: int = 64,
    baseline: float | np.ndarray = 0.0,
    method: str = "gauss_legendre",
    chunk_size: int = 512,
    on_chunk: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Integrated Gradients of each image's target logit.

    The N × S path points are evaluated in chunks of ``chunk_size`` image-steps, so memory
    is bounded by the chunk, not by N; results do not depend on the chunk size.

    Args:
        model: a Keras model (attributed on its logits) or a ``GradFn``.
        images: (N, H, W, C) float32 in the model's input scale.
        targets: (N,) class index per image, fixed along the path.
        steps: quadrature nodes S.
        baseline: x′, a scalar or an array broadcastable to ``images`` (0 is black).
        method: quadrature rule (see :func:`quadrature`).
        chunk_size: image-steps per compiled call.
        on_chunk: optional progress callback ``(done, total)`` in image-steps.

    Returns:
        (N, H, W, C) float32 attributions in logit units; Σ_i IG_i ≈ f_t(x) − f_t(x′).
    """
    grad_fn = as_grad_fn(model, chunk_size)
    images = np.asarray(images, dtype=np.float32)
    targets = np.asarray(targets, dtype=np.int32)
    baselines = np.broadcast_to(np.asarray(baseline, dtype=np.float32), images.shape)
    alphas, weights = quadrature(method, steps)
    path_integral = np.zeros(images.shape, dtype=np.float64)
    total = len(images) * steps
    for start in range(0, total, chunk_size):
        rows = np.arange(start, min(start + chunk_size, total))
        image_of_row, step_of_row = rows // steps, rows % steps
        points = interpolate(baselines[image_of_row], images[image_of_row], alphas[step_of_row])
        grads, _ = grad_fn(points, targets[image_of_row])
        weighted = grads.astype(np.float64) * weights[step_of_row].reshape(-1, *([1] * (images.ndim - 1)))
        # Rows of one image are contiguous: sum each run into its image.
        firsts = np.flatnonzero(np.r_[True, image_of_row[1:] != image_of_row[:-1]])
        path_integral[image_of_row[firsts]] += np.add.reduceat(weighted, firsts, axis=0)
        if on_chunk is not None:
            on_chunk(int(rows[-1]) + 1, total)
    return ((images - baselines) * path_integral).astype(np.float32)

