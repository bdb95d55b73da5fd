"""The function behind each catalogue entry (:mod:`generator.methods`), in one uniform signature.

Every function takes a :class:`MapRequest` (the gradient function, the images, the targets, the
attribution settings, the seed, the Expected-Gradients baselines) and returns float32 maps shaped
like ``request.images``: (N, H, W, C), channels not yet reduced. They wrap the engine's public
functions (:mod:`generator.attributions`) and import it inside the call, so that importing the
catalogue from figures or pages never loads the engine, let alone TensorFlow.

The request computes the plain gradient once (:meth:`MapRequest.gradient`): saliency and
gradient × input are a small step on it, as the engine's ``saliency_from_gradient`` and the
product x ⊙ ∇ are.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from generator.plumbing.settings import AttributionSettings


@dataclass
class MapRequest:
    """What a method's function may read.

    Attributes:
        grad_fn: a ``GradFn`` (``generator.attributions.as_grad_fn`` of a model), returning
            (gradients (N, H, W, C), scores (N,)) for images and targets.
        images: (N, H, W, C) float32 in the model's input scale.
        targets: (N,) class per image.
        settings: the attribution settings (samples, noise, steps, chunk size, …).
        seed: seed of every Monte-Carlo method.
        baselines: (B, H, W, C) images Expected Gradients draws its baselines from (None: the
            images themselves).
        max_intervals: adaptive IG's cap on intervals (None: the engine's default).
    """

    grad_fn: Any
    images: np.ndarray
    targets: np.ndarray
    settings: AttributionSettings
    seed: int = 0
    baselines: np.ndarray | None = None
    max_intervals: int | None = None
    known_gradient: np.ndarray | None = field(default=None, repr=False)
    """The gradient when the caller has it already (else :meth:`gradient` takes it)."""

    def gradient(self) -> np.ndarray:
        """∂score_t/∂x, (N, H, W, C), computed on the first call and kept."""
        if self.known_gradient is None:
            self.known_gradient = self.grad_fn(self.images, self.targets)[0]
        return self.known_gradient


def gradient_maps(request: MapRequest) -> np.ndarray:
    """The plain gradient ∂logit_t/∂x."""
    return request.gradient()


def saliency_maps(request: MapRequest) -> np.ndarray:
    """|∂logit_t/∂x| (the engine's ``saliency_from_gradient``)."""
    from generator import attributions as attr

    return attr.saliency_from_gradient(request.gradient())


def gradient_x_input_maps(request: MapRequest) -> np.ndarray:
    """x ⊙ ∂logit_t/∂x."""
    return request.images * request.gradient()


def smoothgrad_maps(request: MapRequest) -> np.ndarray:
    """The mean gradient over noisy copies of x (seeded by ``request.seed``)."""
    return smoothgrad_halves(request).maps


def smoothgrad_halves(request: MapRequest) -> Any:
    """SmoothGrad as the two halves of its samples (a ``Halves``: ``.maps`` and ``.noise()``)."""
    from generator.attributions.smoothgrad import smoothgrad_halves as halves

    settings = request.settings
    return halves(request.grad_fn, request.images, request.targets, samples=settings.smoothgrad_samples,
                  noise_level=settings.smoothgrad_noise, seed=request.seed, chunk_size=settings.chunk_size)


def integrated_gradients_maps(request: MapRequest) -> np.ndarray:
    """Integrated Gradients from the settings' constant baseline (fixed steps or adaptive)."""
    from generator import attributions as attr

    limit = {} if request.max_intervals is None else {"max_intervals": request.max_intervals}
    return attr.integrated_gradients(request.grad_fn, request.images, request.targets,
                                     baseline=request.settings.baseline, **limit, **request.settings.ig_options())


def expected_gradients_maps(request: MapRequest) -> np.ndarray:
    """Expected Gradients over baselines drawn from ``request.baselines`` (seeded), with the logits
    of the drawn baselines taken once per gradient function (:func:`baseline_logits`)."""
    from generator import attributions as attr

    settings, samples = request.settings, request.settings.expected_gradients_samples
    baselines = request.images if request.baselines is None else request.baselines
    return attr.expected_gradients(
        request.grad_fn, request.images, request.targets, baselines=baselines, samples=samples, seed=request.seed,
        chunk_size=settings.chunk_size,
        baseline_logits=baseline_logits(request.grad_fn, request.images, baselines, samples, request.seed))


@dataclass
class _KnownLogits:
    """The logits of one gradient function's baselines taken so far."""

    baselines: np.ndarray
    logits: np.ndarray  # (B, K) float64; rows not yet drawn are 0
    known: np.ndarray  # (B,) bool


_BASELINE_LOGITS: weakref.WeakKeyDictionary[Any, _KnownLogits] = weakref.WeakKeyDictionary()
"""Per gradient function, while it lives: its baselines' logits taken so far."""


def baseline_logits(grad_fn: Any, images: np.ndarray, baselines: np.ndarray, samples: int,
                    seed: int) -> np.ndarray | None:
    """(B, K) logits of ``baselines`` under ``grad_fn``'s model, for Expected Gradients' control
    variate (as :mod:`generator.stages.checked_maps` passes them), with those of every baseline
    that ``images`` draw (``generator.attributions.expected_gradients.draws``) filled in.

    Kept per gradient function (while it lives) and baselines array, and only the rows not yet
    known are forwarded, so the evidence stages' repeated calls on one model share one forward
    pass (the trust checks' trained model: its maps, another class's, Smooth MPRT's noisy copies)
    and no call forwards more than Expected Gradients would itself. The model's weights must not
    change in place meanwhile (the randomisation checks randomise copies). None when EG needs no
    logits (too few ``samples`` for the control variate) or ``grad_fn`` has no forward pass (EG
    then scores only the classes its targets use)."""
    from generator import attributions as attr
    from generator.attributions.control_variate import MIN_SLOPE_DRAWS
    from generator.attributions.expected_gradients import draws
    from generator.attributions.halves import first_half

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
