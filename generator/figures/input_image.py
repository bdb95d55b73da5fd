"""Input images as the figures and tiles draw them: grey images through the grey colour map, as
they always were; colour (H, W, 3) images in their own colours.

Every place that draws an input goes through :func:`show_image` (a Matplotlib panel) or
:func:`input_tile_rgb` (a tile's pixels), so grey and colour inputs are drawn alike on every
page. Inputs are pixel/255 floats in [0, 1]. Drawing only: NumPy in, pixels or an image out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.colors import Normalize

from generator.stages.colour_scale import ColourScale, colour_table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

INPUT_CMAP = "gray"
"""Grey inputs as they are: black 0, white 1."""
INPUT_SCALE = ColourScale(limit=1.0, signed=False, cmap=INPUT_CMAP, unit="pixel intensity")
"""The scale of grey input tiles (black 0, white 1); colour tiles hold each channel's byte."""


def is_colour(image: np.ndarray) -> bool:
    """Whether ``image`` is a colour image: (H, W, 3). (H, W) and (H, W, 1) are grey."""
    return np.ndim(image) == 3 and np.shape(image)[-1] == 3


def input_pixels(image: np.ndarray) -> np.ndarray:
    """What ``imshow`` draws for an input: (H, W) grey values unchanged ((H, W, 1) without its
    channel axis), or (H, W, 3) colours clipped to [0, 1].

    Raises:
        ValueError: for any other shape (e.g. 2 or 4 channels).
    """
    image = np.asarray(image)
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[-1] == 1:
        return image[..., 0]
    if is_colour(image):
        return np.clip(image, 0.0, 1.0)
    raise ValueError(f"an input image is (H, W), (H, W, 1) or (H, W, 3); got shape {image.shape}")


def show_image(ax: Axes, values: np.ndarray, cmap: str = INPUT_CMAP, norm: Normalize | None = None) -> Any:
    """Draw ``values`` pixel for pixel on ``ax`` and return Matplotlib's image.

    A (H, W) array (a map, or a grey input) goes through ``cmap`` and ``norm`` (default [0, 1]),
    exactly as ``ax.imshow`` draws it; a colour input (H, W, 3) is drawn in its own colours.
    """
    if is_colour(values):
        return ax.imshow(input_pixels(values), interpolation="none")
    return ax.imshow(input_pixels(values), cmap=cmap, norm=Normalize(0.0, 1.0) if norm is None else norm,
                     interpolation="none")


def channels_last(image: np.ndarray) -> np.ndarray:
    """``image`` with a channel axis: (H, W) → (H, W, 1); (H, W, C) unchanged. For per-pixel tests
    over channels, e.g. ``np.all(channels_last(x) == b, axis=-1)``: "every channel at b"."""
    image = np.asarray(image)
    return image[..., None] if image.ndim == 2 else image


def input_tile_rgb(image: np.ndarray) -> np.ndarray:
    """A tile's (H, W, 3) uint8 pixels for an input: a grey one on :data:`INPUT_SCALE`'s steps
    (R = G = B), a colour one each channel's byte, round(255 · value)."""
    if is_colour(image):
        return np.rint(input_pixels(image).astype(np.float64) * 255.0).astype(np.uint8)
    return colour_table(INPUT_SCALE.cmap)[INPUT_SCALE.levels(input_pixels(image))]


def read_colour_tile(rgb: np.ndarray) -> np.ndarray:
    """The (H, W, 3) values in [0, 1] of a colour input tile's uint8 pixels (the inverse of
    :func:`input_tile_rgb` to within half a byte, 0.5/255)."""
    return np.asarray(rgb, np.float64) / 255.0
