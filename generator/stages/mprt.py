"""Efficient and Smooth MPRT: two repairs of the model-randomisation test.

Hedström, Weber, Lapuschkin & Höhne (2023, "Sanity Checks Revisited: An Exploration to Repair
the Model Parameter Randomisation Test", XAI in Action workshop, NeurIPS 2023; "A Fresh Look at
Sanity Checks for Saliency Maps", xAI 2024) show that the test's outcome depends on choices beside
the maps, and propose:

* **Efficient MPRT** (:func:`efficient_mprt`): the relative rise in a map's complexity, the
  discrete entropy of its histogram (:func:`discrete_entropy`), from the trained to the fully
  randomised model; no similarity measure, no layer-by-layer comparison;
* **Smooth MPRT** (:func:`smooth_mprt`): MPRT on maps first averaged over noisy copies of the
  input, so that noise in the maps does not pass for a change.

Written from the paper's definitions (the histogram's 100 bins are Quantus' default). Pure NumPy.
"""

from __future__ import annotations

import numpy as np

from generator.stages.similarity import spearman_rows

ENTROPY_BINS = 100
"""Equal-width bins of the histogram whose entropy is a map's complexity (Quantus' default for
Efficient MPRT)."""


def discrete_entropy(maps: np.ndarray, bins: int = ENTROPY_BINS) -> np.ndarray:
    """H(m) = −Σ_k p_k ln p_k, p_k the share of m's pixels in the k-th of ``bins`` equal-width bins
    spanning [min m, max m] (the last bin closed), per map; nats. A constant map has H = 0.

    The histogram spans each map's own range, so H does not change when a map is scaled by a
    positive number or shifted: no normalisation is needed before it. Signed maps keep their sign.

    Args:
        maps: (N, ...) maps.
        bins: number of bins (≥ 1).

    Returns:
        (N,) float64 in [0, ln bins].
    """
    if bins < 1:
        raise ValueError(f"bins must be ≥ 1, got {bins}")
    flat = np.asarray(maps, dtype=np.float64).reshape(len(maps), -1)
    entropy = np.zeros(len(flat))
    for row, values in enumerate(flat):
        low, high = values.min(), values.max()
        if high == low:
            continue
        counts, _ = np.histogram(values, bins=bins, range=(low, high))
        shares = counts[counts > 0] / values.size
        entropy[row] = -np.sum(shares * np.log(shares))
    return entropy


def efficient_mprt(trained: np.ndarray, randomised: np.ndarray, bins: int = ENTROPY_BINS) -> np.ndarray:
    """Efficient MPRT (Hedström et al. 2023): (H(ê) − H(e)) / H(e), the relative rise in the
    discrete entropy (:func:`discrete_entropy`) from the trained model's map e to the fully
    randomised model's map ê of the same image and class. Above 0: the map became more complex
    (less structured) when the weights were randomised, as a map that depends on them should.

    Args:
        trained: (N, H, W) maps of the trained model.
        randomised: (N, H, W) maps of the fully randomised model.

    Returns:
        (N,) float64; NaN where H(e) = 0 (a constant trained map).
    """
    return relative_rise(discrete_entropy(trained, bins), discrete_entropy(randomised, bins))


def relative_rise(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """(after − before) / before per image; NaN where ``before`` is 0."""
    before, after = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(before > 0, (after - before) / np.where(before > 0, before, 1.0), np.nan)


def smooth_mprt(trained_noisy: np.ndarray, randomised_noisy: np.ndarray) -> np.ndarray:
    """Smooth MPRT (Hedström et al. 2023) at the fully randomised model: the Spearman correlation
    of |ē| and |ê̄|, where ē = (1/S) Σ_s e(x + ε_s) averages a method's maps of S noisy copies of
    the image (the same ε_s for both models) and ê̄ does the same under the randomised model.

    Args:
        trained_noisy: (S, N, H, W) maps of the trained model, one per noisy copy.
        randomised_noisy: (S, N, H, W) maps of the randomised model of the same noisy copies.

    Returns:
        (N,) float64 in [−1, 1] (NaN where a mean map is constant). Lower: the denoised maps
        changed more.
    """
    trained_noisy, randomised_noisy = np.asarray(trained_noisy), np.asarray(randomised_noisy)
    if trained_noisy.shape != randomised_noisy.shape or trained_noisy.ndim != 4:
        raise ValueError(f"expected two (S, N, H, W) arrays of the same shape, got {trained_noisy.shape} "
                         f"and {randomised_noisy.shape}")
    return spearman_rows(np.abs(trained_noisy.mean(axis=0)), np.abs(randomised_noisy.mean(axis=0)))
