"""The "strong attributions only" view of the gallery: which pixels of a map count as strong.

A pixel is strong when its |value| is at or above the :data:`STRONG_PERCENTILE` th percentile of
|value| over that map's own non-zero, finite pixels, so each map shows about its top fifth of
inked pixels whatever its scale. Over the non-zero pixels only, as for the colour limits
(:mod:`generator.stages.colour_scale`): Gradient × input and Integrated Gradients are exactly
zero on the black background, and a percentile over every pixel would be zero for them.

Computing only: NumPy in, a threshold and a mask out; the tiles are drawn by
:mod:`generator.figures.strong_tiles`.
"""

from __future__ import annotations

import math

import numpy as np

from generator.stages.colour_scale import ColourScale
from generator.stages.gallery import Gallery, tile_jobs

STRONG_PERCENTILE = 80.0
"""Percentile of a map's non-zero |value| at or above which a pixel is shown in the strong view."""


def strong_threshold(values: np.ndarray, percentile: float = STRONG_PERCENTILE) -> float:
    """The |value| at or above which a pixel of this map is strong; +∞ when the map has no
    non-zero finite pixel (then nothing is strong)."""
    magnitudes = np.abs(np.ravel(np.asarray(values, dtype=np.float64)))
    magnitudes = magnitudes[np.isfinite(magnitudes) & (magnitudes > 0)]
    return float(np.percentile(magnitudes, percentile)) if magnitudes.size else math.inf


def strong_mask(values: np.ndarray, threshold: float) -> np.ndarray:
    """Where |value| ≥ ``threshold`` (non-finite values are never strong)."""
    magnitudes = np.abs(np.asarray(values, dtype=np.float64))
    return np.isfinite(magnitudes) & (magnitudes >= threshold) & (magnitudes > 0)


def strong_tile_path(tile: str) -> str:
    """The strong-view tile beside a map tile: "figures/tiles/03520-4-ig.webp" →
    "figures/tiles/03520-4-ig-strong.webp"."""
    stem, dot, extension = tile.rpartition(".")
    return f"{stem}-strong{dot}{extension}"


def strong_tile_jobs(gallery: Gallery) -> list[tuple[str, np.ndarray, float, ColourScale]]:
    """(strong tile path, values, threshold, scale) for every map tile of the gallery (inputs and
    colour bars have none)."""
    from generator.figures.tiles import INPUT_SCALE

    return [(strong_tile_path(path), values, strong_threshold(values), scale)
            for path, values, scale in tile_jobs(gallery) if scale is not INPUT_SCALE]
