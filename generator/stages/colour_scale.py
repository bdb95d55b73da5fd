"""Colour scales of the gallery: one limit per method, values to colour steps and back.

A map is shown on a scale of :data:`LEVELS` colour steps. Signed maps span
[−limit, +limit] with zero on the middle step (white in ``RdBu_r``); magnitude maps span
[0, limit]. Values beyond the limit take the end colour: they are *clipped*, and the
gallery pages say how much of each method's pixels and |attribution| that clips.

The limit is a high percentile of |value| over the **inked** (non-zero) pixels of a
method's maps. Gradient × input and Integrated Gradients are exactly zero wherever the
input equals the black baseline — most of an MNIST image — so a percentile over all pixels
would mostly count those zeros and clip far more of the ink than its nominal share.

Computing only: NumPy in, NumPy out; nothing is drawn here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

LEVELS = 255
"""Colour steps per scale; odd, so that zero has a step of its own on signed scales."""
LIMIT_PERCENTILE = 99.5
"""Percentile of |value| over inked pixels that sets a method's limit."""
MIN_LIMIT = 1e-12


@dataclass(frozen=True)
class ColourScale:
    """How one method's maps become colours.

    Attributes:
        limit: the largest |value| with a colour of its own (> 0).
        signed: True for [−limit, +limit], False for [0, limit].
        cmap: matplotlib colour map name.
        unit: what the values measure, e.g. "logit units".
    """

    limit: float
    signed: bool
    cmap: str
    unit: str

    @property
    def step(self) -> float:
        """The value between two neighbouring colour steps."""
        return (2.0 if self.signed else 1.0) * self.limit / (LEVELS - 1)

    def levels(self, values: np.ndarray) -> np.ndarray:
        """Each value's colour step, 0 … LEVELS − 1 (uint8); non-finite values → step of zero."""
        values = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        fraction = np.clip(values / self.limit, -1.0, 1.0)
        position = (fraction + 1.0) / 2.0 if self.signed else np.clip(fraction, 0.0, 1.0)
        return np.rint(position * (LEVELS - 1)).astype(np.uint8)

    def values(self, levels: np.ndarray) -> np.ndarray:
        """The value at the centre of each colour step: the inverse of :meth:`levels` up to one step."""
        position = np.asarray(levels, dtype=np.float64) / (LEVELS - 1)
        return (2.0 * position - 1.0) * self.limit if self.signed else position * self.limit


def limit(maps: Sequence[np.ndarray], percentile: float = LIMIT_PERCENTILE) -> float:
    """``percentile`` of |value| over the finite, non-zero values of ``maps``; at least 1e-12."""
    values = np.abs(np.concatenate([np.ravel(m).astype(np.float64) for m in maps] or [np.zeros(0)]))
    values = values[np.isfinite(values) & (values > 0)]
    return max(float(np.percentile(values, percentile)), MIN_LIMIT) if values.size else MIN_LIMIT


@dataclass(frozen=True)
class Clipping:
    """What a colour limit hides on a set of maps.

    Attributes:
        pixels: share of all pixels with |value| above the limit.
        inked_pixels: share of the non-zero pixels with |value| above the limit.
        attribution: share of Σ|value| that lies on clipped pixels.
    """

    pixels: float
    inked_pixels: float
    attribution: float


def clipping(maps: Sequence[np.ndarray], scale_limit: float) -> Clipping:
    """Measure :class:`Clipping` of ``maps`` (finite values only) at ``scale_limit``."""
    values = np.abs(np.concatenate([np.ravel(m).astype(np.float64) for m in maps] or [np.zeros(0)]))
    values = values[np.isfinite(values)]
    clipped = values > scale_limit
    inked = values > 0
    total = values.sum()
    return Clipping(
        pixels=float(clipped.mean()) if values.size else 0.0,
        inked_pixels=float(clipped.sum() / inked.sum()) if inked.any() else 0.0,
        attribution=float(values[clipped].sum() / total) if total > 0 else 0.0,
    )


@lru_cache(maxsize=None)
def colour_table(cmap: str) -> np.ndarray:
    """(LEVELS, 3) uint8 RGB colour of each step of the matplotlib colour map ``cmap``.

    Every step gets a colour of its own, so that a tile can be read back to its values: where
    8-bit rounding gives two steps the same colour, the later one moves by one unit in one
    channel (invisible, and still the nearest colour to its own step). Computed once per colour
    map (it costs far more than drawing a tile; docs/performance.md) and returned read-only.
    """
    from matplotlib import colormaps

    samples = colormaps[cmap].resampled(LEVELS)(np.arange(LEVELS))[:, :3]
    table = np.rint(samples * 255).astype(np.int16)
    seen: set[tuple[int, ...]] = set()
    for step in range(LEVELS):
        candidates = [table[step] + np.roll([delta, 0, 0], channel) for delta in (0, 1, -1) for channel in (2, 1, 0)]
        table[step] = next(c for c in candidates if tuple(c) not in seen and c.min() >= 0 and c.max() <= 255)
        seen.add(tuple(int(v) for v in table[step]))
    table = table.astype(np.uint8)
    table.setflags(write=False)
    return table
