"""Every method's maps of a batch of images, as the evidence stages compare them.

The trust checks (:mod:`generator.stages.trust`) and the decoy check (:mod:`generator.stages.decoy`,
through :mod:`generator.evidence`) recompute the maps of every method the gallery shows, under
other models and for other images; :func:`every_method_maps` computes them all the same way,
with the milliseconds each method takes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from generator import attributions as attr
from generator.plumbing.settings import AttributionSettings

METHOD_KEYS = ("gradient", "saliency", "gradient_x_input", "smoothgrad", "integrated_gradients", "expected_gradients")
TRUST_MAX_INTERVALS = 64
"""Adaptive IG stops refining these maps at 65 nodes (the published maps go on to 4,097). A
randomised network's logit barely changes along the path, so its relative completeness error
stays large however many nodes it gets: uncapped, refining those maps made the trust section 17 s
slower (73.6 s against 56.5 s) without changing what it compares. Most trained maps stop earlier
(52 evaluations on average at the default tolerances, on the first 256 test images)."""


def every_method_maps(grad_fn: attr.GradFn, images: np.ndarray, targets: np.ndarray, settings: AttributionSettings,
                      seed: int, baselines: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Every method's maps, (N, H, W) with channels reduced as in the gallery (``baselines``: the
    images Expected Gradients draws from), and the
    milliseconds per image each would take on its own (saliency and gradient × input reuse the
    gradient here; their time counts it)."""
    seconds: dict[str, float] = {}

    def timed(key: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        start = time.perf_counter()
        result = compute()
        seconds[key] = time.perf_counter() - start
        return result

    gradient = timed("gradient", lambda: grad_fn(images, targets)[0])
    saliency = timed("saliency", lambda: attr.saliency_from_gradient(gradient))
    gradient_x_input = timed("gradient_x_input", lambda: images * gradient)
    smoothgrad = timed("smoothgrad", lambda: attr.smoothgrad(
        grad_fn, images, targets, samples=settings.smoothgrad_samples, noise_level=settings.smoothgrad_noise,
        seed=seed, chunk_size=settings.chunk_size))
    ig = timed("integrated_gradients", lambda: attr.integrated_gradients(
        grad_fn, images, targets, baseline=settings.baseline, max_intervals=TRUST_MAX_INTERVALS,
        **settings.ig_options()))
    eg = timed("expected_gradients", lambda: attr.expected_gradients(
        grad_fn, images, targets, baselines=baselines, samples=settings.expected_gradients_samples, seed=seed,
        chunk_size=settings.chunk_size))
    maps = {"gradient": gradient.sum(-1), "saliency": saliency.max(-1), "gradient_x_input": gradient_x_input.sum(-1),
            "smoothgrad": smoothgrad.sum(-1), "integrated_gradients": ig.sum(-1), "expected_gradients": eg.sum(-1)}
    for derived in ("saliency", "gradient_x_input"):  # each costs a gradient, then its own small step
        seconds[derived] += seconds["gradient"]
    count = max(len(images), 1)
    return maps, {key: 1000.0 * value / count for key, value in seconds.items()}
