"""SmoothGrad: the gradient averaged over noisy copies of the input (Smilkov et al., 2017).

    SG_t(x) = (1/n) Σ_j ∂f_t(x + ε_j)/∂x,   ε_j ~ N(0, σ² I),   σ = noise_level · (max − min of the input range)

The noise of an image is drawn from a generator seeded by ``seed`` and the image's own
bytes, so results do not depend on batch order or chunk size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .adapter import as_grad_fn
from .batching import weighted_gradient_sum
from .seeding import image_generator


def image_noise(image: np.ndarray, samples: int, sigma: float, seed: int) -> np.ndarray:
    """(samples, H, W, C) float32 Gaussian noise for one image, reproducible from (seed, image)."""
    generator = image_generator(image, seed)
    return (sigma * generator.standard_normal((samples, *image.shape))).astype(np.float32)


def smoothgrad(
    model: Any,
    images: np.ndarray,
    targets: np.ndarray,
    *,
    samples: int = 32,
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
    grad_fn = as_grad_fn(model, chunk_size)
    images = np.asarray(images, dtype=np.float32)
    sigma = noise_level * (input_range[1] - input_range[0])
    noise_of: dict[int, np.ndarray] = {}

    def noisy_points(image_of_row: np.ndarray, sample_of_row: np.ndarray) -> np.ndarray:
        for i in set(image_of_row.tolist()) - noise_of.keys():
            noise_of[i] = image_noise(images[i], samples, sigma, seed)
        for i in list(noise_of):  # keep only the images this chunk still needs
            if i < image_of_row[0]:
                del noise_of[i]
        noise = np.stack([noise_of[i][k] for i, k in zip(image_of_row.tolist(), sample_of_row.tolist())])
        return images[image_of_row] + noise

    weights = np.full(samples, 1.0 / samples)
    mean = weighted_gradient_sum(grad_fn, noisy_points, np.asarray(targets), weights, images.shape, chunk_size)
    return mean.astype(np.float32)
