"""Gallery page contexts: the colour-bar legend and one table row per (example, target), and the
explorer's rows, as ready-made strings and page-relative links (text escaped here)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from generator.pages.markdown_text import escape_markdown, href
from generator.plumbing.numbers import percent
from generator.stages.gallery import (
    CONTRAST_METHODS,
    TILE_NAMES,
    Gallery,
    GalleryPage,
    anchor,
    colour_bar_path,
    contrast_tile_path,
    method_maps,
    tile_path,
)
from generator.stages.model_output import LOGIT_WORDS, ScoreWords
from generator.stages.results import COMPLETENESS_TOLERANCE, Completeness, Example


def gallery_context(gallery: Gallery, gallery_page: GalleryPage, names: Sequence[str],
                    score: ScoreWords = LOGIT_WORDS) -> dict[str, Any]:
    """The legend (one colour bar per method) and one table row per (example, target) of a page;
    ``score`` names what the maps are of in the checks and alt texts."""
    page = gallery_page.page
    methods = gallery.methods
    legend = []
    for method in methods:
        scale, clipped = method.scale, gallery_page.clipping[method.key]
        legend.append({
            "title": method.title,
            "src": href(colour_bar_path(method.key), page),
            "low": f"−{scale.limit:.3g}" if scale.signed else "0",
            "high": f"+{scale.limit:.3g}" if scale.signed else f"{scale.limit:.3g}",
            "unit": scale.unit,
            "clipped": (f"{percent(clipped.pixels)} of pixels ({percent(clipped.inked_pixels)} of "
                        f"non-zero ones), holding {percent(clipped.attribution)} of |attribution|"),
        })
    examples = []
    for e in gallery_page.examples:
        def cell(path: str, what: str, values: np.ndarray) -> dict[str, str]:
            note = "" if np.all(np.isfinite(values)) else "non-finite values"
            return {"src": href(path, page), "note": note,
                    "alt": escape_markdown(f"Test image {e.test_index}: {what}")}

        rows = [{
            "target": escape_markdown(f"{names[row.target]}{_role(row.target, e)}"),
            "maps": [cell(tile_path(e.test_index, m.key, row.target), f"{m.title} map for class {names[row.target]}",
                          m.of(row))
                     for m in methods],
            **_check_cells(row.completeness, f"Δ{score.symbol}", row.eg_completeness, row.smoothgrad_noise),
        } for row in e.rows]
        if e.contrast is not None:
            contrast_of = {m.key: cell(contrast_tile_path(e.test_index, m.key),
                                       f"contrastive {m.title}, {score.of(names[e.predicted])} − "
                                       f"{score.of(names[e.true_label])}",
                                       getattr(e.contrast, m.key))
                           for m in methods if m.key in CONTRAST_METHODS}
            rows.append({
                "target": escape_markdown(f"contrast {names[e.predicted]} − {names[e.true_label]}"),
                "maps": [contrast_of.get(m.key) for m in methods],
                **_check_cells(e.contrast.completeness, f"Δ({score.noun} difference)", e.contrast.eg_completeness),
            })
        examples.append({
            "anchor": anchor(e.test_index),
            "index": str(e.test_index),
            "verdict": (escape_markdown(f"class {names[e.true_label]}") if e.correct else
                        escape_markdown(f"true {names[e.true_label]}, predicted {names[e.predicted]}")),
            "confidence": f"{e.confidence:.3f}",
            "margin": f"{gallery.margins[e.test_index]:.2f}",
            "input": cell(tile_path(e.test_index, "input"), f"input, true class {names[e.true_label]}", e.image),
            "rows": rows,
        })
    return {"columns": [m.title for m in methods], "short_names": [m.short for m in methods], "legend": legend,
            "examples": examples}


def _check_cells(check: Completeness, delta_label: str, eg: Completeness,
                 smoothgrad_noise: float = math.nan) -> dict[str, Any]:
    """The completeness checks as short HTML text: IG's, flagged when above the tolerance, then
    Expected Gradients' (in expectation only, so reported, never flagged), then SmoothGrad's
    noise when known (a contrast row has no SmoothGrad map)."""
    flagged = not check.within_tolerance
    text = (f"ΣIG {check.attribution_sum:.2f} · {delta_label} {check.logit_delta:.2f} · error "
            f"{percent(check.relative_error)} · {check.steps} steps")
    if math.isfinite(check.spread):
        text += f" · moved {percent(check.spread, 1)} at the last doubling"
    if flagged:
        text += f" · above the {COMPLETENESS_TOLERANCE:.0%} tolerance"
    text += (f" · ΣEG {eg.attribution_sum:.2f} · {delta_label} to its baselines {eg.logit_delta:.2f} · error "
             f"{percent(eg.relative_error)} · {eg.steps} draws")
    if math.isfinite(eg.spread):
        text += f" · noise ≈ {percent(eg.spread, 0)} of the map"
    if math.isfinite(smoothgrad_noise):
        text += f" · SmoothGrad noise ≈ {percent(smoothgrad_noise, 0)} of the map"
    return {"check": text, "flagged": flagged}


def _role(target: int, example: Example) -> str:
    """What the target class is to this image: " (predicted)", " (true)" or ""."""
    if example.correct:
        return ""
    return " (predicted)" if target == example.predicted else " (true)" if target == example.true_label else ""


def explorer_rows(examples: Sequence[Example], gallery: Gallery, names: Sequence[str], page: str) -> list[dict[str, str]]:
    """One row per published example for the explorer table on ``page``: mistakes first, the most
    confident first."""
    page_of = gallery.page_of()
    rows = []
    for e in sorted(examples, key=lambda e: (e.correct, -e.confidence, e.test_index)):
        ig_checks = checks(e)
        worst, eg_worst = _largest(ig_checks), _largest(checks(e, "eg_completeness"))
        flags = ["above tolerance"] if any(not c.within_tolerance for c in ig_checks) else []
        if any(not np.all(np.isfinite(m)) for m in maps_of(e)):
            flags.append("non-finite values")
        rows.append({
            "href": href(f"{page_of[e.test_index]}#{anchor(e.test_index)}", page),
            "thumbnail": href(tile_path(e.test_index, "input"), page),
            "alt": f"Test image {e.test_index}",
            "index": str(e.test_index),
            "true": escape_markdown(names[e.true_label]),
            "predicted": escape_markdown(names[e.predicted]),
            "confidence": f"{e.confidence:.3f}",
            "margin": f"{gallery.margins[e.test_index]:.2f}",
            "error": percent(worst),
            "eg_error": percent(eg_worst),
            "result": "correct" if e.correct else "mistake",
            "flags": ", ".join(flags),
        })
    return rows


def maps_of(example: Example) -> list[np.ndarray]:
    """Every map of an example, its contrast map included."""
    return [m for key in TILE_NAMES for m in method_maps(key, [example])]


def _largest(checks: list[Completeness]) -> float:
    """The largest relative error of ``checks``; NaN if there is none or one is not finite."""
    errors = [c.relative_error for c in checks]
    return max(errors) if errors and all(np.isfinite(errors)) else float("nan")


def checks(example: Example, check: str = "completeness") -> list[Completeness]:
    """Every completeness check of an example, its targets' then its contrast map's: IG's
    (``check="completeness"``) or Expected Gradients' (``"eg_completeness"``)."""
    maps = [*example.rows, *([] if example.contrast is None else [example.contrast])]
    return [getattr(m, check) for m in maps]
