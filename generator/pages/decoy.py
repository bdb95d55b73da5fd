"""The "Does it find a cheating model?" page: the decoy check's numbers and readings as strings.

Every reading is chosen by the thresholds below, which the page states.
"""

from __future__ import annotations

from typing import Any

from generator.figures.decoy import DECOY_FIGURE
from generator.figures.trust import TITLES
from generator.pages.markdown_text import href
from generator.plumbing.numbers import percent
from generator.stages.decoy import Decoy
from generator.stages.trust import Interval

PAGE = "decoy.md"
TEMPLATE = "decoy.md.j2"
FINDS_CONCENTRATION = 10.0
"""A method *finds the decoy* when, for the decoy model, the share of its |attribution| on the
patch is at least this many times the patch's share of the image (what a map spread evenly would
put there), and for the normal model on the same images less than that even share. Not "most of
the mass": the decoy model still uses the digit as well (the page shows how much)."""
READS_PATCH_DROP = 0.5
"""The decoy model *reads the patch* when shuffling the patch level costs it more than half its accuracy."""


def _share(value: Interval) -> str:
    return f"{percent(value.mean, 1)} [{percent(value.low, 1)}, {percent(value.high, 1)}]"


def decoy_context(decoy: Decoy, mismatched: float, trust_page: bool = True) -> dict[str, Any]:
    """Strings and links for templates/decoy.md.j2 (``mismatched``: the share of training digits
    swapped; ``trust_page``: whether the build wrote the trust page, to link to)."""
    rows = []
    for key in decoy.share_decoy:
        on_patch, on_patch_normal = decoy.share_decoy[key], decoy.share_normal[key]
        concentrated = on_patch.mean >= FINDS_CONCENTRATION * decoy.patch_pixels
        finds = concentrated and on_patch_normal.mean < decoy.patch_pixels
        reading = ("finds the decoy" if finds else
                   "points to the patch for both models" if concentrated else
                   "does not find the decoy")
        rows.append({"method": TITLES[key], "decoy": _share(on_patch), "normal": _share(on_patch_normal),
                     "reading": reading})
    reads = decoy.shuffled_accuracy < (1 - READS_PATCH_DROP) * decoy.accuracy
    return {
        "size": f"{decoy.size}",
        "mismatched": percent(mismatched, 0),
        "accuracy": percent(decoy.accuracy),
        "shuffled": percent(decoy.shuffled_accuracy),
        "normal_accuracy": percent(decoy.normal_accuracy),
        "reads": reads,
        "images": f"{len(decoy.sample):,}",
        "patch_pixels": percent(decoy.patch_pixels, 1),
        "rows": rows,
        "concentration": f"{FINDS_CONCENTRATION:g}",
        "finds_above": percent(FINDS_CONCENTRATION * decoy.patch_pixels, 1),
        "drop": percent(READS_PATCH_DROP, 0),
        "figure": href(DECOY_FIGURE, PAGE),
        "trust_href": href("trust.md", PAGE) if trust_page else None,
    }
