"""SmoothGrad: the gradient averaged over noisy copies of the input (Smilkov et al., 2017).

    SG_t(x) = E_ε[∂f_t(x + ε)/∂x],   ε ~ N(0, σ² I),   σ = noise_level · (max − min of the input range)

estimated from n noisy copies per image:

    SG_t(x) ≈ (1/n) Σ_j ∂f_t(x + ε_j)/∂x,   ε_j = σ Φ⁻¹(U_j)

The U_j are two independent Latin hypercubes, the first h = ⌈n/2⌉ samples and the other n − h:
in a half of m samples, pixel i of sample j is U_j,i = (π_i(j) + u_j,i) / m, with π_i a random
permutation of the m strata of [0, 1), drawn for each pixel, and u_j,i ~ U(0, 1). For one sample,
π_i(j) is uniform on the strata and independent from pixel to pixel, so U_j is uniform on the
unit cube and ε_j is exactly N(0, σ² I): every term, and so the mean, is unbiased for SG. Within a
half every pixel's noise takes each of its m strata once, which removes the part of the
gradient's variance that adds up pixel by pixel. The halves are independent, so they also give
each map's noise (:class:`~.halves.Halves`).

On the report's model samples drawn so are closer to SmoothGrad's expectation than a quarter more
independent Gaussian samples (``python -m benchmarks.smoothgrad``; docs/performance.md,
"SmoothGrad samples").

The noise of an image is drawn from a generator seeded by ``seed`` and the image's own bytes, so
results do not depend on batch order or chunk size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import as_grad_fn
from .batching import weighted_gradient_sum
from .halves import Halves, first_half
from .seeding import image_generator

# Acklam's rational approximation of Φ⁻¹: relative error below 1.2e-9, far below float32's.
_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
      -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
      -1.328068155288572e+01, 1.0)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
      4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00, 1.0)
_TAIL = 0.02425


def normal_quantile(u: np.ndarray) -> np.ndarray:
    """Φ⁻¹(u) of the standard normal for u in (0, 1), float64: the central formula everywhere, then
    the tail formula where u is within ``_TAIL`` of 0 or 1 (about 5% of the values)."""
    u = np.asarray(u, dtype=np.float64)
    q = u - 0.5
    r = q * q
    x = q * _horner(_A, r)
    x /= _horner(_B, r)
    tails = (u < _TAIL) | (u > 1 - _TAIL)
    if tails.any():
        t = u[tails]
        q = np.sqrt(-2 * np.log(np.maximum(np.minimum(t, 1 - t), 1e-300)))
        x[tails] = np.where(t < 0.5, 1.0, -1.0) * _horner(_C, q) / _horner(_D, q)
    return x


def _horner(coefficients: tuple[float, ...], r: np.ndarray) -> np.ndarray:
    """Σ_k c_k r^(K−k) by Horner's rule, in place (numpy's polyval allocates at every step)."""
    value = np.full_like(r, coefficients[0])
    for c in coefficients[1:]:
        value *= r
        value += c
    return value


def latin_hypercube(generator: np.random.Generator, samples: int, dimensions: int) -> np.ndarray:
    """(samples, dimensions) uniform points of a Latin hypercube in (0, 1): coordinate i of sample
    j is (π_i(j) + u) / samples, π_i a random permutation of the strata."""
    strata = np.argsort(generator.random((dimensions, samples)), axis=1).T
    return (strata + generator.random((samples, dimensions))) / samples


def image_uniforms(image: np.ndarray, samples: int, seed: int, second: bool | None = None) -> np.ndarray:
    """(samples, H·W·C) uniforms U_j of one image, reproducible from (seed, image): the first
    ⌈n/2⌉ one Latin hypercube, the rest another (see the module). ``second`` False or True: only
    the first or the second half's rows (the first half's draws are still taken, to reach the
    second's)."""
    generator = image_generator(image, seed)
    h, size = first_half(samples), image.size
    first = latin_hypercube(generator, h, size) if second is not True else _skip(generator, h, size)
    if second is False:
        return first
    rest = latin_hypercube(generator, samples - h, size)
    return rest if second else np.concatenate([first, rest])


def _skip(generator: np.random.Generator, samples: int, dimensions: int) -> None:
    """Take the draws :func:`latin_hypercube` would take, without building the hypercube."""
    generator.random((dimensions, samples))
    generator.random((samples, dimensions))


def image_noise(image: np.ndarray, samples: int, sigma: float, seed: int) -> np.ndarray:
    """(samples, H, W, C) float32 noise ε_j = σ Φ⁻¹(U_j) for one image (see :func:`image_uniforms`)."""
    return gaussian_noise(image_uniforms(image, samples, seed), sigma).reshape(samples, *image.shape)


def gaussian_noise(uniforms: np.ndarray, sigma: float) -> np.ndarray:
    """σ Φ⁻¹(U) as float32: the noise of uniforms U in (0, 1)."""
    return (sigma * normal_quantile(uniforms)).astype(np.float32)


def smoothgrad(
    model: Any,
    images: np.ndarray,
    targets: np.ndarray,
    *,
    samples: int = 24,
    noise_level: float = 0.15,
    input_range: tuple[float, float] = (0.0, 1.0),
    seed: int = 0,
    chunk_size: int = 512,
) -> np.ndarray:
    """Mean target-logit gradient over ``samples`` noisy copies of each image.

    Args:
        model: a Keras model (attributed on its logits) or a ``GradFn``.
        images: (N, H, W, C) float32 in the model's input scale.
        targets: (N,) class index per image.
        samples: noisy copies per image (n).
        noise_level: σ as a fraction of the input range.
        input_range: (min, max) of the model's input scale.
        seed: seed of the noise.
        chunk_size: image-samples per compiled call.

    Returns:
        (N, H, W, C) float32 in logit units per unit of input intensity.
    """
    return smoothgrad_halves(model, images, targets, samples=samples, noise_level=noise_level,
                             input_range=input_range, seed=seed, chunk_size=chunk_size).maps


def smoothgrad_halves(model: Any, images: np.ndarray, targets: np.ndarray, *, samples: int = 24,
                      noise_level: float = 0.15, input_range: tuple[float, float] = (0.0, 1.0), seed: int = 0,
                      chunk_size: int = 512) -> Halves:
    """:func:`smoothgrad` as the means of its two independent halves of samples (see
    :class:`~.halves.Halves`, whose ``noise()`` is each map's Monte Carlo noise), same arguments."""
    if samples < 1:
        raise ValueError(f"samples must be ≥ 1, got {samples}")
    grad_fn = as_grad_fn(model, chunk_size)
    images = np.asarray(images, dtype=np.float32)
    targets = np.asarray(targets)
    sigma = noise_level * (input_range[1] - input_range[0])

    def half(part: slice) -> np.ndarray:
        count = len(range(samples)[part])
        noise_of: dict[int, np.ndarray] = {}

        def noisy_points(image_of_row: np.ndarray, sample_of_row: np.ndarray) -> np.ndarray:
            new = sorted(set(image_of_row.tolist()) - noise_of.keys())
            if new:  # this half's noise of the chunk's new images, Φ⁻¹ taken once for all of them
                uniforms = np.stack([image_uniforms(images[i], samples, seed, second=part.start > 0) for i in new])
                noise = gaussian_noise(uniforms, sigma)
                noise_of.update(zip(new, noise.reshape(len(new), count, *images.shape[1:])))
            for i in list(noise_of):  # keep only the images this chunk still needs
                if i < image_of_row[0]:
                    del noise_of[i]
            noise = np.stack([noise_of[i][k] for i, k in zip(image_of_row.tolist(), sample_of_row.tolist())])
            return images[image_of_row] + noise

        weights = np.full(count, 1.0 / count)
        return weighted_gradient_sum(grad_fn, noisy_points, targets, weights, images.shape, chunk_size)

    return Halves.of(samples, half, images.shape)
