"""Saliency map: |∂logit_t/∂x|, the largest over channels (Simonyan et al., 2014)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .gradient import gradient


def saliency(model: Any, images: np.ndarray, targets: np.ndarray, *, chunk_size: int = 512) -> np.ndarray:
    """Magnitude of the target-logit gradient, reduced over channels by max.

    Arguments are those of :func:`~.gradient.gradient`.

    Returns:
        (N, H, W, C) float32 ≥ 0 (the channel maximum repeated over C, so the output is
        shaped like the images), in logit units per unit of input intensity.
    """
    return saliency_from_gradient(gradient(model, images, targets, chunk_size=chunk_size))


def saliency_from_gradient(grads: np.ndarray) -> np.ndarray:
    """|grads| with the max over the channel axis, broadcast back to (N, H, W, C)."""
    magnitude = np.abs(grads).max(axis=-1, keepdims=True)
    return np.broadcast_to(magnitude, grads.shape).astype(np.float32)
