"""The explorer page's context: one row per published example (numbers formatted, links and
thumbnails relative to the page, text escaped), the class list of its filters, and the legends
of its map, error and flag columns."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from generator.methods import INTEGRATED_GRADIENTS, keys
from generator.pages.markdown_text import escape_markdown, href
from generator.plumbing.numbers import digits, fixed, percent, percent_exact
from generator.stages.checked_maps import EG_NOISE_BOUND, EgError, eg_map_error
from generator.stages.gallery import (
    Gallery,
    anchor,
    colour_bar_path,
    contrast_tile_path,
    method_maps,
    tile_path,
)
from generator.stages.model_output import LOGIT_WORDS, ScoreWords
from generator.stages.results import Completeness, Example

THUMBNAIL_PIXELS = 48
"""Width and height of the explorer's thumbnails, in CSS pixels."""
IG = INTEGRATED_GRADIENTS
FLAGS = {
    "ig-tolerance": ("IG above tolerance", "an IG map's completeness error is above {tolerance}"),
    "eg-sign": ("EG sum of wrong sign", "an EG map's sum has the opposite sign to its Δ"),
    "eg-noise": ("EG noisy", f"an EG map's noise is above {percent_exact(EG_NOISE_BOUND)} of the map"),
    "non-finite": ("non-finite values", "a map holds NaN or ±∞"),
}
"""Each flag of the explorer: its code (the rows' ``data-flags``), its words in the Flags column and
what it means ("{tolerance}": the IG maps' completeness tolerance)."""
_EG_FLAGS = {"EG sign": "eg-sign", "EG noise": "eg-noise"}
"""The explorer's code of each Expected-Gradients flag (:attr:`~generator.stages.checked_maps.EgError.flags`)."""


def explorer_rows(examples: Sequence[Example], gallery: Gallery, names: Sequence[str], page: str,
                  score: ScoreWords = LOGIT_WORDS) -> list[dict[str, Any]]:
    """One row per published example for the explorer table on ``page``: mistakes first, the most
    confident first. ``score`` names what the maps are of in the thumbnails' alt texts. An example
    of a class without pages (:attr:`~generator.stages.gallery.Gallery.unpaged`) links to its IG tile."""
    page_of = gallery.page_of()
    rows = []
    for e in sorted(examples, key=lambda e: (e.correct, -e.confidence, e.test_index)):
        eg_errors = [eg_map_error(c, m) for c, m in zip(checks(e, "eg_completeness"), eg_maps(e))]
        eg_worst = max(eg_errors, key=lambda error: error.of_mass) if eg_errors else None
        flags = flag_codes(e, eg_errors)
        true, predicted = escape_markdown(names[e.true_label]), escape_markdown(names[e.predicted])
        rows.append({
            "href": href(f"{page_of[e.test_index]}#{anchor(e.test_index)}" if e.test_index in page_of
                         else tile_path(e.test_index, IG, e.predicted), page),
            "input": _thumbnail(tile_path(e.test_index, "input"), page, f"Test image {e.test_index}"),
            "ig": _thumbnail(tile_path(e.test_index, IG, e.predicted), page,
                             f"Test image {e.test_index}: Integrated Gradients map for class {names[e.predicted]}"),
            "contrast": None if e.correct else _thumbnail(
                contrast_tile_path(e.test_index, IG), page,
                f"Test image {e.test_index}: contrastive Integrated Gradients, "
                f"{score.of(names[e.predicted])} − {score.of(names[e.true_label])}"),
            "index": str(e.test_index),
            "true": true,
            "true_class": str(e.true_label),
            "predicted": predicted,
            "predicted_class": str(e.predicted),
            "confidence": fixed(e.confidence, 3),
            "margin": fixed(gallery.margins[e.test_index]),
            "error": percent(_largest(checks(e))),
            "eg_error": ("—" if eg_worst is None or not math.isfinite(eg_worst.of_mass) else
                         f"{percent(eg_worst.of_mass)} ({fixed(eg_worst.absolute, 3)})"),
            "result": "correct" if e.correct else "mistake",
            "flags": ", ".join(FLAGS[code][0] for code in flags) or "—",
            "flag_codes": " ".join(flags),
        })
    return rows


def flag_codes(example: Example, eg_errors: Sequence[EgError]) -> list[str]:
    """The codes of :data:`FLAGS` an example raises, in that order: an IG map above the
    completeness tolerance (or with an error that is not finite), an EG map whose sum has the
    wrong sign, an EG map whose noise is above its bound (``eg_errors``: those of its EG maps),
    a map holding NaN or ±∞."""
    codes = ["ig-tolerance"] if any(not c.within_tolerance for c in checks(example)) else []
    raised = {flag for error in eg_errors for flag in error.flags}
    codes += [code for flag, code in _EG_FLAGS.items() if flag in raised]
    return codes + (["non-finite"] if any(not np.all(np.isfinite(m)) for m in maps_of(example)) else [])


def explorer_classes(names: Sequence[str]) -> list[dict[str, str]]:
    """The options of the true- and predicted-class filters: value (the class index) and name."""
    return [{"value": str(k), "name": escape_markdown(name)} for k, name in enumerate(names)]


def explorer_legend(gallery: Gallery, score: ScoreWords, page: str, tolerance: float) -> dict[str, Any]:
    """The explorer's one-line legends: the IG thumbnails' colour bar (the gallery's scale), the EG
    error column and each flag, ``score`` naming what the maps are of and ``tolerance`` the IG
    maps' completeness tolerance."""
    ig = next(m for m in gallery.methods if m.key == IG)
    limit = digits(ig.scale.limit)
    return {"maps": (f"*IG map*: the Integrated-Gradients map of the predicted class's {score.noun}; *IG contrast* "
                     f"(mistakes only): that of {score.noun} predicted − {score.noun} true. Red pixels raised the "
                     f"{score.noun} (or the difference), blue ones lowered it, on the gallery's colour scale"),
            "bar": {"src": href(colour_bar_path(IG), page), "low": f"−{limit}", "high": f"+{limit}",
                    "unit": ig.scale.unit,
                    "alt": f"Colour bar of Integrated Gradients from −{limit} to +{limit} {ig.scale.unit}"},
            "eg_error": (f"of the image's Expected-Gradients maps, the one whose |ΣEG − Δ| is the largest share of "
                         f"its Σ|EG|: that share, then |ΣEG − Δ| in {score.noun} units"),
            "flags": "; ".join(f"*{label}*: {meaning.format(tolerance=percent_exact(tolerance))}"
                                for label, meaning in FLAGS.values())}


def _thumbnail(path: str, page: str, alt: str) -> dict[str, str]:
    return {"src": href(path, page), "alt": escape_markdown(alt)}


def eg_maps(example: Example) -> list[np.ndarray]:
    """An example's Expected-Gradients maps, in the order of ``checks(example, "eg_completeness")``."""
    return [row.expected_gradients for row in example.rows] + (
        [] if example.contrast is None else [example.contrast.expected_gradients])


def maps_of(example: Example) -> list[np.ndarray]:
    """Every map of an example, its contrast map included."""
    return [m for key in keys() for m in method_maps(key, [example])]


def _largest(checks: list[Completeness]) -> float:
    """The largest relative error of ``checks``; NaN if there is none or one is not finite."""
    errors = [c.relative_error for c in checks]
    return max(errors) if errors and all(np.isfinite(errors)) else float("nan")


def checks(example: Example, check: str = "completeness") -> list[Completeness]:
    """Every completeness check of an example, its targets' then its contrast map's: IG's
    (``check="completeness"``) or Expected Gradients' (``"eg_completeness"``)."""
    maps = [*example.rows, *([] if example.contrast is None else [example.contrast])]
    return [getattr(m, check) for m in maps]
