"""Expected Gradients (Erion, Janizek, Sturmfels, Lundberg & Lee, 2021, "Improving performance of
deep learning models with axiomatic attribution priors and expected gradients").

Integrated Gradients averaged over baselines drawn from the data instead of one fixed baseline:

    EG_i(x) = E_{x′ ~ D, α ~ U(0, 1)} [ (x_i − x′_i) · ∂f_t(x′ + α(x − x′)) / ∂x_i ]

estimated from n draws (x′_j, α_j) per image:

    EG_i(x) ≈ (1/n) Σ_j (x_i − x′_j,i) · ∂f_t(x′_j + α_j(x − x′_j)) / ∂x_i

Each draw's term integrates to f_t(x) − f_t(x′_j) over α, so completeness holds in expectation:
given the drawn baselines, E_α[Σ_i EG_i] = f_t(x) − (1/n) Σ_j f_t(x′_j). The draws of an image
come from a generator seeded by ``seed`` and the image's own bytes (like SmoothGrad's noise), so
results do not depend on batch order or chunk size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .adapter import as_grad_fn
from .batching import weighted_gradient_sum
from .halves import Halves
from .integrated_gradients import interpolate
from .seeding import image_generator


def draws(image: np.ndarray, population: int, samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One image's draws, reproducible from (seed, image): (samples,) indices into the baselines,
    uniform with replacement, and (samples,) positions α on each path.

    The α are stratified: draw j gets α in the j-th of ``samples`` equal strata of [0, 1), at a
    uniform place in it, and the strata are shuffled among the draws. Each α is still U(0, 1)
    and independent of its baseline, so the estimator stays unbiased, but the α cover [0, 1)
    evenly, which makes the completeness error (it comes from the α alone, see the module)
    shrink much faster than with independent α."""
    generator = image_generator(image, seed, salt="expected_gradients")
    which = generator.integers(0, population, size=samples)
    alpha = (generator.permutation(samples) + generator.random(samples)) / samples
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

    Returns:
        (N, H, W, C) float32 in logit units; Σ_i EG_i ≈ f_t(x) − mean_j f_t(x′_j) (see :func:`draws`).
    """
    return expected_gradients_halves(model, images, targets, baselines=baselines, samples=samples, seed=seed,
                                     chunk_size=chunk_size).maps


def expected_gradients_halves(model: Any, images: np.ndarray, targets: np.ndarray, *, baselines: np.ndarray,
                              samples: int = 64, seed: int = 0, chunk_size: int = 512) -> Halves:
    """:func:`expected_gradients` as its two halves of draws (see :class:`Halves`), same arguments."""
    grad_fn = as_grad_fn(model, chunk_size)
    images = np.asarray(images, dtype=np.float32)
    baselines = np.asarray(baselines, dtype=np.float32)
    if baselines.ndim != images.ndim or baselines.shape[1:] != images.shape[1:] or len(baselines) == 0:
        raise ValueError(f"baselines must be (B, {', '.join(map(str, images.shape[1:]))}) with B ≥ 1, "
                         f"got {baselines.shape}")
    if samples < 1:
        raise ValueError(f"samples must be ≥ 1, got {samples}")
    drawn = [draws(image, len(baselines), samples, seed) for image in images]
    which = np.stack([d[0] for d in drawn]) if drawn else np.zeros((0, samples), np.int64)
    alpha = np.stack([d[1] for d in drawn]) if drawn else np.zeros((0, samples))
    return Halves.of(samples, lambda part: expected_gradients_at(grad_fn, images, targets, baselines, which[:, part],
                                                                 alpha[:, part], chunk_size=chunk_size), images.shape)


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
