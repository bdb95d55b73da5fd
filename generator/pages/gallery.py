"""Gallery page contexts: the colour-bar legend and one table row per (example, target), as
ready-made strings and page-relative links (text escaped here); the explorer's rows are in
:mod:`generator.pages.explorer`."""

from __future__ import annotations

import math
import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from generator.methods import SMOOTHGRAD, method as catalogue_method
from generator.pages.markdown_text import escape_markdown, href
from generator.plumbing.numbers import digits, fixed, percent, percent_exact, percent_rounded_up
from generator.stages.gallery import (
    Gallery,
    GalleryPage,
    anchor,
    colour_bar_path,
    contrast_tile_path,
    tile_path,
)
from generator.stages.model_output import LOGIT_WORDS, ScoreWords
from generator.stages.checked_maps import EG_NOISE_BOUND, eg_error
from generator.stages.results import Completeness, Example
from generator.stages.strong import STRONG_PERCENTILE, strong_tile_path

TILE_PIXELS = 96
"""The side of a gallery tile's box, in CSS pixels (``--gg-tile`` in stylesheets/gallery.css)."""


def smooth_tiles(examples: Sequence[Example], shown: int) -> bool:
    """Whether the tiles of ``examples`` are drawn smoothed rather than with crisp pixels in boxes
    of ``shown`` CSS pixels: when an image's larger side exceeds ``shown`` the browser shrinks its
    tile, and nearest-neighbour shrinking (``image-rendering: pixelated``) would drop whole rows
    and columns of pixels. Tiles shown at their size or enlarged (MNIST's 28 px) stay crisp."""
    return any(max(np.shape(e.image)[:2]) > shown for e in examples)


def gallery_context(gallery: Gallery, gallery_page: GalleryPage, names: Sequence[str],
                    score: ScoreWords = LOGIT_WORDS, *, show_target: bool = True) -> dict[str, Any]:
    """The legend (one colour bar per method) and one table row per (example, target) of a page;
    ``score`` names what the maps are of in the checks and alt texts. ``show_target=False`` leaves
    out the Target column (a class page, where every row's target is the page's class)."""
    page = gallery_page.page
    explained = {term: href(target, page) for term, target in CHECK_TERMS.items()}
    methods = gallery.methods
    legend = []
    for method in methods:
        scale, clipped = method.scale, gallery_page.clipping[method.key]
        legend.append({
            "title": method.title,
            "src": href(colour_bar_path(method.key), page),
            "low": f"−{digits(scale.limit)}" if scale.signed else "0",
            "high": f"+{digits(scale.limit)}" if scale.signed else digits(scale.limit),
            "unit": scale.unit,
            "clipped": (f"{percent(clipped.pixels)} of pixels ({percent(clipped.inked_pixels)} of "
                        f"non-zero ones), holding {percent(clipped.attribution)} of |attribution|"),
        })
    examples = []
    for e in gallery_page.examples:
        def cell(path: str, what: str, values: np.ndarray) -> dict[str, str]:
            note = "" if np.all(np.isfinite(values)) else "non-finite values"
            return {"src": href(path, page), "note": note, "strong_name": posixpath.basename(strong_tile_path(path)),
                    "alt": escape_markdown(f"Test image {e.test_index}: {what}"),
                    "strong_alt": escape_markdown(f"Test image {e.test_index}: strongest pixels of the {what}")}

        rows = [{
            "target": escape_markdown(f"{names[row.target]}{_role(row.target, e)}"),
            "target_label": "Maps of class ",
            "maps": [cell(tile_path(e.test_index, m.key, row.target), f"{m.title} map for class {names[row.target]}",
                          m.of(row))
                     for m in methods],
            **_check_cells(row.completeness, f"Δ{score.symbol}", row.eg_completeness, row.noise,
                           eg_map=row.expected_gradients, explained=explained),
        } for row in e.rows]
        if e.contrast is not None:
            contrast_of = {m.key: cell(contrast_tile_path(e.test_index, m.key),
                                       f"contrastive {m.title}, {score.of(names[e.predicted])} − "
                                       f"{score.of(names[e.true_label])}",
                                       e.contrast.map(m.key))
                           for m in methods if m.key in e.contrast.maps}
            rows.append({
                "target": escape_markdown(f"contrast {names[e.predicted]} − {names[e.true_label]}"),
                "target_label": "Maps of the ",
                "maps": [contrast_of.get(m.key) for m in methods],
                **_check_cells(e.contrast.completeness, f"Δ({score.noun} difference)", e.contrast.eg_completeness,
                               eg_map=e.contrast.expected_gradients, explained=explained),
            })
        examples.append({
            "anchor": anchor(e.test_index),
            "index": str(e.test_index),
            "verdict": (escape_markdown(f"class {names[e.true_label]}") if e.correct else
                        escape_markdown(f"true {names[e.true_label]}, predicted {names[e.predicted]}")),
            "confidence": fixed(e.confidence, 3),
            "margin": fixed(gallery.margins[e.test_index]),
            "input": cell(tile_path(e.test_index, "input"), f"input, true class {names[e.true_label]}", e.image),
            "rows": rows,
        })
    return {"columns": [m.title for m in methods], "short_names": [m.short for m in methods], "legend": legend,
            "examples": examples, "show_target": show_target,
            "smooth": smooth_tiles(gallery_page.examples, TILE_PIXELS), "strong_note": (
                f"*Strong attributions only* shows, for each map, the pixels whose |value| is at or above the "
                f"{STRONG_PERCENTILE:g}th percentile of that map's non-zero |values| (about its strongest "
                f"{percent_exact((100 - STRONG_PERCENTILE) / 100)} of inked pixels), in the map's colours; every other "
                f"pixel shows a grey copy of the input."),
            "eg_note": (
                f"Under each row, its checks. Expected Gradients' sum is off its Δ by |ΣEG − Δ|, given in "
                f"{score.noun} units and as a share of the map's Σ|EG| (its completeness holds only in expectation); "
                f"**EG flagged** marks a map whose sum has the opposite sign to Δ, or whose noise is above "
                f"{percent_exact(EG_NOISE_BOUND)} of the map. Each circled *i* links to the Methods section that explains "
                f"the numbers before it.")}


def _check_cells(check: Completeness, delta_label: str, eg: Completeness,
                 noise: Mapping[str, float] | None = None, *, eg_map: np.ndarray | None = None,
                 explained: dict[str, str] | None = None) -> dict[str, Any]:
    """The completeness checks as short HTML text: IG's, flagged when above the tolerance, then
    Expected Gradients' (its completeness holds in expectation only, so no map is held to a
    tolerance): its sum, the map's Σ|EG| (from ``eg_map``, when given), Δ, the error in score units
    and as a share of Σ|EG|, and a bold note when the map is flagged (:func:`eg_error_text`), then
    the noise of each method that states it (``noise``: method key → noise), when known (a
    contrast row has none). An IG error above the
    tolerance is rounded up, and says so, so that it never reads as on the tolerance. With
    ``explained`` (:data:`CHECK_TERMS` → page-relative link), each part ends with an "i" link to
    the Methods section that explains its terms."""
    def info(part: str) -> str:
        return f" {_info_link(part, explained[part])}" if explained and part in explained else ""

    flagged = not check.within_tolerance
    above = flagged and math.isfinite(check.relative_error)
    error = f"{percent_rounded_up(check.relative_error)} (rounded up)" if above else percent(check.relative_error)
    text = (f"ΣIG {fixed(check.attribution_sum)} · {delta_label} {fixed(check.logit_delta)} · error "
            f"{error} · {check.steps} nodes")
    if math.isfinite(check.spread):
        text += f" · moved {percent(check.spread, 1)} at the last doubling"
    if flagged:
        text += f" · above the {percent_exact(check.tolerance)} tolerance"
    text += info("ig") + eg_error_text(eg, delta_label, eg_map) + info("eg")
    for key, value in (noise or {}).items():
        if math.isfinite(value):
            text += f" · {catalogue_method(key).title} noise ≈ {percent(value, 0)} of the map" + info(key)
    return {"check": text, "flagged": flagged}


CHECK_TERMS = {
    "ig": "methods/integrated-gradients.md#the-completeness-check-of-every-map",
    "eg": "methods/more-methods.md#expected-gradients",
    SMOOTHGRAD: "methods/more-methods.md#smoothgrad",
}
"""Where the Methods pages explain each part of a check line: IG's sum, Δ, error, nodes and last
doubling; Expected Gradients' sum, draws and noise; SmoothGrad's noise."""
CHECK_TERM_TITLES = {"ig": "What ΣIG, Δ, error, nodes and the last doubling mean",
                     "eg": "What ΣEG, Σ|EG|, the draws and EG's noise mean",
                     SMOOTHGRAD: "What SmoothGrad's noise means"}


def _info_link(part: str, link: str) -> str:
    """An "i" Markdown link to ``link`` (drawn as a circled i), titled with what it explains."""
    return f'[i]({link} "{CHECK_TERM_TITLES[part]}"){{ .gg-info aria-label="{CHECK_TERM_TITLES[part]}" }}'


EG_FLAG_NOTES = {"EG sign": "its sum has the opposite sign to Δ",
                 "EG noise": f"its noise is above {percent_exact(EG_NOISE_BOUND)} of the map"}
"""What each Expected-Gradients flag (:attr:`~generator.stages.checked_maps.EgError.flags`) says."""


def eg_error_text(eg: Completeness, delta_label: str, eg_map: np.ndarray | None) -> str:
    """The Expected-Gradients part of a check line: " · ΣEG … (Σ|EG| …) · Δ… to its baselines … ·
    off by … (…% of Σ|EG|) · n draws · noise ≈ …% of the map", then a bold note per flag. Sums in
    three decimals, so that the error follows from the two numbers at the precision shown."""
    mass = math.nan if eg_map is None else float(np.abs(np.asarray(eg_map, np.float64)).sum())
    error = eg_error(eg.attribution_sum, eg.logit_delta, eg.spread, mass)
    share = f", {percent(error.of_mass)} of Σ|EG|" if math.isfinite(error.of_mass) else ""
    text = (f" · ΣEG {fixed(eg.attribution_sum, 3)}" + (f" (Σ|EG| {fixed(mass)})" if math.isfinite(mass) else "")
            + f" · {delta_label} to its baselines {fixed(eg.logit_delta, 3)} · off by {fixed(error.absolute, 3)}"
            + f"{share} · {eg.steps} draws")
    if math.isfinite(eg.spread):
        text += f" · noise ≈ {percent(eg.spread, 0)} of the map"
    for flag in error.flags:
        text += f" · <strong>EG flagged: {EG_FLAG_NOTES[flag]}</strong>"
    return text


def _role(target: int, example: Example) -> str:
    """What the target class is to this image: " (predicted)", " (true)" or ""."""
    if example.correct:
        return ""
    return " (predicted)" if target == example.predicted else " (true)" if target == example.true_label else ""
