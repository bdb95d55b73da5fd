"""The mathematics stage: build-time figures for the Methods pages and the generated
"How this report was made" page.

The Methods pages themselves are hand-written Markdown in ``site_src/methods*``; they show
the figures this stage draws at fixed paths (``CONVERGENCE_FIGURE``, ``BASELINE_FIGURE``,
``READING_FIGURE``), measured on the report's own model and published maps. The convergence
measurement, the only costly part, is cached under ``<cache_dir>/mathematics``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
from matplotlib.figure import Figure

from generator import attributions as attr
from generator.about import REPORT_BUILD_PAGE, library_versions, render_report_build, report_build_context
from generator.cache import fingerprint
from generator.example_figure import robust_scale
from generator.explain import AttributionArrays
from generator.figures import save_figure
from generator.fileio import write_text_if_changed
from generator.math_figures import (
    CONVERGENCE_ROWS,
    CONVERGENCE_ROWS_QUICK,
    CONVERGENCE_STEPS,
    BaselineShare,
    Convergence,
    baseline_zero_share,
    completeness_convergence,
    draw_baseline,
    draw_convergence,
    spread_rows,
)
from generator.reading_figure import AnnotatedRow, draw_annotated_example
from generator.settings import Settings
from generator.stages import ATTRIBUTION_FORMAT, StageCache

CONVERGENCE_FIGURE = "figures/mathematics/convergence.png"
BASELINE_FIGURE = "figures/mathematics/baseline.png"
READING_FIGURE = "figures/mathematics/reading-example.png"
MATHEMATICS_FORMAT = 1
"""Bump when the convergence measurement changes what it computes, so cached results are dropped."""
Log = Callable[[str], None]


def write_mathematics(model: Any, arrays: AttributionArrays, settings: Settings, manifest: dict[str, Any],
                      templates_dir: Path, docs_dir: Path, log: Log = print) -> None:
    """Measure, draw and write everything the Methods pages take from this build.

    Writes (each only if its bytes changed) ``CONVERGENCE_FIGURE``, ``BASELINE_FIGURE``,
    ``READING_FIGURE`` and ``REPORT_BUILD_PAGE`` under ``docs_dir``.

    Args:
        model: the Keras model (attributed on its logits) or a ready ``GradientFunction``.
        arrays: the published attribution rows.
        settings: the build settings (quadrature, baseline, chunk size, class names, quick).
        manifest: the published manifest (settings, data and model hashes, versions).
        templates_dir: folder holding ``report-build.md.j2``.
        docs_dir: the MkDocs docs dir.
        log: progress sink.
    """
    attribution = settings.attribution
    grad_fn = attr.as_grad_fn(model, attribution.chunk_size)
    rows = spread_rows(len(arrays.index), CONVERGENCE_ROWS_QUICK if settings.quick else CONVERGENCE_ROWS)
    convergence = _cached_convergence(grad_fn, arrays, rows, settings, manifest["model"]["sha256"], log)
    share = baseline_zero_share(arrays.image, arrays.ig.maps, attribution.baseline)
    log(f"mathematics: {share.baseline_zero} of {share.baseline_pixels} pixels equal to the baseline have IG = 0")
    draw_convergence(convergence, (attribution.method, attribution.steps), docs_dir / CONVERGENCE_FIGURE)
    _draw_example_figures(arrays, settings, share, example_row(manifest), docs_dir)
    context = report_build_context(manifest, convergence, share, library_versions())
    write_text_if_changed(docs_dir / REPORT_BUILD_PAGE, render_report_build(context, templates_dir))


def _cached_convergence(grad_fn: attr.GradFn, arrays: AttributionArrays, rows: np.ndarray, settings: Settings,
                        model_sha256: str, log: Log) -> Convergence:
    """:func:`completeness_convergence` of ``rows``, reused from the cache directory when the model,
    the rows' images and targets and the settings it depends on are unchanged."""
    baseline, chunk_size = settings.attribution.baseline, settings.attribution.chunk_size
    components = {
        "model": model_sha256,
        "rows": fingerprint(arrays.image[rows], arrays.target[rows]),
        "settings": fingerprint(baseline, list(attr.METHODS), list(CONVERGENCE_STEPS)),
        "code": f"{MATHEMATICS_FORMAT}.{ATTRIBUTION_FORMAT}",  # it runs the attribution code too
    }

    def compute() -> dict[str, np.ndarray]:
        log(f"mathematics: completeness of {len(rows)} IG maps × {len(attr.METHODS)} rules × "
            f"{len(CONVERGENCE_STEPS)} step counts")
        result = completeness_convergence(grad_fn, arrays.image, arrays.target, rows, baseline=baseline,
                                          chunk_size=chunk_size)
        return {"errors": result.errors}

    stored = StageCache(Path(settings.output.cache_dir), log).arrays("mathematics", components, compute)
    return Convergence(attr.METHODS, CONVERGENCE_STEPS, rows, stored["errors"])


def example_row(manifest: dict[str, Any]) -> int | None:
    """The row shown in the baseline figure and the annotated example: the first target of the
    most confidently predicted correct example (any example if none is correct; None if none)."""
    examples = manifest["examples"]
    pool = [e for e in examples if e["true_label"] == e["predicted"]] or examples
    if not pool:
        return None
    best = max(pool, key=lambda e: (e["confidence"], -e["test_index"]))
    return int(best["targets"][0]["row"])


def _draw_example_figures(arrays: AttributionArrays, settings: Settings, share: BaselineShare, r: int | None,
                          docs_dir: Path) -> None:
    """The baseline figure and the annotated example, both of row ``r``."""
    if r is None:
        for figure in (BASELINE_FIGURE, READING_FIGURE):
            _placeholder("No map is published in this build.", docs_dir / figure)
        return
    baseline = settings.attribution.baseline
    name = settings.data.class_names[int(arrays.target[r])]
    ig_scale = robust_scale([arrays.ig.maps, arrays.contrast.maps])
    image, ig = arrays.image[r].sum(axis=-1), arrays.ig.maps[r].sum(axis=-1)
    title = (f"test #{int(arrays.index[r])} · target {name}: Integrated Gradients from the constant "
             f"baseline x′ = {baseline:g}")
    draw_baseline(image, ig, baseline, share, ig_scale, title, docs_dir / BASELINE_FIGURE)
    draw_annotated_example(AnnotatedRow(
        image=image, gradient=arrays.gradient[r].sum(axis=-1), ig=ig, target_name=str(name),
        attribution_sum=float(arrays.ig.attribution_sum[r]), logit_delta=float(arrays.ig.logit_delta[r]),
        steps=int(arrays.ig.steps[r]), gradient_scale=robust_scale([arrays.gradient]), ig_scale=ig_scale,
        baseline=baseline,
    ), docs_dir / READING_FIGURE)


def _placeholder(text: str, path: Path) -> bool:
    """A figure that only says ``text``, where a figure the pages show cannot be drawn."""

    def draw(figure: Figure) -> None:
        figure.text(0.5, 0.5, text, ha="center", va="center", fontsize=11)

    return save_figure((6.0, 1.5), draw, path, layout=None)

