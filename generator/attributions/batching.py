"""Chunked, weighted sums of gradients over many points per image.

Integrated Gradients and SmoothGrad both evaluate ∂f/∂x at S points per image and take a
weighted sum: Σ_k w_k ∂f(p_ik)/∂x. The N × S points are built and evaluated in chunks of
at most ``chunk_size`` rows, so memory is bounded by the chunk, not by N.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .protocols import GradFn

PointFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""(image index per row (R,), node index per row (R,)) -> points (R, H, W, C) float32."""


def weighted_gradient_sum(
    grad_fn: GradFn,
    points: PointFn,
    targets: np.ndarray,
    weights: np.ndarray,
    image_shape: tuple[int, ...],
    chunk_size: int,
    on_chunk: Callable[[int, int], None] | None = None,
    factor: PointFn | None = None,
) -> np.ndarray:
    """Σ_k weights[k] · ∂score_i/∂x at points(i, k), for every image i; with ``factor``,
    Σ_k weights[k] · factor(i, k) ⊙ ∂score_i/∂x at points(i, k).

    Args:
        grad_fn: gradient function (see :class:`~.adapter.GradFn`).
        points: builds the evaluation points of a list of (image, node) rows.
        targets: (N,) class per image, or (N, K) class weights per image.
        weights: (S,) weight of each node.
        image_shape: (N, H, W, C), the shape of the result.
        chunk_size: rows per gradient call.
        on_chunk: optional progress callback ``(rows done, rows total)``.
        factor: optional per-row array (R, H, W, C) each gradient is multiplied by (Expected
            Gradients' x − x′, whose baseline changes from row to row).

    Returns:
        (N, H, W, C) float64 sums.
    """
    steps = len(weights)
    total = image_shape[0] * steps
    result = np.zeros(image_shape, dtype=np.float64)
    trailing = (1,) * (len(image_shape) - 1)
    for start in range(0, total, chunk_size):
        rows = np.arange(start, min(start + chunk_size, total))
        image_of_row, node_of_row = rows // steps, rows % steps
        grads, _ = grad_fn(points(image_of_row, node_of_row), targets[image_of_row])
        grads = grads.astype(np.float64)
        if factor is not None:
            grads *= factor(image_of_row, node_of_row)
        weighted = grads * weights[node_of_row].reshape(-1, *trailing)
        # Rows of one image are contiguous: sum each run into its image.
        firsts = np.flatnonzero(np.r_[True, image_of_row[1:] != image_of_row[:-1]])
        result[image_of_row[firsts]] += np.add.reduceat(weighted, firsts, axis=0)
        if on_chunk is not None:
            on_chunk(int(rows[-1]) + 1, total)
    return result
