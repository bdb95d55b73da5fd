"""Vanilla gradient: ∂logit_t/∂x (Simonyan, Vedaldi & Zisserman, 2014)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import as_grad_fn


def gradient(model: Any, images: np.ndarray, targets: np.ndarray, *, chunk_size: int = 512) -> np.ndarray:
    """Signed gradient of each image's target logit with respect to its pixels.

    Args:
        model: a Keras model (attributed on its logits) or a ``GradFn``.
        images: (N, H, W, C) float32 in the model's input scale.
        targets: (N,) class index per image.
        chunk_size: images per compiled call.

    Returns:
        (N, H, W, C) float32, in logit units per unit of input intensity. Positive where
        brightening the pixel raises the target logit.
    """
    grads, _ = as_grad_fn(model, chunk_size)(images, targets)
    return grads
