"""The two callbacks between the mathematics and the engine (:mod:`.engine`, the only wing that
touches TensorFlow or numba): a gradient function, and the path sums Integrated Gradients needs."""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np

Progress = Callable[[int, int], None]
"""A progress callback ``(done, total)``, in image-steps."""


class GradFn(Protocol):
    """Anything that maps (images (n, H, W, C) float32, targets) to (∂score/∂x of shape
    (n, H, W, C), score of shape (n,)), where targets is (n,) class indices (score = logit_t)
    or (n, K) class weights (score = Σ_k weights_k · logit_k)."""

    def __call__(self, images: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class PathSums(Protocol):
    """Σ_k w_k ∂score/∂x at x′ + α_k (x − x′), for every image: what Integrated Gradients asks of a model.

    Attributes:
        cheap_nodes: whether a node costs far less than a call (the sweep of
            :mod:`.engine.switch_sweep`), so that adaptive IG starts with more nodes and fewer doublings.
    """

    cheap_nodes: bool

    def __call__(self, images: np.ndarray, baselines: np.ndarray, targets: np.ndarray, alphas: np.ndarray,
                 weights: np.ndarray, chunk_size: int, on_chunk: Progress | None = None) -> np.ndarray:
        """(N, H, W, C) float64 sums.

        Args:
            images, baselines: x and x′, (N, H, W, C) float32.
            targets: (N,) class per image, or (N, K) class weights per image.
            alphas, weights: (S,) the nodes α_k in [0, 1] and their weights w_k.
            chunk_size: image-steps per compiled call.
            on_chunk: optional progress callback ``(image-steps done, total)``.
        """
        ...
