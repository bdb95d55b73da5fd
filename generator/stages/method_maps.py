"""Every method's maps of a batch of images, as the evidence stages compare them.

The trust checks (:mod:`generator.stages.trust`) and the decoy check (:mod:`generator.stages.decoy`,
through :mod:`generator.evidence`) recompute the maps of every method the gallery shows, under
other models and for other images; :func:`every_method_maps` computes them all the same way,
with the milliseconds each method takes.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from generator import attributions as attr
from generator.attributions.control_variate import MIN_SLOPE_DRAWS
from generator.attributions.expected_gradients import draws
from generator.attributions.halves import first_half
from generator.plumbing.settings import AttributionSettings

METHOD_KEYS = ("gradient", "saliency", "gradient_x_input", "smoothgrad", "integrated_gradients", "expected_gradients")
TRUST_MAX_INTERVALS = 64
"""Adaptive IG stops refining these maps at 65 nodes (the published maps go on to 4,097). A
randomised network's logit barely changes along the path, so its relative completeness error
stays large however many nodes it gets: uncapped, refining those maps made the trust section
markedly slower without changing what it compares (docs/performance.md, "The evidence stages").
Most trained maps stop earlier."""


@dataclass
class _KnownLogits:
    """The logits of one gradient function's baselines taken so far."""

    baselines: np.ndarray
    logits: np.ndarray  # (B, K) float64; rows not yet drawn are 0
    known: np.ndarray  # (B,) bool


_BASELINE_LOGITS: weakref.WeakKeyDictionary[attr.GradientFunction, _KnownLogits] = weakref.WeakKeyDictionary()
"""Per gradient function, while it lives: its baselines' logits taken so far."""


def baseline_logits(grad_fn: attr.GradFn, images: np.ndarray, baselines: np.ndarray, samples: int,
                    seed: int) -> np.ndarray | None:
    """(B, K) logits of ``baselines`` under ``grad_fn``'s model, for Expected Gradients' control
    variate (as :mod:`generator.stages.checked_maps` passes them), with those of every baseline
    that ``images`` draw (:func:`~generator.attributions.expected_gradients.draws`) filled in.

    Kept per gradient function (while it lives) and baselines array, and only the rows not yet
    known are forwarded, so the evidence stages' repeated calls on one model share one forward
    pass (the trust checks' trained model: its maps, another class's, Smooth MPRT's noisy copies)
    and no call forwards more than Expected Gradients would itself. The model's weights must not
    change in place meanwhile (the randomisation checks randomise copies). None when EG needs no
    logits (too few ``samples`` for the control variate) or ``grad_fn`` has no forward pass (EG
    then scores only the classes its targets use)."""
    if samples - first_half(samples) < MIN_SLOPE_DRAWS or not isinstance(grad_fn, attr.GradientFunction):
        return None
    stored = _BASELINE_LOGITS.get(grad_fn)
    if stored is None or stored.baselines is not baselines:
        stored = _KnownLogits(baselines, np.zeros((len(baselines), grad_fn.classes)), np.zeros(len(baselines), bool))
        _BASELINE_LOGITS[grad_fn] = stored
    drawn = [draws(image, len(baselines), samples, seed)[0] for image in np.asarray(images, dtype=np.float32)]
    used = np.unique(np.concatenate(drawn)) if drawn else np.zeros(0, np.int64)
    missing = used[~stored.known[used]]
    if len(missing):
        stored.logits[missing] = grad_fn.logits(np.asarray(baselines, dtype=np.float32)[missing])
        stored.known[missing] = True
    return stored.logits


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
    the forward pass of the baselines this call was the first to draw)."""
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
    samples = settings.expected_gradients_samples
    eg = timed("expected_gradients", lambda: attr.expected_gradients(
        grad_fn, images, targets, baselines=baselines, samples=samples, seed=seed, chunk_size=settings.chunk_size,
        baseline_logits=baseline_logits(grad_fn, images, baselines, samples, seed)))
    maps = {"gradient": gradient.sum(-1), "saliency": saliency.max(-1), "gradient_x_input": gradient_x_input.sum(-1),
            "smoothgrad": smoothgrad.sum(-1), "integrated_gradients": ig.sum(-1), "expected_gradients": eg.sum(-1)}
    for derived in ("saliency", "gradient_x_input"):  # each costs a gradient, then its own small step
        seconds[derived] += seconds["gradient"]
    count = max(len(images), 1)
    return MethodMaps(maps, {key: 1000.0 * value / count for key, value in seconds.items()})
