"""Assemble :class:`~generator.pages.PageInputs` from the stage results.

This is where numbers become the labelled strings of the model card and the attribution
summary; the templates only place them.
"""

from __future__ import annotations

from typing import Any

from . import __version__
from .explain import MAX_REFINED_STEPS
from .model import ARCHITECTURE
from .numbers import percent
from .pages import PageInputs
from .settings import Settings


def page_inputs(settings: Settings, dataset: Any, trained: Any, evaluation: Any, selection: Any,
                examples: Any, gallery: Any, figures: dict[str, Any], manifest: dict[str, Any]) -> PageInputs:
    """Everything the generated pages show, as ready-made strings and paths."""
    attribution = settings.attribution
    summary = manifest["attribution"]["completeness"]
    baseline = f"constant {attribution.baseline:g}" + (" (black)" if attribution.baseline == 0 else "")
    attribution_rows = [
        ("Attributed output", "class logit (pre-softmax)"),
        ("Maps", "gradient, saliency, gradient × input, SmoothGrad, Integrated Gradients; "
                 "for mistakes also contrastive IG (logit predicted − logit true)"),
        ("IG quadrature", f"{attribution.method}, {attribution.steps} steps (doubled up to {MAX_REFINED_STEPS} for maps "
                          "above the tolerance)"),
        ("IG baseline", baseline),
        ("SmoothGrad", f"{attribution.smoothgrad_samples} samples, noise σ = {attribution.smoothgrad_noise:g} "
                       f"× input range, seed {settings.seed}"),
        ("Median completeness error", percent(summary["median_relative_error"])),
        ("Maximum completeness error", percent(summary["max_relative_error"])),
        (f"IG maps above the {percent(summary['tolerance'], 0)} tolerance (flagged in red)",
         f"{summary['maps_above_tolerance']} of {summary['maps']}"),
    ]
    whole = manifest.get("whole_test_set")
    if whole:
        attribution_rows.append(("Whole test set", f"{whole['images']:,} images at {whole['steps']} steps, "
                                 f"median completeness error {percent(whole['median_relative_error'])}"))
    return PageInputs(
        title=settings.output.title,
        class_names=settings.data.class_names,
        evaluation=evaluation,
        examples=examples,
        gallery=gallery,
        confusion_figure=figures["confusion"],
        curves_figure=figures["curves"],
        model_summary=(
            ("Architecture", ARCHITECTURE),
            ("Origin", trained.description),
            ("Model sha256", trained.sha256),
            ("Data", manifest["data"]["source"]),
            ("Data sha256", dataset.sha256),
            ("Test accuracy", percent(evaluation.accuracy)),
        ),
        attribution_summary=tuple(attribution_rows),
        misclassified_total=selection.misclassified_total,
        tool_version=__version__,
        class_mean_figures=figures["means"],
    )
