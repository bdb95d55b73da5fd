"""The part of the input a model reads: a finding about its architecture, computed once.

The report's CNN (valid 3×3 convolutions, 2×2 poolings that drop a last row their window does not
fill) never passes the bottom 2 rows and right 2 columns of a 28×28 image to its output
(:func:`generator.attributions.engine.unread_border.read_extent` derives this from the layers); every
map of every method is exactly 0 there. The model card states it, and the decoy check
(:mod:`generator.stages.decoy`) places its patches only inside the region read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ReadRegion:
    """The top-left ``rows`` × ``columns`` pixels of a ``height`` × ``width`` input that reach the output.

    When :func:`~generator.attributions.engine.unread_border.read_extent` cannot follow a model's layers
    the whole input counts as read: a border is only ever claimed where the layers show it.
    """

    rows: int
    columns: int
    height: int
    width: int

    @property
    def unread_rows(self) -> int:
        """Bottom rows never read."""
        return self.height - self.rows

    @property
    def unread_columns(self) -> int:
        """Right columns never read."""
        return self.width - self.columns

    @property
    def unread_pixels(self) -> int:
        """Pixels outside the region read (the bottom rows and right columns, counted once)."""
        return self.height * self.width - self.rows * self.columns

    def within(self, other: ReadRegion) -> ReadRegion:
        """The pixels both regions read (both of the same input size)."""
        return ReadRegion(min(self.rows, other.rows), min(self.columns, other.columns), self.height, self.width)


def read_region(model: Any) -> ReadRegion:
    """The region a Keras model with a (H, W, C) input reads, from its layers."""
    from generator.attributions.engine.unread_border import read_extent

    height, width = (int(d) for d in model.inputs[0].shape[1:3])
    rows, columns = read_extent(model) or (height, width)
    return ReadRegion(rows, columns, height, width)
