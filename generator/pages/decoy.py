"""The "Does it find a cheating model?" page: the decoy check's rules, numbers and readings as strings.

Every reading comes from the rules of :mod:`generator.stages.decoy_rules`, whose words the page
prints before the results; every number beside a reading is shown at a precision at which the
reader can see the comparison the rule made.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from generator.methods import GRADIENT, SALIENCY
from generator.figures.decoy import DECOY_FIGURE
from generator.figures.trust import title
from generator.pages.classes import chance
from generator.pages.markdown_text import escape_markdown, href
from generator.plumbing.numbers import fixed, percent, percent_exact
from generator.stages.decoy import Decoy, Pair
from generator.stages.decoy_data import CORNERS, GREY_STEP, GREY_TOP
from generator.stages.decoy_rules import FAIL, INCONCLUSIVE, PASS, READS_RULE, RULE
from generator.stages.intervals import Interval

PAGE = "decoy.md"
TEMPLATE = "decoy.md.j2"


READING_WORDS = {PASS: "finds the decoy (pass)", FAIL: "does not find it (fail)", INCONCLUSIVE: "inconclusive"}
READS_WORDS = {PASS: "it reads the patch (pass)", FAIL: "it does not read the patch (fail)",
               INCONCLUSIVE: "inconclusive"}
MOST_DECIMALS = 4
MEASURED_PATCH = 4
"""The patch side of the one-off measurement the page cites (the network alone does not take the shortcut)."""


def level_chance(classes: int) -> float:
    """A random patch level is the true one for 1 image in K (one level per class): a model that
    read only the patch would score 1/K."""
    return 1 / classes


def visible_decimals(pair: Pair, reading: str, start: int = 1) -> int:
    """The fewest decimals (from ``start``) at which the bounds the rule compared show the order
    it found: for pass the decoy model's low above the normal model's high, for inconclusive its
    high above the normal model's low (rounding never reverses an order, but may show a tie)."""
    compared = {PASS: (pair.decoy.low, pair.normal.high), INCONCLUSIVE: (pair.decoy.high, pair.normal.low)}
    if reading not in compared or not all(math.isfinite(v) for v in compared[reading]):
        return start
    above, below = compared[reading]
    for decimals in range(start, MOST_DECIMALS + 1):
        if percent(above, decimals) != percent(below, decimals):
            return decimals
    return MOST_DECIMALS


def interval_text(value: Interval, decimals: int = 1) -> str:
    """A mean and its interval as percentages, e.g. "81.3% [70.0%, 90.6%]" (the bounds kept on one
    line by a no-break space, so a narrow table cell breaks before the bracket, not inside it)."""
    return f"{percent(value.mean, decimals)} [{percent(value.low, decimals)},\u00a0{percent(value.high, decimals)}]"


def points(value: float, decimals: int = 1) -> str:
    """A difference of two shares in percentage points, e.g. "79.1 pp" ("—" when not a number)."""
    text = percent(value, decimals)
    return text[:-1] + " pp" if text.endswith("%") else text


def points_text(value: Interval, decimals: int = 1) -> str:
    """A difference and its interval in percentage points, e.g. "79.1 pp [70.0, 88.2]"."""
    bounds = (points(value.low, decimals).removesuffix(" pp"), points(value.high, decimals).removesuffix(" pp"))
    return f"{points(value.mean, decimals)} [{bounds[0]},\u00a0{bounds[1]}]"


def times(value: float) -> str:
    """A ratio rounded to nearest, e.g. "0.88×", "39.4×", "128×"; "∞" when the denominator is 0."""
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    decimals = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{fixed(value, decimals, grouped=True)}×"


def times_text(value: Interval) -> str:
    return f"{times(value.mean)} [{times(value.low)},\u00a0{times(value.high)}]"


def border_words(decoy: Decoy) -> str | None:
    """The unread border in words, e.g. "bottom 2 rows and right 2 columns"; None when every pixel is read."""
    placed = decoy.placed
    parts = [f"bottom {placed.unread_rows} row{'s' if placed.unread_rows > 1 else ''}"] if placed.unread_rows else []
    if placed.unread_columns:
        parts.append(f"right {placed.unread_columns} column{'s' if placed.unread_columns > 1 else ''}")
    return " and ".join(parts) or None


def normal_versus_clean(decoy: Decoy) -> str | None:
    """How the normal model's accuracy on decoy images compares with its clean test accuracy."""
    if not math.isfinite(decoy.clean_accuracy):
        return None
    if decoy.normal_accuracy == decoy.clean_accuracy:
        return f"unchanged from the clean {percent(decoy.clean_accuracy)}: the patch did not move it"
    decimals = next((d for d in range(2, 7)
                     if percent(decoy.normal_accuracy, d) != percent(decoy.clean_accuracy, d)), 6)
    return f"{percent(decoy.clean_accuracy, decimals)} on the test images without a patch"


def verdict_rows(decoy: Decoy) -> list[dict[str, str]]:
    """The rule's table: per method, rank accuracy for both models, their difference and the reading."""
    rows = []
    for key, method in decoy.methods.items():
        reading, pair = method.reading(), method.rank.means
        decimals = visible_decimals(pair, reading)
        rows.append({"method": title(key), "decoy": interval_text(pair.decoy, decimals),
                     "normal": interval_text(pair.normal, decimals),
                     "difference": points_text(method.rank.difference, decimals), "reading": READING_WORDS[reading],
                     "count": f"{method.rank.count:,}"})
    return rows


def mass_rows(decoy: Decoy) -> list[dict[str, str]]:
    """Per method, mass accuracy for both models and the ratio of their means."""
    return [{"method": title(key), "decoy": interval_text(method.mass.means.decoy),
             "normal": interval_text(method.mass.means.normal), "ratio": times_text(method.mass.ratio),
             "nonzero": " / ".join(fixed(value, 0, grouped=True) for value in method.nonzero_median)}
            for key, method in decoy.methods.items()]


def saliency_repeats_gradient(decoy: Decoy) -> bool:
    """Whether saliency's measures equal the gradient's (|gradient| of a one-channel image: both
    measures read |attribution|), which the page then says instead of leaving two equal rows unexplained."""
    methods = decoy.methods
    return (SALIENCY in methods and GRADIENT in methods and all(
        np.array_equal(getattr(methods[SALIENCY], m).values, getattr(methods[GRADIENT], m).values, equal_nan=True)
        for m in ("mass", "rank")))


def corner_rows(decoy: Decoy) -> list[dict[str, Any]]:
    """Per method and model, rank accuracy in each corner."""
    return [{"method": title(key), "model": model,
             "cells": [interval_text(getattr(method.rank.corners[corner], model), 0) for corner in CORNERS]}
            for key, method in decoy.methods.items() for model in ("decoy", "normal")]


def corner_heads(decoy: Decoy) -> list[str]:
    """Each corner's column head with its count of sampled images, e.g. "top left (24)"."""
    return [f"{corner} ({int((decoy.corners == c).sum())})" for c, corner in enumerate(CORNERS)]


def decoy_context(decoy: Decoy, mismatched: float, trust_page: bool = True, *, mnist: bool,
                  classes: int = 10) -> dict[str, Any]:
    """Strings and links for templates/decoy.md.j2 (``mismatched``: the share of training images
    whose content is swapped; ``trust_page``: whether the build wrote the trust page, to link to;
    ``mnist``: whether the data is MNIST, whose name and measurements the page may then cite)."""
    reads = decoy.reads_patch()
    placed = decoy.placed
    patch_pixels = decoy.size * decoy.size
    lost = decoy.accuracy_lost
    lost_decimals = visible_decimals(lost, reads, start=2)
    return {
        "size": f"{decoy.size}",
        "grey_top": f"{GREY_TOP}", "grey_step": f"{GREY_STEP}", "grey_last": f"{GREY_TOP - 9 * GREY_STEP}",
        "mismatched": percent_exact(mismatched),
        "training": escape_markdown(decoy.training.removeprefix("trained here: ")) or "the report's settings",
        "border": border_words(decoy),
        "unread": f"{placed.unread_pixels:,}",
        "pixels": f"{placed.height * placed.width:,}",
        "read_rows": f"{placed.rows}", "read_columns": f"{placed.columns}",
        "readable_share": percent(decoy.readable_share, 1),
        "rule": RULE,
        "reads_rule": READS_RULE,
        "patch_pixels": f"{patch_pixels}",
        "chance": percent(patch_pixels / (placed.rows * placed.columns), 1),
        "read_pixels": f"{placed.rows * placed.columns:,}",
        "accuracy": percent(decoy.accuracy),
        "shuffled": percent(decoy.shuffled_accuracy.mean),
        "shuffled_interval": f"{percent(decoy.shuffled_accuracy.low)} to {percent(decoy.shuffled_accuracy.high)}",
        "reads_more": decoy.shuffled_accuracy.low > level_chance(classes),
        "level_chance": chance(classes),
        "normal_accuracy": percent(decoy.normal_accuracy),
        "normal_shuffled": percent(decoy.normal_shuffled_accuracy),
        "normal_versus_clean": normal_versus_clean(decoy),
        "lost_decoy": points_text(lost.decoy, lost_decimals),
        "lost_normal": points_text(lost.normal, lost_decimals),
        "reads": READS_WORDS[reads],
        "reads_pass": reads == PASS,
        "images": f"{len(decoy.sample):,}",
        "rows": verdict_rows(decoy),
        "all_counted": all(method.rank.count == len(decoy.sample) for method in decoy.methods.values()),
        "mass_rows": mass_rows(decoy),
        "saliency_repeats": saliency_repeats_gradient(decoy),
        "corners": corner_heads(decoy),
        "corner_rows": corner_rows(decoy),
        "figure": href(DECOY_FIGURE, PAGE),
        "card_href": href("index.md#model", PAGE) if decoy.normal_region == placed else None,
        "measured_alone": decoy.size == MEASURED_PATCH,
        "trust_href": href("trust.md", PAGE) if trust_page else None,
        "mnist": mnist,
    }
