"""The trust section's context: the method card, the readings derived from the numbers, and the
numbers of each check, as ready-made strings.

Every reading is chosen by the thresholds below and stated on the page, so each sentence follows
from a number printed next to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.figures.trust import CURVES_FIGURE, GRID_FIGURE, SIMILARITY_FIGURE, TITLES
from generator.pages.markdown_text import escape_markdown, href, listed
from generator.plumbing.numbers import percent
from generator.stages.faithfulness import BLUR_SIGMA
from generator.stages.intervals import NOT_MEASURED, Interval
from generator.stages.trust import FILLS, METHOD_KEYS, MethodTrust, Trust

PAGE = "trust.md"
TEMPLATE = "trust.md.j2"
DEPENDS_BELOW = 0.5
"""A map depends on the learned weights when, with every layer randomised, both its signed
Spearman correlation and its SSIM with the trained map fall below this (and likewise against the
random-label network)."""
CLASS_BLIND_ABOVE = 0.8
"""Spearman of |map| above this between two classes: the map barely changes with the class."""


def _number(value: Interval) -> str:
    if not all(np.isfinite([value.mean, value.low, value.high])):
        return "—"
    return f"{value.mean:.2f} [{value.low:.2f}, {value.high:.2f}]"


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


def shape_and_rank(values: dict[str, Interval], key: str) -> tuple[float, float]:
    """(rank similarity, SSIM) that the readings use: the signed Spearman correlation for a signed
    method, that of |map| for an unsigned one."""
    return values["spearman_abs" if key in UNSIGNED else "spearman"].mean, values["ssim"].mean


def fully_randomised(method: MethodTrust) -> dict[str, Interval]:
    """Metric → similarity with every layer randomised (the cascade's last step); not measured
    (NaN) when the model randomisation was skipped."""
    return {m: values[-1] if values else NOT_MEASURED for m, values in method.cascade.items()}


def similar(values: dict[str, Interval], key: str) -> str:
    """"changed", "partly" or "similar": how many of the two similarities reach the threshold."""
    above = sum(value >= DEPENDS_BELOW for value in shape_and_rank(values, key))
    return ("changed", "partly", "similar")[above]


def faithfulness_phrase(method: MethodTrust, trust: Trust) -> str:
    """Which directions, with which fills, the method beats both controls on."""
    parts = []
    for direction, lower_is_better in (("deletion", True), ("insertion", False)):
        fills = [fill for fill in FILLS if all(
            beats(getattr(method, f"{direction}_auc")[fill], control[f"{direction}_auc"][fill], lower_is_better)
            for control in trust.controls.values())]
        if len(fills) == len(FILLS):
            parts.append(f"on {direction}")
        elif fills:
            parts.append(f"on {direction} with the {' and '.join(fills)} fill only")
    if not parts:
        return "does not beat both controls on deletion or insertion with either fill"
    if parts == ["on deletion", "on insertion"]:
        return "beats both controls on deletion and insertion"
    return "beats both controls " + " and ".join(parts)


def weights_phrase(key: str, method: MethodTrust, trust: Trust) -> str:
    """What the model randomisation says of the method, by :func:`similar`."""
    if trust.randomisation_skipped is not None:
        return "not tested against randomised weights (the model randomisation was skipped)"
    full = fully_randomised(method)
    rank, ssim = shape_and_rank(full, key)
    return {"changed": "depends on the learned weights",
            "partly": f"depends only partly on the learned weights (rank similarity {rank:.2f}, SSIM {ssim:.2f} "
                      "with every layer randomised)",
            "similar": "stays similar with every layer randomised: much of it does not come from what the "
                       "network learned"}[similar(full, key)]


def reading(key: str, method: MethodTrust, trust: Trust) -> str:
    """One line per method, from its numbers and the thresholds of this module."""
    weights = weights_phrase(key, method, trust)
    data = {"changed": "differs from a network trained on random labels",
            "partly": "partly resembles the maps of a network trained on random labels",
            "similar": "looks like the maps of a network trained on random labels"}[
        similar(method.data_randomisation, key)]
    faithful = faithfulness_phrase(method, trust)
    target_rank, _ = shape_and_rank(method.random_target, key)
    target = "barely changes with the class it explains" if target_rank > CLASS_BLIND_ABOVE else "changes with the class"
    return f"{TITLES[key]}: {weights}; {data}; {faithful}; {target}."


def absolute_rank_notes(trust: Trust) -> list[str]:
    """For each method whose Spearman of |map| stays at or above DEPENDS_BELOW with every layer
    randomised (a working check predicts it falls well below), one sentence on what, by the
    numbers on the page, the two maps still share."""
    notes: list[str] = []
    if trust.randomisation_skipped is not None:
        return notes
    for key, method in trust.methods.items():
        full = method.cascade["spearman_abs"][-1]
        if not full.mean >= DEPENDS_BELOW:
            continue
        trained, randomised = method.image_only["spearman_abs"], method.image_only_randomised["spearman_abs"]
        edges = (f"its rank similarity of |map| to the image's edge map is {trained.mean:.2f} trained and "
                 f"{randomised.mean:.2f} randomised")
        if method.both_zero > TIES_ABOVE:
            why = (f"both maps are exactly zero on {percent(method.both_zero, 0)} of the pixels, and tie there"
                   + (f" ({WHY_ZERO[key]})" if key in WHY_ZERO else ""))
        elif beats(randomised, trained, lower_is_better=False):
            why = f"the randomised map follows the image's edges more closely than the trained one: {edges}"
        else:
            why = f"the image's edges do not account for it ({edges}); this report cannot say what the rest is"
        notes.append(f"{TITLES[key]}: {full.mean:.2f} with every layer randomised; {why}.")
    return notes


def summary_line(trust: Trust) -> str:
    """One sentence for the home page, counted from the readings' rules."""
    names = [TITLES[key] for key in METHOD_KEYS]
    weights = [TITLES[k] for k, m in trust.methods.items() if similar(fully_randomised(m), k) == "changed"]
    deletion = [TITLES[k] for k, m in trust.methods.items()
                if all(beats(m.deletion_auc["black"], c["deletion_auc"]["black"], True) for c in trust.controls.values())]

    def which(items: list[str]) -> str:
        return "none" if not items else "all" if len(items) == len(names) else listed(items)

    if trust.randomisation_skipped is not None:
        return (f"The network's weights could not be randomised for this model; of the {len(names)} methods, "
                f"{which(deletion)} beat both controls on deletion with a black fill.")
    return (f"Of the {len(names)} methods, {which(weights)} change when the network's weights are randomised, "
            f"and {which(deletion)} beat both controls on deletion with a black fill.")


def trust_context(trust: Trust, decoy_page: str | None = None) -> dict[str, Any]:
    """Strings and links for templates/trust.md.j2; ``decoy_page``: the decoy check's page, if built."""
    def row(key: str) -> dict[str, str]:
        method = trust.methods[key]
        full = fully_randomised(method)
        return {
            "name": TITLES[key],
            "cascade": _number(full["spearman_abs"]),
            "cascade_signed": _number(full["spearman"]),
            "cascade_ssim": _number(full["ssim"]),
            "data": _number(method.data_randomisation["spearman_abs"]),
            "data_signed": _number(method.data_randomisation["spearman"]),
            "data_ssim": _number(method.data_randomisation["ssim"]),
            "deletion": _number(method.deletion_auc["black"]),
            "insertion": _number(method.insertion_auc["black"]),
            "target": _number(method.random_target["spearman_abs" if key in UNSIGNED else "spearman"]),
            "ms": f"{method.ms_per_image:.2f}",
            "reading": reading(key, method, trust),
        }

    def control(name: str) -> dict[str, str]:
        areas = trust.controls[name]
        return {"name": TITLES[name], **{f"{direction}_{fill}": _number(areas[f"{direction}_auc"][fill])
                                         for direction in ("deletion", "insertion") for fill in FILLS}}

    labels = trust.random_labels
    pixels = int(np.prod(trust.arrays["grid"].shape[-2:]))
    step = int(round(float(trust.arrays["fractions"][1]) * pixels))  # the step the curves were computed with
    random_orders = int(trust.arrays.get("random_orders", 1))
    return {
        "methods": [row(key) for key in METHOD_KEYS],
        "faithfulness": [{"name": TITLES[key], **{f"{direction}_{fill}": _number(
            getattr(trust.methods[key], f"{direction}_auc")[fill]) for direction in ("deletion", "insertion")
            for fill in FILLS}} for key in METHOD_KEYS],
        "controls": [control("random"), control("image_only")],
        "layers": escape_markdown(", ".join(trust.layers)),
        "skipped": escape_markdown(", ".join(trust.skipped)) or "none",
        "randomisation_skipped": None if trust.randomisation_skipped is None else escape_markdown(
            trust.randomisation_skipped),
        "sample": f"{len(trust.sample):,}",
        "faithfulness_sample": f"{len(trust.faithfulness_sample):,}",
        "grids": [href(GRID_FIGURE.format(n=n + 1), PAGE) for n in range(min(2, len(trust.sample)))],
        "grid_indices": [str(int(i)) for i in trust.sample[:2]],
        "similarity_figure": href(SIMILARITY_FIGURE, PAGE),
        "curves_figure": href(CURVES_FIGURE, PAGE),
        "random_labels": {"epochs": f"{labels['epochs']:.0f}", "fit": percent(labels["train_fit"], 1),
                          "reached": bool(labels["reached_target"]), "accuracy": percent(labels["test_accuracy"], 1),
                          "seconds": f"{labels['seconds']:.1f}", "images": f"{labels['images']:,.0f}",
                          "learning_rate": f"{labels['learning_rate']:g}", "batch_size": f"{labels['batch_size']:.0f}",
                          "budget": f"{labels['epoch_budget']:.0f}"},
        "depends_below": f"{DEPENDS_BELOW:g}",
        "abs_notes": absolute_rank_notes(trust),
        "independent_layers": [escape_markdown(layer) for layer in trust.layers],
        "independent": [{"name": TITLES[key], "cells": [
            f"{trust.methods[key].independent['spearman_abs' if key in UNSIGNED else 'spearman'][i].mean:.2f} / "
            f"{trust.methods[key].independent['ssim'][i].mean:.2f}"
            for i in range(len(trust.methods[key].independent["ssim"]))]}
            for key in METHOD_KEYS],
        "unreachable": percent(trust.unreachable_share, 0),
        "step_pixels": f"{step}",
        "step_share": percent(step / pixels, 1),
        "blur_sigma": f"{BLUR_SIGMA:g}",
        "random_orders": f"{random_orders}",
        "class_blind_above": f"{CLASS_BLIND_ABOVE:g}",
        "checks_href": href("methods/trust-checks.md", PAGE),
        "decoy_href": None if decoy_page is None else href(decoy_page, PAGE),
    }
