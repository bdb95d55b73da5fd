"""Tiles of the gallery's "strong attributions only" view: a map's strong pixels in its colours,
every other pixel transparent, so the page can lay the tile over a grey copy of the input.

Drawing only: the threshold comes from :func:`generator.stages.strong.strong_threshold`.
Lossless WebP with an alpha channel and no metadata, so equal maps give equal bytes.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from generator.figures.jobs import FigureJob
from generator.plumbing.fileio import write_bytes_if_changed
from generator.stages.colour_scale import ColourScale, colour_table
from generator.stages.gallery import Gallery
from generator.stages.strong import strong_mask, strong_tile_jobs


def strong_tile_bytes(values: np.ndarray, threshold: float, scale: ColourScale) -> bytes:
    """A (H, W) map as RGBA WebP: its colour where |value| ≥ ``threshold``, transparent elsewhere."""
    values = np.asarray(values)
    rgba = np.zeros((*values.shape, 4), np.uint8)
    rgba[..., :3] = colour_table(scale.cmap)[scale.levels(values)]
    rgba[..., 3] = np.where(strong_mask(values, threshold), 255, 0)
    rgba[rgba[..., 3] == 0] = 0  # one transparent colour, so equal masks give equal bytes
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, "WEBP", lossless=True, quality=100, method=4, exact=True)
    return buffer.getvalue()


def draw_strong_tile(values: np.ndarray, threshold: float, scale: ColourScale, path: Path) -> bool:
    """Write one strong-view tile; returns whether the file changed."""
    return write_bytes_if_changed(path, strong_tile_bytes(values, threshold, scale))


def strong_jobs(gallery: Gallery) -> list[FigureJob]:
    """A figure job per strong-view tile of the gallery."""
    return [FigureJob(path, draw_strong_tile, (values, threshold, scale))
            for path, values, threshold, scale in strong_tile_jobs(gallery)]
