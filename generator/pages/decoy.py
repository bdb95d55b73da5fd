"""The "Does it find a cheating model?" page: the decoy check's numbers and readings as strings.

Every reading is chosen by the decoy stage's thresholds (:data:`generator.stages.decoy.FINDS_CONCENTRATION`
and :data:`~generator.stages.decoy.READS_PATCH_DROP`), which the page states.
"""

from __future__ import annotations

from typing import Any

from generator.figures.decoy import DECOY_FIGURE
from generator.figures.trust import TITLES
from generator.pages.markdown_text import href
from generator.plumbing.numbers import percent
from generator.stages.decoy import FINDS_CONCENTRATION, READS_PATCH_DROP, Decoy
from generator.stages.intervals import Interval

PAGE = "decoy.md"
TEMPLATE = "decoy.md.j2"


def _share(value: Interval) -> str:
    return f"{percent(value.mean, 1)} [{percent(value.low, 1)}, {percent(value.high, 1)}]"


def decoy_context(decoy: Decoy, mismatched: float, trust_page: bool = True, *, mnist: bool) -> dict[str, Any]:
    """Strings and links for templates/decoy.md.j2 (``mismatched``: the share of training images
    whose content is swapped; ``trust_page``: whether the build wrote the trust page, to link to;
    ``mnist``: whether the data is MNIST, whose name and measurements the page may then cite)."""
    rows = [{"method": TITLES[key], "decoy": _share(decoy.share_decoy[key]), "normal": _share(decoy.share_normal[key]),
             "reading": decoy.reading(key)} for key in decoy.share_decoy]
    reads = decoy.reads_patch()
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
        "mnist": mnist,
    }
