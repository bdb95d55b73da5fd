"""Every method's maps of a batch of images, as the evidence stages compare them.

The trust checks (:mod:`generator.stages.trust`) and the decoy check (:mod:`generator.stages.decoy`,
through :mod:`generator.evidence`) recompute the maps of every method the gallery shows, under
other models and for other images; :func:`every_method_maps` computes them all the same way,
with the milliseconds each method takes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from generator import attributions as attr
from generator.method_functions import MapRequest, baseline_logits
from generator.methods import methods
from generator.plumbing.settings import AttributionSettings

__all__ = ["TRUST_MAX_INTERVALS", "MethodMaps", "baseline_logits", "every_method_maps"]

TRUST_MAX_INTERVALS = 64
"""Adaptive IG stops refining these maps at 65 nodes (the published maps go on to 4,097). A
randomised network's logit barely changes along the path, so its relative completeness error
stays large however many nodes it gets: uncapped, refining those maps made the trust section
markedly slower without changing what it compares (docs/performance.md, "The evidence stages").
Most trained maps stop earlier."""


@dataclass(frozen=True)
class MethodMaps:
    """Every method's maps of some images, and what each cost.

    Attributes:
        maps: method key → (N, H, W) maps, channels reduced as in the gallery.
        ms_per_image: method key → milliseconds per image the method would take on its own.
    """

    maps: dict[str, np.ndarray]
    ms_per_image: dict[str, float]


def every_method_maps(grad_fn: attr.GradFn, images: np.ndarray, targets: np.ndarray, settings: AttributionSettings,
                      seed: int, baselines: np.ndarray) -> MethodMaps:
    """Every method's maps, (N, H, W) with channels reduced as in the gallery (``baselines``: the
    images Expected Gradients draws from; their logits are taken once per ``grad_fn``, see
    :func:`baseline_logits`), and the milliseconds per image each would take on its own (saliency
    and gradient × input reuse the gradient here; their time counts it; Expected Gradients' counts
    the forward pass of the baselines this call was the first to draw). The maps are each
    catalogue method's function (:mod:`generator.methods`) on one :class:`MapRequest`."""
    request = MapRequest(grad_fn, images, targets, settings, seed, baselines, max_intervals=TRUST_MAX_INTERVALS)
    shared = 0.0
    if any(m.reuses_gradient for m in methods()):
        start = time.perf_counter()
        request.gradient()
        shared = time.perf_counter() - start
    maps, seconds = {}, {}
    for m in methods():
        start = time.perf_counter()
        maps[m.key] = m.reduced(m.compute(request))
        seconds[m.key] = time.perf_counter() - start + (shared if m.reuses_gradient else 0.0)
    count = max(len(images), 1)
    return MethodMaps(maps, {key: 1000.0 * value / count for key, value in seconds.items()})
