"""Path sums Σ_k w_k ∂score/∂x(x′ + α_k (x − x′)) (:class:`~.protocols.PathSums`), and the one
place that chooses how they are taken: :func:`path_sums_for`.

Two implementations exist: :class:`PointByPoint`, any gradient function evaluated at every path
point, and the engine's straight-path sums (:mod:`.engine.straight_path`, :mod:`.engine.switch_sweep`),
which a :class:`~.engine.adapter.GradientFunction` offers for the models and baselines they apply to.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .batching import weighted_gradient_sum
from .protocols import GradFn, PathSums, Progress


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


def one_colour(baselines: np.ndarray) -> bool:
    """Whether every baseline holds one value per channel over all its pixels."""
    return bool(np.all(baselines == baselines[:, :1, :1, :]))


class PointByPoint:
    """Path sums from any gradient function, evaluated at every path point in chunks of
    ``chunk_size`` image-steps (:func:`~.batching.weighted_gradient_sum`)."""

    cheap_nodes = False

    def __init__(self, grad_fn: GradFn) -> None:
        self.grad_fn = grad_fn

    def __call__(self, images: np.ndarray, baselines: np.ndarray, targets: np.ndarray, alphas: np.ndarray,
                 weights: np.ndarray, chunk_size: int, on_chunk: Progress | None = None) -> np.ndarray:
        """(N, H, W, C) float64 sums; arguments as :meth:`~.protocols.PathSums.__call__`."""

        def points(image_of_row: np.ndarray, step_of_row: np.ndarray) -> np.ndarray:
            return interpolate(baselines[image_of_row], images[image_of_row], alphas[step_of_row])

        return weighted_gradient_sum(self.grad_fn, points, targets, weights, images.shape, chunk_size, on_chunk)


def path_sums_for(grad_fn: Any, baselines: np.ndarray) -> PathSums:
    """How the sums along the paths from ``baselines`` are taken: the gradient function's
    straight-path sums (``grad_fn.straight_path_sums``, None unless the engine has them for its
    model and ``path`` setting) when every baseline is one colour, else :class:`PointByPoint`."""
    fast = getattr(grad_fn, "straight_path_sums", None)
    return fast if fast is not None and one_colour(baselines) else PointByPoint(grad_fn)


def class_weights(targets: np.ndarray, classes: int) -> np.ndarray:
    """(n, K) float32 weights of the K = ``classes`` logits in each score: one-hot rows for (n,)
    class indices, (n, K) weights passed through."""
    targets = np.asarray(targets)
    if targets.ndim == 2:
        return targets.astype(np.float32)
    return np.eye(classes, dtype=np.float32)[targets.astype(np.int64)]
