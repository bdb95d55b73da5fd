"""Each method's colour map and short name, for every figure of the site: the gallery's.

The gallery (:mod:`generator.stages.gallery`) decides them once, for its tiles and colour bars;
the figures take them from here, so that a method has one colour map everywhere: signed maps on
the diverging map, saliency (|gradient|) on the sequential one.
"""

from __future__ import annotations

from generator.stages.gallery import MAGNITUDE_CMAP, METHOD_COLUMNS, SIGNED_CMAP

INPUT_CMAP = "gray"
"""Inputs as they are: black 0, white 1 (as the gallery's input tiles)."""
CMAPS = {key: SIGNED_CMAP if signed else MAGNITUDE_CMAP for key, _, _, signed, _ in METHOD_COLUMNS}
"""Method key → its colour map."""
SHORT_NAMES = {key: short for key, _, short, _, _ in METHOD_COLUMNS}
"""Method key → its short name ("IG"), as the gallery writes it under a map on a phone."""


def method_cmap(key: str) -> str:
    """The colour map of method ``key`` (e.g. "saliency" → the sequential map)."""
    return CMAPS[key]


def is_signed(key: str) -> bool:
    """Whether method ``key``'s maps span [−limit, +limit] (else [0, limit])."""
    return CMAPS[key] == SIGNED_CMAP


__all__ = ["CMAPS", "INPUT_CMAP", "MAGNITUDE_CMAP", "SHORT_NAMES", "SIGNED_CMAP", "is_signed", "method_cmap"]
