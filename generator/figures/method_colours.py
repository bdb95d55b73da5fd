"""Each method's colour map and short name, for every figure of the site: the gallery's.

Both come from the method catalogue (:mod:`generator.methods`), which the gallery's tiles and
colour bars use too, so that a method has one colour map everywhere: signed maps on the
diverging map, saliency (|gradient|) on the sequential one.
"""

from __future__ import annotations

from generator.methods import MAGNITUDE_CMAP, SIGNED_CMAP, method, methods

from generator.figures.input_image import INPUT_CMAP
CMAPS = {m.key: m.cmap for m in methods()}
"""Method key → its colour map (the catalogue's methods)."""
SHORT_NAMES = {m.key: m.short for m in methods()}
"""Method key → its short name ("IG"), as the gallery writes it under a map on a phone."""


def method_cmap(key: str) -> str:
    """The colour map of method ``key`` (e.g. "saliency" → the sequential map)."""
    return method(key).cmap


def is_signed(key: str) -> bool:
    """Whether method ``key``'s maps span [−limit, +limit] (else [0, limit])."""
    return method(key).signed


__all__ = ["CMAPS", "INPUT_CMAP", "MAGNITUDE_CMAP", "SHORT_NAMES", "SIGNED_CMAP", "is_signed", "method_cmap"]
