"""The trust section's context: the method card, the readings derived from the numbers, and the
numbers of each check, as ready-made strings.

Every reading states the numbers it rests on; the one threshold left (:data:`DEPENDS_BELOW`, on the
signed map) is stated on the page, and is under review.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.figures.trust import CURVES_FIGURE, GRID_FIGURE, SIMILARITY_FIGURE, TITLES
from generator.pages.markdown_text import escape_markdown, href, listed
from generator.plumbing.numbers import fixed, percent
from generator.stages.faithfulness import BLUR_SIGMA, MIN_LOGIT_GAP
from generator.stages.intervals import Interval
from generator.stages.mprt import ENTROPY_BINS
from generator.stages.road import ROAD_NOISE
from generator.stages.similarity import METRICS
from generator.stages.trust import METHOD_KEYS, Trust
from generator.stages.trust_records import MethodTrust, SimilarityIntervals

PAGE = "trust.md"
TEMPLATE = "trust.md.j2"
DEPENDS_BELOW = 0.5
"""The rule on the *signed* map (under review): with every layer randomised, both its signed
Spearman correlation and its SSIM with the trained map below this (and likewise against the
random-label network). It shows that the sign pattern and the look of the map changed, no more:
the |map| measures beside it show how much of the ranking of the pixels stayed."""
FILL_NAMES = {"black": "black", "blur": "blurred", "road": "ROAD"}


def _number(value: Interval) -> str:
    if not all(np.isfinite([value.mean, value.low, value.high])):
        return "—"
    return f"{fixed(value.mean)} [{fixed(value.low)}, {fixed(value.high)}]"


def beats(method: Interval, control: Interval, lower_is_better: bool) -> bool:
    """The method's 95% interval lies entirely on the better side of the control's."""
    return method.high < control.low if lower_is_better else method.low > control.high


TIES_ABOVE = 0.25
"""A method whose trained and fully randomised maps are both exactly zero on more than this
share of the pixels gets that share named as what its |map| rank similarity rests on."""
WHY_ZERO = {"gradient_x_input": "it is x times a gradient, zero wherever the image is black",
            "integrated_gradients": "it is (x − x′) times a gradient, zero wherever the image is the black baseline",
            "expected_gradients": "it averages (x − x′) times a gradient, zero wherever the image and every drawn "
                                  "baseline are black"}
"""Why a method's map is exactly zero whatever the weights (the share itself is measured)."""

UNSIGNED = {"saliency"}
"""Methods without a sign: their signed and |map| Spearman correlations are the same number."""


def rank_measure(key: str) -> str:
    """The rank similarity the signed-map rule uses: signed Spearman, or for an unsigned method that of |map|."""
    return "spearman_abs" if key in UNSIGNED else "spearman"


def fully_randomised(method: MethodTrust) -> SimilarityIntervals | None:
    """The similarities with every layer randomised (the cascade's last step); None when skipped."""
    return method.cascade[-1] if method.cascade else None


CHANGE_WORDS = {"changed": "changes", "partly": "changes only partly", "similar": "stays similar"}


def signed_changed(values: SimilarityIntervals, key: str) -> str:
    """"changed", "partly" or "similar": how many of (rank similarity, SSIM) reach DEPENDS_BELOW."""
    above = sum(value >= DEPENDS_BELOW for value in (getattr(values, rank_measure(key)).mean, values.ssim.mean))
    return ("changed", "partly", "similar")[above]


def faithfulness_phrase(method: MethodTrust, trust: Trust) -> str:
    """Per direction, the fills with which the method beats both controls (never pooled)."""
    parts = []
    for direction, lower_is_better in (("deletion", True), ("insertion", False)):
        mine = getattr(method.areas, direction)
        fills = [FILL_NAMES[fill] for fill in mine if all(
            beats(mine[fill], getattr(control, direction)[fill], lower_is_better) for control in trust.controls.values())]
        parts.append(f"{direction}: beats both controls with the {listed(fills)} fill{'s' if len(fills) > 1 else ''}"
                     if fills else f"{direction}: does not beat both controls with any fill")
    return "; ".join(parts)


def mprt_phrase(method: MethodTrust) -> str:
    """Efficient MPRT's sign, by its interval against 0 (no change)."""
    rise = method.efficient_mprt
    if not np.isfinite(rise.mean):
        return ""
    trend = "rises" if rise.low > 0 else "falls" if rise.high < 0 else "does not change measurably"
    note = (": its histogram becomes more concentrated, the opposite of what the check expects of a map that depends "
            "on the weights" if rise.high < 0 else "")
    return f"; its entropy {trend} (Efficient MPRT {_number(rise)}){note}"


def weights_phrase(key: str, method: MethodTrust, trust: Trust) -> str:
    """What the model randomisation shows of the method, each measure by its own number."""
    full = fully_randomised(method)
    if trust.randomisation_skipped is not None or full is None:
        return "not tested against randomised weights (the model randomisation was skipped)"
    if key in UNSIGNED:
        numbers = (f"Spearman {fixed(full.spearman_abs.mean)} over every pixel, "
                   f"{fixed(full.spearman_abs_support.mean)} over its non-zero pixels; SSIM {fixed(full.ssim.mean)}")
        return (f"with every layer randomised its map {CHANGE_WORDS[signed_changed(full, key)]} ({numbers})"
                + mprt_phrase(method))
    top_only = method.cascade[0].spearman.mean
    signed = (f"with every layer randomised its signed map {CHANGE_WORDS[signed_changed(full, key)]} (signed "
              f"Spearman {fixed(full.spearman.mean)}, SSIM {fixed(full.ssim.mean)}; signed Spearman "
              f"{fixed(top_only)} with only {escape_markdown(trust.layers[0])} randomised)")
    absolute = (f", while the ranking of |map| keeps a Spearman correlation of {fixed(full.spearman_abs.mean)} over "
                f"every pixel and {fixed(full.spearman_abs_support.mean)} over its non-zero pixels")
    return signed + absolute + mprt_phrase(method)


def reading(key: str, method: MethodTrust, trust: Trust) -> str:
    """One line per method: each check's numbers in words, by the rules of this module."""
    weights = weights_phrase(key, method, trust)
    if trust.random_labels.skipped is not None:
        data = "not compared with a random-label network (it could not be trained)"
    else:
        kind = "map" if key in UNSIGNED else "signed map"
        data = {"changed": f"its {kind} differs from a random-label network's",
                "partly": f"its {kind} partly resembles a random-label network's",
                "similar": f"its {kind} looks like a random-label network's"}[
            signed_changed(method.data_randomisation, key)]
    target = method.random_target
    if key in UNSIGNED:
        other = f"for a random other class its map keeps a rank similarity of {fixed(target.spearman_abs.mean)}"
    else:
        other = (f"for a random other class its signed map has a rank similarity of {fixed(target.spearman.mean)} "
                 f"and its |map| {fixed(target.spearman_abs.mean)}")
    return f"{TITLES[key]}: {weights}; {data}; {faithfulness_phrase(method, trust)}; {other}."


def absolute_rank_notes(trust: Trust) -> list[str]:
    """For each method whose Spearman of |map| over every pixel stays at or above DEPENDS_BELOW with
    every layer randomised, one sentence on what, by the numbers on the page, the two maps share."""
    notes: list[str] = []
    if trust.randomisation_skipped is not None:
        return notes
    for key, method in trust.methods.items():
        full = fully_randomised(method)
        if full is None or not full.spearman_abs.mean >= DEPENDS_BELOW:
            continue
        trained, randomised = method.image_only.spearman_abs, method.image_only_randomised.spearman_abs
        edges = (f"its rank similarity of |map| to the image's edge map is {fixed(trained.mean)} trained and "
                 f"{fixed(randomised.mean)} randomised")
        if method.both_zero > TIES_ABOVE:
            why = (f"both maps are exactly zero on {percent(method.both_zero, 0)} of the pixels, and tie there"
                   + (f" ({WHY_ZERO[key]})" if key in WHY_ZERO else ""))
        elif beats(randomised, trained, lower_is_better=False):
            why = f"the randomised map follows the image's edges more closely than the trained one: {edges}"
        else:
            why = f"the image's edges do not account for it ({edges}); this report cannot say what the rest is"
        notes.append(f"{TITLES[key]}: {fixed(full.spearman_abs.mean)} over every pixel, "
                     f"{fixed(full.spearman_abs_support.mean)} over the pixels non-zero in either map; {why}.")
    return notes


def summary_line(trust: Trust) -> str:
    """One sentence for the home page, counted from the readings' rules."""
    names = [TITLES[key] for key in METHOD_KEYS]

    def which(items: list[str]) -> str:
        return "none" if not items else "all" if len(items) == len(names) else listed(items)

    deletion = {fill: [TITLES[k] for k, m in trust.methods.items()
                       if all(beats(m.areas.deletion[fill], c.deletion[fill], True) for c in trust.controls.values())]
                for fill in trust.ends}
    groups: dict[str, list[str]] = {}  # the same methods beat both controls with these fills
    for fill, methods in deletion.items():
        groups.setdefault(which(methods), []).append(FILL_NAMES[fill])
    fills = "; ".join(f"{who} with the {listed(names)} fill{'s' if len(names) > 1 else ''}"
                      for who, names in groups.items())
    if trust.randomisation_skipped is not None:
        return (f"The network's weights could not be randomised for this model; of the {len(names)} methods, "
                f"these beat both controls on deletion: {fills}.")
    changed = [TITLES[k] for k, m in trust.methods.items() if signed_changed(fully_randomised(m), k) == "changed"]
    return (f"Of the {len(names)} methods, {which(changed)} change when the network's weights are randomised, by the "
            f"rule on the signed map (the trust page says how much of the ranking of |map| stays); on deletion these "
            f"beat both controls: {fills}.")


def _similarity_cells(values: SimilarityIntervals | None) -> dict[str, str]:
    empty = values is None
    return {m: "—" if empty else _number(getattr(values, m)) for m in METRICS}


def trust_context(trust: Trust, decoy_page: str | None = None) -> dict[str, Any]:
    """Strings and links for templates/trust.md.j2; ``decoy_page``: the decoy check's page, if built."""
    evidence = trust.evidence
    score = "logit" if evidence.curve_score == "logit" else "log-probability log p"

    def row(key: str) -> dict[str, Any]:
        method = trust.methods[key]
        return {
            "name": TITLES[key],
            "cascade": _similarity_cells(fully_randomised(method)),
            "data": _similarity_cells(method.data_randomisation),
            "efficient": _number(method.efficient_mprt),
            "smooth": _number(method.smooth_mprt),
            "target_signed": _number(method.random_target.spearman),
            "target_abs": _number(method.random_target.spearman_abs),
            "deletion": {fill: _number(value) for fill, value in method.areas.deletion.items()},
            "insertion": {fill: _number(value) for fill, value in method.areas.insertion.items()},
            "ms": fixed(method.ms_per_image),
            "reading": reading(key, method, trust),
        }

    def control(name: str) -> dict[str, Any]:
        areas = trust.controls[name]
        return {"name": TITLES[name], "deletion": {f: _number(v) for f, v in areas.deletion.items()},
                "insertion": {f: _number(v) for f, v in areas.insertion.items()}}

    labels = trust.random_labels
    black = evidence.fills["black"]
    pixels = int(np.prod(evidence.grid.shape[-2:]))
    step = int(round(float(black.fractions[1]) * pixels))  # the step the curves were computed with
    road = evidence.fills["road"]
    return {
        "methods": [row(key) for key in METHOD_KEYS],
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
        "road_sample": f"{len(road.sample):,}",
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
                          "seconds": fixed(labels.seconds, 1), "images": f"{labels.images:,}",
                          "learning_rate": f"{labels.learning_rate:g}", "batch_size": f"{labels.batch_size}",
                          "budget": f"{labels.epoch_budget}"},
        "depends_below": f"{DEPENDS_BELOW:g}",
        "abs_notes": absolute_rank_notes(trust),
        "independent_layers": [escape_markdown(layer) for layer in trust.layers],
        "independent": [{"name": TITLES[key], "cells": [
            f"{fixed(getattr(step_values, rank_measure(key)).mean)} / {fixed(step_values.spearman_abs_support.mean)} / "
            f"{fixed(step_values.ssim.mean)}" for step_values in trust.methods[key].independent]}
            for key in METHOD_KEYS],
        "unreachable": percent(trust.unreachable_share, 0),
        "step_pixels": f"{step}",
        "step_share": percent(step / pixels, 1),
        "blur_sigma": f"{BLUR_SIGMA:g}",
        "min_gap": f"{MIN_LOGIT_GAP:g}",
        "random_orders": f"{evidence.random_orders}",
        "checks_href": href("methods/trust-checks.md", PAGE),
        "decoy_href": None if decoy_page is None else href(decoy_page, PAGE),
    }
