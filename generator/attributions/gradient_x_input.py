"""Gradient × Input: x ⊙ ∂logit_t/∂x (Shrikumar et al., 2016)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .gradient import gradient


def gradient_x_input(model: Any, images: np.ndarray, targets: np.ndarray, *, chunk_size: int = 512) -> np.ndarray:
    """Each pixel's value times the target logit's gradient there.

    For a linear model this equals Integrated Gradients with a black baseline; for a
    network it is a one-point (α = 1) estimate of the IG path integral.

    Arguments are those of :func:`~.gradient.gradient`.

    Returns:
        (N, H, W, C) float32 in logit units.
    """
    return (np.asarray(images, np.float32) * gradient(model, images, targets, chunk_size=chunk_size)).astype(np.float32)
