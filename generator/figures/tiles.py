"""Map tiles: each map (and each input) as its own small image, one pixel per model input pixel,
at the image's own H × W; a colour input's tile is in its colours
(:mod:`generator.figures.input_image`).

The browser enlarges a tile with crisp pixels (``image-rendering: pixelated``), so a 28×28
map costs under a kilobyte and every word and number beside it is HTML text. A tile holds
the colour of each pixel's step on its method's :class:`~generator.stages.colour_scale.ColourScale`;
:func:`read_tile` turns a tile back into values, within one step, which is how the tests
check that the pictures show the published arrays.

Tiles are lossless WebP: the same pixels as a PNG in fewer bytes than the smallest palette
PNG of the report's maps, and every current browser shows them.

Drawing only: typed values in, image bytes out, written only when they change. Pillow (a
dependency of matplotlib) encodes the files; no metadata, so equal maps give equal bytes.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from generator.figures.input_image import INPUT_SCALE, input_tile_rgb, is_colour, read_colour_tile
from generator.stages.colour_scale import LEVELS, ColourScale, colour_table
from generator.plumbing.fileio import write_bytes_if_changed

NOT_FINITE_GREY = 200


def tile_bytes(values: np.ndarray, scale: ColourScale) -> bytes:
    """A (H, W) map as a lossless WebP image at its own H × W, each pixel the colour of its step;
    a colour input (H, W, 3) in its own colours (``scale`` is then :data:`INPUT_SCALE`).

    A map with any non-finite value is drawn uniformly grey: the page says why.
    """
    values = np.asarray(values)
    if not np.all(np.isfinite(values)):
        rgb = np.full((*values.shape[:2], 3), NOT_FINITE_GREY, np.uint8)
    elif is_colour(values) or scale is INPUT_SCALE:
        rgb = input_tile_rgb(values)
    else:
        rgb = colour_table(scale.cmap)[scale.levels(values)]
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, "WEBP", lossless=True, quality=100, method=4)
    return buffer.getvalue()


def draw_tile(values: np.ndarray, scale: ColourScale, path: Path) -> bool:
    """Write one map tile; returns whether the file changed."""
    return write_bytes_if_changed(path, tile_bytes(values, scale))


def draw_colour_bar(scale: ColourScale, path: Path) -> bool:
    """Every colour step of ``scale`` in a row (LEVELS × 1 px), lowest value on the left."""
    return draw_tile(scale.values(np.arange(LEVELS))[None, :], scale, path)


def read_tile(data: bytes, scale: ColourScale, *, colour: bool = False) -> np.ndarray:
    """The values a tile shows: each pixel's colour matched to the nearest step of ``scale``, (H, W);
    with ``colour``, a colour input tile's (H, W, 3) values in [0, 1]."""
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int32)
    if colour:
        return read_colour_tile(rgb)
    table = colour_table(scale.cmap).astype(np.int32)
    distance = ((rgb[:, :, None, :] - table[None, None, :, :]) ** 2).sum(axis=-1)
    return scale.values(distance.argmin(axis=-1))
