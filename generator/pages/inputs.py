"""Assemble :class:`~generator.pages.report.PageInputs` from the stage results.

This is where numbers become the labelled strings of the model card and the attribution
summary; the templates only place them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from generator.figures.report import ReportFigures
from generator.pages.report import PageInputs
from generator.methods import contrast_methods, prose_list
from generator.plumbing.numbers import percent, percent_exact
from generator.plumbing.settings import Settings
from generator.stages.checked_maps import MAX_REFINED_STEPS
from generator.stages.gallery import Gallery
from generator.stages.model import ARCHITECTURE
from generator.stages.model_output import score_words
from generator.stages.read_region import ReadRegion
from generator.stages.results import BuildFacts, CompletenessSummary, Evaluation, Example
from generator.stages.selection import Selection
from generator.stages.whole_test_set import WholeTestSet


def dataset_summary(facts: BuildFacts) -> str:
    """The dataset in one phrase, e.g. "MNIST (handwritten digits, 28×28 grayscale; 60,000 training
    and 10,000 test images)"."""
    return (f"{facts.data_name} ({facts.data_description}; {facts.train_images:,} training and "
            f"{facts.test_images:,} test images)")


def ig_quadrature(steps: int, method: str, tolerance: float, map_tolerance: float, nodes: dict[int, int]) -> str:
    """How the IG path integral was computed, in one line (``steps`` 0: adaptive), with how many of
    the published maps used each number of nodes (``nodes``: node count → maps)."""
    if not steps:
        rule = (f"adaptive trapezoid: the intervals of each map halved until its completeness error is within "
                f"{percent_exact(tolerance, 1)} and the map changed by at most {percent_exact(map_tolerance, 1)} at "
                f"its last halving (at most {MAX_REFINED_STEPS + 1:,} nodes)")
    else:
        rule = f"{method}, {steps} steps (doubled up to {MAX_REFINED_STEPS:,} for maps above the tolerance)"
    return rule + ("; " + node_use(nodes) if nodes else "")


def node_use(nodes: dict[int, int]) -> str:
    """"the 502 published maps used 65 nodes (273 maps), 129 (118 maps), …": every count, fewest
    nodes first, the unit named once."""
    def maps(count: int) -> str:
        return f"{count:,} map{'s' * (count != 1)}"

    (fewest, first), *more = sorted(nodes.items())
    used = [f"{fewest:,} nodes ({maps(first)})"] + [f"{n:,} ({maps(count)})" for n, count in more]
    return f"the {sum(nodes.values()):,} published maps used {', '.join(used)}"


def unread_border(region: ReadRegion | None) -> str | None:
    """The model card's line on the pixels the model never reads (None when it reads them all,
    or its layers could not be followed)."""
    if region is None or not region.unread_pixels:
        return None
    parts = [f"bottom {region.unread_rows} row{'s' * (region.unread_rows > 1)}"] if region.unread_rows else []
    if region.unread_columns:
        parts.append(f"right {region.unread_columns} column{'s' * (region.unread_columns > 1)}")
    total = region.height * region.width
    return (f"the {' and '.join(parts)} ({region.unread_pixels:,} of {total:,} pixels, "
            f"{percent(region.unread_pixels / total, 1)}): no output depends on them (convolutions without "
            f"padding, poolings that drop a last row or column their window does not fill), so every map is 0 there")


def page_inputs(settings: Settings, facts: BuildFacts, summary: CompletenessSummary, evaluation: Evaluation,
                selection: Selection, examples: Sequence[Example], gallery: Gallery, whole: WholeTestSet | None,
                figures: ReportFigures, trust_summary: str | None = None,
                architecture: str = ARCHITECTURE, read_region: ReadRegion | None = None) -> PageInputs:
    """Everything the generated pages show, as ready-made strings and paths; ``architecture`` is the
    model's layers in one line (:attr:`~generator.stages.model.TrainedModel.architecture`);
    ``read_region`` the part of the input it reads (:func:`generator.stages.read_region.read_region`)."""
    attribution = settings.attribution
    score = score_words(settings.model.output)
    baseline = f"constant {attribution.baseline:g}" + (" (black)" if attribution.baseline == 0 else "")
    attribution_rows = [
        ("Attributed output", score.described),
        ("Maps", f"{prose_list()}; for mistakes also contrastive {' and '.join(m.short for m in contrast_methods())} "
                 f"({score.noun} predicted − {score.noun} true)"),
        ("IG quadrature", ig_quadrature(attribution.steps, attribution.method, attribution.tolerance,
                                          attribution.map_tolerance, summary.nodes)),
        ("IG baseline", baseline),
        ("SmoothGrad", f"{attribution.smoothgrad_samples} samples, noise σ = {attribution.smoothgrad_noise:g} "
                       f"× input range, seed {settings.seed}"),
        ("Median completeness error", percent(summary.median_relative_error)),
        ("Maximum completeness error", percent(summary.max_relative_error)),
        (f"IG maps above the {percent_exact(summary.tolerance)} tolerance (flagged in red)",
         f"{summary.maps_above_tolerance} of {summary.maps}"),
    ]
    if math.isfinite(summary.median_map_change):
        attribution_rows.append(("IG maps' change at their last doubling", f"median {percent(summary.median_map_change, 1)}"
                                 f", max {percent(summary.max_map_change, 1)} (relative L1)"))
    if math.isfinite(summary.median_eg_noise):
        attribution_rows.append(("Expected Gradients' estimated noise", f"median {percent(summary.median_eg_noise, 0)}, "
                                 f"max {percent(summary.max_eg_noise, 0)} of the map (relative L1, from two halves "
                                 f"of its draws)"))
    if whole is not None:
        attribution_rows.append(("Whole test set", f"{len(whole.relative_error):,} images at {whole.steps} steps, "
                                 f"median completeness error {percent(float(np.median(whole.relative_error)))}"))
    return PageInputs(
        title=settings.output.title,
        class_names=settings.data.class_names,
        dataset_summary=dataset_summary(facts),
        evaluation=evaluation,
        examples=tuple(examples),
        gallery=gallery,
        confusion_figure=figures.confusion,
        curves_figure=figures.curves,
        model_summary=(
            ("Architecture", architecture),
            *((("Pixels it never reads", border),) if (border := unread_border(read_region)) else ()),
            ("Origin", facts.model_description),
            ("Model sha256", facts.model_sha256),
            ("Dataset", f"{facts.data_name}: {facts.data_description}"),
            ("Data source", facts.data_source),
            ("Data sha256", facts.data_sha256),
            ("Test accuracy", percent(facts.test_accuracy)),
        ),
        attribution_summary=tuple(attribution_rows),
        misclassified_total=selection.misclassified_total,
        tool_version=facts.tool_version,
        class_mean_figures=figures.means,
        trust_summary=trust_summary,
        repository=settings.output.repo_url,
        score=score,
        completeness_tolerance=summary.tolerance,
    )
