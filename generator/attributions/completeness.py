"""The completeness check of Integrated Gradients: Σ_i IG_i = f_t(x) − f_t(x′)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import as_grad_fn


@dataclass(frozen=True)
class CompletenessCheck:
    """Per-example completeness, arrays of shape (N,), logit units except the ratio.

    Attributes:
        attribution_sum: Σ_i IG_i.
        logit_delta: f_t(x) − f_t(x′).
        relative_error: |attribution_sum − logit_delta| / max(|logit_delta|, floor).
    """

    attribution_sum: np.ndarray
    logit_delta: np.ndarray
    relative_error: np.ndarray


def completeness(
    attributions: np.ndarray, logit_at_input: np.ndarray, logit_at_baseline: np.ndarray, floor: float = 1e-6
) -> CompletenessCheck:
    """Compare each attribution map's sum with the logit change it should explain.

    Args:
        attributions: (N, H, W, C) IG maps.
        logit_at_input: (N,) f_t(x).
        logit_at_baseline: (N,) f_t(x′).
        floor: smallest |f_t(x) − f_t(x′)| used as the denominator.
    """
    per_image = int(np.prod(attributions.shape[1:]))
    total = attributions.reshape(len(attributions), per_image).astype(np.float64).sum(axis=1)
    delta = np.asarray(logit_at_input, np.float64) - np.asarray(logit_at_baseline, np.float64)
    error = np.abs(total - delta) / np.maximum(np.abs(delta), floor)
    return CompletenessCheck(total, delta, error)


def completeness_check(
    model: Any,
    images: np.ndarray,
    targets: np.ndarray,
    attributions: np.ndarray,
    *,
    baseline: float | np.ndarray = 0.0,
    chunk_size: int = 512,
) -> CompletenessCheck:
    """Completeness of ``attributions`` for ``model``: evaluates f_t(x) and f_t(x′) itself."""
    grad_fn = as_grad_fn(model, chunk_size)
    images = np.asarray(images, dtype=np.float32)
    baselines = np.broadcast_to(np.asarray(baseline, dtype=np.float32), images.shape)
    _, at_input = grad_fn(images, targets)
    _, at_baseline = grad_fn(np.ascontiguousarray(baselines), targets)
    return completeness(attributions, at_input, at_baseline)
