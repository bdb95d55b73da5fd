"""Expected Gradients (Erion, Janizek, Sturmfels, Lundberg & Lee, 2021, "Improving performance of
deep learning models with axiomatic attribution priors and expected gradients").

Integrated Gradients averaged over baselines drawn from the data instead of one fixed baseline:

    EG_i(x) = E_{x′ ~ D, α ~ U(0, 1)} [ (x_i − x′_i) · ∂f_t(x′ + α(x − x′)) / ∂x_i ]

estimated from n draws (x′_j, α_j) per image:

    EG_i(x) ≈ (1/n) Σ_j (x_i − x′_j,i) · ∂f_t(x′_j + α_j(x − x′_j)) / ∂x_i

Each draw's term t_j integrates to f_t(x) − f_t(x′_j) over α (the completeness of Integrated
Gradients along the straight path from x′_j), so completeness holds in expectation: given the
drawn baselines, E_α[Σ_i EG_i] = f_t(x) − (1/n) Σ_j f_t(x′_j). That known expectation is a
control variate (:func:`~.control_variate.control_variate_mean`): each draw's completeness residual
c_j = Σ_i t_j,i − (f_t(x) − f_t(x′_j)) has mean zero, so

    EG_i(x) ≈ (1/n) Σ_j t_j,i − β_i · (1/n) Σ_j c_j

is unbiased for any β independent of the draws; β_i is the least-squares slope of t_j,i on c_j
taken from the other half of the draws (cross-fitting, which keeps it independent). The slopes
sum to about 1 over the pixels, so the map's sum moves to f_t(x) − mean_j f_t(x′_j).

The control variate costs one more gradient evaluation per map (the score f(x)) and corrects the
sum, not the pixels: the noise (and the distance to a converged EG) is that of the plain mean;
only more draws lower it, like 1/√n. Two α per baseline, or α and 1 − α, lower the completeness
error less and raise the noise: fewer baselines. The measurements (``python -m
benchmarks.eg_level``) are in docs/performance.md, "Expected Gradients: noise and the stated
level". The draws of an image come from a generator seeded by ``seed`` and the image's own
bytes (like SmoothGrad's noise), so results do not depend on batch order or chunk size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import GradientFunction, as_grad_fn
from .protocols import GradFn
from .batching import weighted_gradient_sum
from .control_variate import MIN_SLOPE_DRAWS, DrawSums, control_variate_mean, draw_sums
from .halves import Halves, first_half
from .path_sums import interpolate
from .seeding import image_generator

__all__ = ["DrawSums", "MIN_SLOPE_DRAWS", "baseline_class_scores", "baseline_scores", "control_variate_mean", "draw_sums",
           "drawn_scores", "draws", "expected_gradients", "expected_gradients_at", "expected_gradients_halves"]


def draws(image: np.ndarray, population: int, samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One image's draws, reproducible from (seed, image): (samples,) indices into the baselines,
    uniform with replacement, and (samples,) positions α on each path.

    The α are stratified within each half of the draws (the first h = ⌈n/2⌉ and the other n − h,
    see :class:`~.halves.Halves`): in a half of m draws, draw j gets α in the j-th of m equal
    strata of [0, 1), at a uniform place in it, the strata shuffled among the draws. Each α is
    still U(0, 1) and independent of its baseline, so the estimator stays unbiased, and the α of
    each half cover [0, 1) evenly; the two halves share nothing, so they are independent (which
    the control variate's cross-fitting and the split-half noise rely on)."""
    generator = image_generator(image, seed, salt="expected_gradients")
    which = generator.integers(0, population, size=samples)
    alpha = np.concatenate([(generator.permutation(m) + generator.random(m)) / max(m, 1)
                            for m in (first_half(samples), samples - first_half(samples))])
    return which, alpha


def expected_gradients(
    model: Any,
    images: np.ndarray,
    targets: np.ndarray,
    *,
    baselines: np.ndarray,
    samples: int = 64,
    seed: int = 0,
    chunk_size: int = 512,
    control_variate: bool = True,
    baseline_logits: np.ndarray | None = None,
) -> np.ndarray:
    """Expected Gradients of each image's target logit.

    Args:
        model: a Keras model (attributed on its logits) or a ``GradFn``.
        images: (N, H, W, C) float32 in the model's input scale.
        targets: (N,) class index per image, or (N, K) class weights (as for IG).
        baselines: (B, H, W, C) the images x′ is drawn from, e.g. a sample of training images.
        samples: draws n per image.
        seed: seed of the draws.
        chunk_size: image-draws per compiled call.
        control_variate: correct the mean with the completeness residuals (see the module; with
            fewer than 2 × ``MIN_SLOPE_DRAWS`` draws it is the plain mean anyway); False gives the
            plain mean of the draws' terms.
        baseline_logits: (B, K) logits of ``baselines``, if the caller has them (else those of the
            drawn ones are computed: a forward pass, or a gradient pass per class for a bare ``GradFn``).

    Returns:
        (N, H, W, C) float32 in logit units; Σ_i EG_i ≈ f_t(x) − mean_j f_t(x′_j) (see :func:`draws`).
    """
    return expected_gradients_halves(model, images, targets, baselines=baselines, samples=samples, seed=seed,
                                     chunk_size=chunk_size, control_variate=control_variate,
                                     baseline_logits=baseline_logits).maps


def expected_gradients_halves(model: Any, images: np.ndarray, targets: np.ndarray, *, baselines: np.ndarray,
                              samples: int = 64, seed: int = 0, chunk_size: int = 512, control_variate: bool = True,
                              baseline_logits: np.ndarray | None = None) -> Halves:
    """:func:`expected_gradients` as its two halves of draws (see :class:`Halves`), same arguments.
    With the control variate each half takes its slopes β from the other half."""
    grad_fn = as_grad_fn(model, chunk_size)
    images = np.asarray(images, dtype=np.float32)
    baselines = np.asarray(baselines, dtype=np.float32)
    if baselines.ndim != images.ndim or baselines.shape[1:] != images.shape[1:] or len(baselines) == 0:
        raise ValueError(f"baselines must be (B, {', '.join(map(str, images.shape[1:]))}) with B ≥ 1, "
                         f"got {baselines.shape}")
    if samples < 1:
        raise ValueError(f"samples must be ≥ 1, got {samples}")
    targets = np.asarray(targets)
    drawn = [draws(image, len(baselines), samples, seed) for image in images]
    which = np.stack([d[0] for d in drawn]) if drawn else np.zeros((0, samples), np.int64)
    alpha = np.stack([d[1] for d in drawn]) if drawn else np.zeros((0, samples))
    h = first_half(samples)
    corrected = control_variate and samples - h >= MIN_SLOPE_DRAWS
    delta = np.zeros(which.shape)
    if corrected and len(images):
        logits = (baseline_class_scores(grad_fn, baselines, targets, np.unique(which)) if baseline_logits is None
                  else baseline_logits)
        _, at_input = grad_fn(images, targets)
        delta = np.asarray(at_input, np.float64)[:, None] - drawn_scores(np.asarray(logits, np.float64), targets,
                                                                          which)
    first, second = (draw_sums(grad_fn, images, targets, baselines, which[:, part], alpha[:, part], delta[:, part],
                               chunk_size) for part in (slice(0, h), slice(h, samples)))
    if not corrected:
        return Halves(first.mean(), second.mean(), h, samples)
    return Halves(control_variate_mean(first, second), control_variate_mean(second, first), h, samples)


def drawn_scores(logits: np.ndarray, targets: np.ndarray, which: np.ndarray) -> np.ndarray:
    """(N, n) f_t(x′_j) of each image's drawn baselines, from the (B, K) ``logits`` of all of them;
    targets (N,) classes or (N, K) class weights."""
    targets = np.asarray(targets)
    if targets.ndim == 2:
        return np.einsum("njk,nk->nj", logits[which], targets.astype(np.float64))
    return logits[which, targets.astype(np.int64)[:, None]]


def baseline_class_scores(grad_fn: GradFn, baselines: np.ndarray, targets: np.ndarray,
                          used: np.ndarray | None = None) -> np.ndarray:
    """(B, K) logits of the baselines (of the rows ``used`` only, when given; the other rows 0): a
    forward pass for a :class:`GradientFunction`; for a bare ``GradFn``, the score of each class
    the targets use (K from the targets, other columns 0)."""
    used = np.arange(len(baselines)) if used is None else np.asarray(used, np.int64)
    chosen = baselines[used]
    if isinstance(grad_fn, GradientFunction):
        logits = np.asarray(grad_fn.logits(chosen), dtype=np.float64)
        scores = np.zeros((len(baselines), logits.shape[1]))
        scores[used] = logits
        return scores
    targets = np.asarray(targets)
    classes = targets.shape[1] if targets.ndim == 2 else int(targets.max(initial=0)) + 1
    scores = np.zeros((len(baselines), classes))
    for k in range(classes):
        if targets.ndim == 2:
            scores[used, k] = grad_fn(chosen, np.tile(np.eye(classes, dtype=np.float32)[k], (len(chosen), 1)))[1]
        elif np.any(targets == k):
            scores[used, k] = grad_fn(chosen, np.full(len(chosen), k))[1]
    return scores


def expected_gradients_at(grad_fn: Any, images: np.ndarray, targets: np.ndarray, baselines: np.ndarray,
                          which: np.ndarray, alpha: np.ndarray, weights: np.ndarray | None = None,
                          chunk_size: int = 512) -> np.ndarray:
    """The estimator for given draws: Σ_j w_j (x − x′_ij) ⊙ ∂f_t(x′_ij + α_ij (x − x′_ij))/∂x.

    Args:
        grad_fn: a ``GradFn``.
        images: (N, H, W, C) float32; targets: (N,) classes or (N, K) class weights.
        baselines: (B, H, W, C); which: (N, n) index of each draw's baseline; alpha: (N, n) its α.
        weights: (n,) weight of each draw; default 1/n (the Monte Carlo mean).
        chunk_size: image-draws per compiled call.

    Returns:
        (N, H, W, C) float32.
    """
    images = np.asarray(images, dtype=np.float32)
    samples = np.shape(which)[1]
    weights = np.full(samples, 1.0 / samples) if weights is None else np.asarray(weights, dtype=np.float64)

    def path_points(image_of_row: np.ndarray, draw_of_row: np.ndarray) -> np.ndarray:
        return interpolate(baselines[which[image_of_row, draw_of_row]], images[image_of_row],
                           alpha[image_of_row, draw_of_row])

    def difference(image_of_row: np.ndarray, draw_of_row: np.ndarray) -> np.ndarray:
        return images[image_of_row] - baselines[which[image_of_row, draw_of_row]]

    total = weighted_gradient_sum(as_grad_fn(grad_fn, chunk_size), path_points, np.asarray(targets), weights,
                                  images.shape, chunk_size, factor=difference)
    return total.astype(np.float32)


def baseline_scores(logits: np.ndarray, images: np.ndarray, targets: np.ndarray, population: int, samples: int,
                    seed: int) -> np.ndarray:
    """(N,) mean_j f_t(x′_j) over each image's drawn baselines, the other end of EG's completeness.

    Args:
        logits: (B, K) logits of every baseline (computed once for all images).
        images, targets, samples, seed: as given to :func:`expected_gradients`; targets may be
            (N,) classes or (N, K) class weights.
        population: B, the number of baselines.
    """
    targets = np.asarray(targets)
    means = []
    for image, target in zip(np.asarray(images, dtype=np.float32), targets):
        which, _ = draws(image, population, samples, seed)
        scores = logits[which] @ target if np.ndim(target) else logits[which, int(target)]
        means.append(float(np.mean(scores)))
    return np.asarray(means, dtype=np.float64)
