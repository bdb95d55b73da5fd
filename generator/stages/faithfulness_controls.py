"""Pixel orders and fills for the deletion and insertion curves of :mod:`.faithfulness`.

An order is (N, P = H·W) pixel indices into each row-major flattened (H, W) image, most
important first. :func:`ranking` turns an attribution map into one; :func:`random_rankings`
and :func:`edge_ranking` are the controls a method must beat: chance, and an order that looks
only at the image (where its strokes have edges), never at the model.

Both image filters pad by reflection with the edge pixel repeated (``d c b a | a b c d``;
scipy.ndimage's ``"reflect"``, NumPy's ``np.pad(mode="symmetric")``): a constant image has
no edges at its border, and a normalised kernel keeps each image's mean exactly.
"""

from __future__ import annotations

import numpy as np

BLUR_SIGMA = 4.0
"""Standard deviation (pixels) of the Gaussian that makes the blurred fill. MNIST strokes are
2–3 px wide on 28 px; at 4 px a digit becomes a soft blob with the same total ink, too vague to
read, while the ink stays where it was. (RISE blurs 224 px images with σ ≈ 1 px; on 28 px
that would leave the digit legible, so the fill would not remove the information.)"""
BLUR_TRUNCATE = 4.0
"""The Gaussian kernel stops at BLUR_TRUNCATE · σ on each side (as scipy.ndimage)."""

SOBEL_SMOOTH = np.array([1.0, 2.0, 1.0])
SOBEL_DERIVATIVE = np.array([-1.0, 0.0, 1.0])


def ranking(attribution: np.ndarray) -> np.ndarray:
    """(N, H, W) or (N, H, W, 1) map → (N, H·W) pixel indices, highest value first.

    Ties keep the order of the pixel indices (a stable sort), so the result is deterministic.
    Signed maps are ranked by value, not by |value|: the most positive evidence goes first.
    """
    values = np.asarray(attribution, dtype=np.float64)
    if values.ndim == 4 and values.shape[-1] == 1:
        values = values[..., 0]
    if values.ndim != 3 or not np.all(np.isfinite(values)):
        raise ValueError(f"attribution must be finite (N, H, W) or (N, H, W, 1), got {np.shape(attribution)}")
    return np.argsort(-values.reshape(len(values), -1), axis=1, kind="stable")


def random_rankings(count: int, n: int, pixels: int, seed: int) -> np.ndarray:
    """(count, n, pixels) independent uniform random orders; the same seed gives the same orders."""
    rng = np.random.default_rng(seed)
    return rng.permuted(np.tile(np.arange(pixels), (count, n, 1)), axis=-1)


def edge_ranking(images: np.ndarray) -> np.ndarray:
    """(N, H, W[, C]) → (N, H·W): pixels by Sobel gradient magnitude, strongest edge first. No model."""
    return ranking(edge_magnitude(images))


def edge_magnitude(images: np.ndarray) -> np.ndarray:
    """(N, H, W[, C]) → (N, H, W) float64: sqrt(Σ_c G_x² + G_y²) over the channels, with G_x, G_y
    the 3 × 3 Sobel responses (smoothing [1, 2, 1] across, derivative [−1, 0, 1] along the axis)."""
    stack = _channels_last(images)
    across_rows = _correlate(_correlate(stack, SOBEL_SMOOTH, axis=1), SOBEL_DERIVATIVE, axis=2)
    across_columns = _correlate(_correlate(stack, SOBEL_SMOOTH, axis=2), SOBEL_DERIVATIVE, axis=1)
    return np.sqrt(np.sum(across_rows**2 + across_columns**2, axis=-1))


def blur(images: np.ndarray, sigma: float = BLUR_SIGMA) -> np.ndarray:
    """Gaussian blur of each (H, W) image, separable, reflect padding; shape and dtype kept.

    Args:
        images: (N, H, W) or (N, H, W, C); each channel blurred on its own.
        sigma: standard deviation in pixels (> 0).
    """
    if sigma <= 0:
        raise ValueError(f"sigma must be > 0 pixels, got {sigma}")
    kernel = gaussian_kernel(sigma)
    stack = _channels_last(images)
    blurred = _correlate(_correlate(stack, kernel, axis=1), kernel, axis=2)
    return blurred.reshape(np.shape(images)).astype(np.asarray(images).dtype)


def gaussian_kernel(sigma: float, truncate: float = BLUR_TRUNCATE) -> np.ndarray:
    """(2r + 1,) weights exp(−i² / 2σ²) for i = −r … r, r = ⌈truncate · σ⌉, summing to 1."""
    radius = int(np.ceil(truncate * sigma))
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-(offsets**2) / (2.0 * sigma**2))
    return weights / weights.sum()


def _correlate(stack: np.ndarray, kernel: np.ndarray, axis: int) -> np.ndarray:
    """Σ_i kernel[i] · x[j + i − r] along ``axis`` of (N, H, W, C), reflect-padded; same shape."""
    radius = len(kernel) // 2
    widths = [(0, 0)] * stack.ndim
    widths[axis] = (radius, radius)
    padded = np.pad(stack, widths, mode="symmetric")
    windows = np.lib.stride_tricks.sliding_window_view(padded, len(kernel), axis=axis)
    return windows @ kernel


def _channels_last(images: np.ndarray) -> np.ndarray:
    """(N, H, W) or (N, H, W, C) → (N, H, W, C) float64."""
    stack = np.asarray(images, dtype=np.float64)
    if stack.ndim == 3:
        stack = stack[..., None]
    if stack.ndim != 4:
        raise ValueError(f"images must be (N, H, W) or (N, H, W, C), got {stack.shape}")
    return stack
