"""Map tiles: each map (and each input) as its own small PNG, one pixel per model input pixel.

The browser enlarges a tile with crisp pixels (``image-rendering: pixelated``), so a 28×28
map costs about a kilobyte and every word and number beside it is HTML text. A tile holds
the colour step of each pixel on its method's :class:`~generator.colour_scale.ColourScale`;
:func:`read_tile` turns a tile back into values, within one step, which is how the tests
check that the pictures show the published arrays.

Drawing only: typed values in, PNG bytes out, written only when they change. Pillow (a
dependency of matplotlib) encodes the files; no metadata, so equal maps give equal bytes.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from generator.colour_scale import LEVELS, ColourScale, colour_table
from generator.fileio import write_bytes_if_changed

INPUT_SCALE = ColourScale(limit=1.0, signed=False, cmap="gray", unit="pixel intensity")
"""Inputs are shown as they are: black 0, white 1."""
NOT_FINITE_GREY = 200


@lru_cache(maxsize=None)
def _table(cmap: str) -> np.ndarray:
    return colour_table(cmap)


def tile_png(values: np.ndarray, scale: ColourScale) -> bytes:
    """A (H, W) map as a palette PNG holding only the colour steps it uses.

    A map with any non-finite value is drawn uniformly grey: the page says why.
    """
    values = np.asarray(values)
    if not np.all(np.isfinite(values)):
        image = Image.fromarray(np.full(values.shape, NOT_FINITE_GREY, np.uint8), "L")
    else:
        steps = scale.levels(values)
        used = np.unique(steps)
        position = np.zeros(LEVELS, np.uint8)
        position[used] = np.arange(len(used), dtype=np.uint8)
        image = Image.fromarray(position[steps], "P")
        image.putpalette(_table(scale.cmap)[used].ravel().tolist())
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def draw_tile(values: np.ndarray, scale: ColourScale, path: Path) -> bool:
    """Write one map tile; returns whether the file changed."""
    return write_bytes_if_changed(path, tile_png(values, scale))


def draw_colour_bar(scale: ColourScale, path: Path) -> bool:
    """Every colour step of ``scale`` in a row (LEVELS × 1 px), lowest value on the left."""
    return draw_tile(scale.values(np.arange(LEVELS))[None, :], scale, path)


def read_tile(data: bytes, scale: ColourScale) -> np.ndarray:
    """The values a tile shows: each pixel's colour matched to the nearest step of ``scale``."""
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int32)
    table = _table(scale.cmap).astype(np.int32)
    distance = ((rgb[:, :, None, :] - table[None, None, :, :]) ** 2).sum(axis=-1)
    return scale.values(distance.argmin(axis=-1))
