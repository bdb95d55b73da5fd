"""The trust section's context: the rules, the method card of verdicts with their effects, and the
numbers of each check, as ready-made strings.

Every verdict on the page and in the home page's line comes from
:mod:`generator.stages.trust_rules`, whose words the page prints before the results; nothing here
reads the numbers any other way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.figures.trust import CURVES_FIGURE, GRID_FIGURE, SIMILARITY_FIGURE, title
from generator.pages.classes import chance
from generator.pages.markdown_text import escape_markdown, href, listed
from generator.plumbing.numbers import fixed, percent
from generator.stages.faithfulness import BLUR_SIGMA, MIN_LOGIT_GAP
from generator.stages.intervals import Interval
from generator.stages.mprt import ENTROPY_BINS
from generator.stages.road import ROAD_NOISE
from generator.stages.similarity import METRICS
from generator.methods import keys, method as catalogue_method
from generator.stages.trust import Trust
from generator.stages.trust_records import MethodTrust, SimilarityIntervals
from generator.stages.trust_sanity import SANITY_BATCH
from generator.stages.trust_rules import RULE_TITLES, RULES, Judgement, MethodVerdicts, trust_verdicts

PAGE = "trust.md"
TEMPLATE = "trust.md.j2"
FILL_NAMES = {"black": "black", "blur": "blurred", "road": "ROAD"}
CONTROL_NAMES = {"random": "random order", "image_only": "edge order"}
"""The model-free orders, as a verdict's control cell names them."""


def _number(value: Interval) -> str:
    if not all(np.isfinite([value.mean, value.low, value.high])):
        return "—"
    return f"{fixed(value.mean)} [{fixed(value.low)},\u00a0{fixed(value.high)}]"  # the interval wraps whole


def rank_measure(key: str) -> str:
    """The rank similarity the independent-randomisation table shows first: signed Spearman, or for an
    unsigned method (whose signed and |map| Spearman correlations are the same number) that of |map|."""
    return "spearman" if catalogue_method(key).signed else "spearman_abs"


def fully_randomised(method: MethodTrust) -> SimilarityIntervals | None:
    """The similarities with every layer randomised (the cascade's last step); None when skipped."""
    return method.cascade[-1] if method.cascade else None


def verdict_cell(judgement: Judgement) -> str:
    """The verdict in bold and, under it, the effect with its 95% interval ("not run" for a check
    that did not run; "nothing to measure" under a fail that had none)."""
    if judgement.verdict is None:
        return "not run"
    if judgement.images == 0:
        return f"**{judgement.verdict}**<br>nothing to measure"
    return f"**{judgement.verdict}**<br>{_number(judgement.effect)}"


def control_cell(judgement: Judgement) -> str:
    """The control a curve verdict is against: the order's name and, under it, its area."""
    return f"{CONTROL_NAMES[judgement.control_name]}<br>{_number(judgement.control)}"


def verdict_rows(trust: Trust, verdicts: dict[str, MethodVerdicts]) -> list[dict[str, Any]]:
    """One row of verdict cells per method: both randomisations, deletion and insertion per fill."""
    return [{"name": title(key), "model": verdict_cell(v.model_randomisation),
             "data": verdict_cell(v.data_randomisation),
             "deletion": {fill: verdict_cell(j) for fill, j in v.deletion.items()},
             "insertion": {fill: verdict_cell(j) for fill, j in v.insertion.items()}}
            for key, v in verdicts.items()]


def control_row(verdicts: dict[str, MethodVerdicts]) -> dict[str, dict[str, str]]:
    """Per direction and fill, the control every method's verdict is against (the same for all)."""
    first = next(iter(verdicts.values()))
    return {direction: {fill: control_cell(j) for fill, j in getattr(first, direction).items()}
            for direction in ("deletion", "insertion")}


def rule_paragraphs() -> list[dict[str, str]]:
    """Each rule's title and words (project text, written without Markdown syntax)."""
    return [{"title": RULE_TITLES[key], "words": words} for key, words in RULES.items()]


def grouped(verdicts: dict[str, str | None]) -> str:
    """"pass for all 6" or "pass for A and B, fail for C": the methods grouped by verdict."""
    groups: dict[str, list[str]] = {}
    for key, value in verdicts.items():
        groups.setdefault(value or "not run", []).append(title(key))
    if len(groups) == 1:
        return f"{next(iter(groups))} for all {len(verdicts)}"
    order = ("pass", "fail", "inconclusive", "not run")
    return ", ".join(f"{name} for {listed(groups[name])}" for name in order if name in groups)


def summary_line(trust: Trust) -> str:
    """One sentence for the home page: each check's verdicts, counted by the rules (fills with the
    same verdicts for every method share a clause)."""
    verdicts = trust_verdicts(trust)
    why_not = {"model_randomisation": "the network's weights could not be randomised for this model",
               "data_randomisation": "no network could be trained on random labels for this model"}
    skipped = {"model_randomisation": trust.randomisation_skipped is not None,
               "data_randomisation": trust.random_labels.skipped is not None}
    parts = [f"{check.replace('_', ' ')}, not run ({why_not[check]})" if skipped[check] else
             f"{check.replace('_', ' ')}, {grouped({k: getattr(v, check).verdict for k, v in verdicts.items()})}"
             for check in ("model_randomisation", "data_randomisation")]
    for direction in ("deletion", "insertion"):
        by_fill: dict[str, list[str]] = {}
        for fill in trust.evidence.fills:
            who = grouped({k: getattr(v, direction)[fill].verdict for k, v in verdicts.items()})
            by_fill.setdefault(who, []).append(FILL_NAMES[fill])
        parts += [f"{direction} with the {listed(fills)} fill{'s' if len(fills) > 1 else ''}, {who}"
                  for who, fills in by_fill.items()]
    return (f"Verdicts for the {len(verdicts)} methods by the rules the trust page states before its results: "
            f"{'; '.join(parts)}. A pass on randomisation says that a map depends on the learned weights, not "
            "how much.")


def _similarity_cells(values: SimilarityIntervals | None) -> dict[str, str]:
    empty = values is None
    return {m: "—" if empty else _number(getattr(values, m)) for m in METRICS}


def trust_context(trust: Trust, decoy_page: str | None = None, classes: int = 10) -> dict[str, Any]:
    """Strings and links for templates/trust.md.j2; ``decoy_page``: the decoy check's page, if built."""
    evidence = trust.evidence
    score = "logit" if evidence.curve_score == "logit" else "log-probability log p"

    def row(key: str) -> dict[str, Any]:
        method = trust.methods[key]
        return {
            "name": title(key),
            "cascade": _similarity_cells(fully_randomised(method)),
            "data": _similarity_cells(method.data_randomisation),
            "efficient": _number(method.efficient_mprt),
            "smooth": _number(method.smooth_mprt),
            "target_signed": _number(method.random_target.spearman),
            "target_abs": _number(method.random_target.spearman_abs),
            "deletion": {fill: _number(value) for fill, value in method.areas.deletion.items()},
            "insertion": {fill: _number(value) for fill, value in method.areas.insertion.items()},
            "ms": fixed(method.ms_per_image),
            "both_zero": "—" if not np.isfinite(method.both_zero) else percent(method.both_zero, 0),
            "edges_trained": fixed(method.image_only.spearman_abs.mean),
            "edges_randomised": "—" if not np.isfinite(method.image_only_randomised.spearman_abs.mean) else fixed(
                method.image_only_randomised.spearman_abs.mean),
        }

    def control(name: str) -> dict[str, Any]:
        areas = trust.controls[name]
        return {"name": title(name), "deletion": {f: _number(v) for f, v in areas.deletion.items()},
                "insertion": {f: _number(v) for f, v in areas.insertion.items()}}

    labels = trust.random_labels
    black = evidence.fills["black"]
    pixels = int(np.prod(evidence.grid.shape[-2:]))
    step = int(round(float(black.fractions[1]) * pixels))  # the step the curves were computed with
    road = evidence.fills["road"]
    verdicts = trust_verdicts(trust)
    return {
        "rules": rule_paragraphs(),
        "verdicts": verdict_rows(trust, verdicts),
        "verdict_controls": control_row(verdicts),
        "methods": [row(key) for key in keys()],
        "controls": [control("random"), control("image_only")],
        "fills": [{"key": fill, "name": FILL_NAMES[fill]} for fill in evidence.fills],
        "ends": [{"name": FILL_NAMES[fill], "image": _number(ends.image_score), "filled": _number(ends.filled_score),
                  "usable": f"{ends.usable:,}", "images": f"{ends.images:,}"} for fill, ends in trust.ends.items()],
        "score": score,
        "layers": escape_markdown(", ".join(trust.layers)),
        "skipped": escape_markdown(", ".join(trust.skipped)) or "none",
        "randomisation_skipped": None if trust.randomisation_skipped is None else escape_markdown(
            trust.randomisation_skipped),
        "sample": f"{len(trust.sample):,}",
        "faithfulness_sample": f"{len(trust.faithfulness_sample):,}",
        "fill_images": {fill: f"{len(value.sample):,}" for fill, value in evidence.fills.items()},
        "precision": [{"name": FILL_NAMES[fill], "images": f"{len(value.sample):,}", "maximum": f"{value.maximum:,}",
                       "half_width": fixed(value.half_width, 3), "reached": value.reached}
                      for fill, value in evidence.fills.items()],
        "area_precision": f"{black.target:g}",
        "sanity_batch": f"{SANITY_BATCH}",
        "similarity_target": f"{evidence.similarity_target:g}",
        "similarity_half_width": fixed(evidence.similarity_half_width, 3),
        "similarity_reached": evidence.similarity_reached,
        "sanity_maximum": f"{evidence.sanity_maximum:,}",
        "road_step": percent(float(road.fractions[1]), 0),
        "road_noise": f"{ROAD_NOISE:g}",
        "smooth_samples": f"{evidence.smooth_samples}",
        "smooth_images": f"{len(evidence.smooth_sample)}",
        "smooth_noise": percent(evidence.smooth_noise, 0),
        "entropy_bins": f"{ENTROPY_BINS}",
        "grids": [href(GRID_FIGURE.format(n=n + 1), PAGE) for n in range(min(2, len(trust.sample)))],
        "grid_indices": [str(int(i)) for i in trust.sample[:2]],
        "similarity_figure": href(SIMILARITY_FIGURE, PAGE),
        "curves_figure": href(CURVES_FIGURE, PAGE),
        "random_labels": {"clone": labels.architecture == "clone",
                          "skipped": None if labels.skipped is None else escape_markdown(labels.skipped),
                          "epochs": f"{labels.epochs}", "fit": percent(labels.train_fit, 1),
                          "reached": bool(labels.reached_target), "accuracy": percent(labels.test_accuracy, 1),
                          "chance": chance(classes),
                          "seconds": fixed(labels.seconds, 1), "images": f"{labels.images:,}",
                          "learning_rate": f"{labels.learning_rate:g}", "batch_size": f"{labels.batch_size}",
                          "budget": f"{labels.epoch_budget}"},
        "independent_layers": [escape_markdown(layer) for layer in trust.layers],
        "independent": [{"name": title(key), "cells": [
            f"{fixed(getattr(step_values, rank_measure(key)).mean)} / {fixed(step_values.spearman_abs_support.mean)} / "
            f"{fixed(step_values.ssim.mean)}" for step_values in trust.methods[key].independent]}
            for key in keys()],
        "unreachable": percent(trust.unreachable_share, 0),
        "step_pixels": f"{step}",
        "step_share": percent(step / pixels, 1),
        "blur_sigma": f"{BLUR_SIGMA:g}",
        "min_gap": f"{MIN_LOGIT_GAP:g}",
        "random_orders": f"{evidence.random_orders}",
        "checks_href": href("methods/trust-checks.md", PAGE),
        "decoy_href": None if decoy_page is None else href(decoy_page, PAGE),
    }
