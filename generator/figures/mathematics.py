"""The figures of the mathematics pages: quadrature convergence and the black baseline.

Drawing only: the numbers come from :mod:`generator.stages.mathematics`; headless,
object-oriented matplotlib through :func:`generator.figures.charts.save_figure`, which writes a
PNG only when its bytes change.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from generator.figures.charts import save_figure
from generator.figures.example import SIGNED_CMAP, robust_scale
from generator.figures.jobs import FigureJob
from generator.figures.reading import AnnotatedRow, draw_annotated_example
from generator.plumbing.numbers import percent, percent_exact
from generator.plumbing.settings import Settings
from generator.stages.attribute import AttributionArrays
from generator.stages.mathematics import BaselineShare, Convergence, Mathematics
from generator.stages.model_output import LOGIT_WORDS, ScoreWords, score_words
from generator.stages.results import COMPLETENESS_TOLERANCE

_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink")
PLOT_FLOOR = 1e-9
"""Relative errors below this (exact zeros included) are drawn at this value on the log axis."""
def draw_convergence(result: Convergence, configured: tuple[str, float], path: Path, *,
                     score: ScoreWords = LOGIT_WORDS) -> bool:
    """Log–log completeness error against steps: per rule the median and a 10–90th percentile band.

    Args:
        result: the measured errors.
        configured: (what this report used, in words; its gradient evaluations per map), marked on the figure.
        path: the PNG to write.
        score: what the maps are of, named in the axis label.

    Returns:
        Whether the file changed.
    """
    median, low, high = (np.maximum(result.percentile(q), PLOT_FLOOR) for q in (50, 10, 90))

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        for i, method in enumerate(result.methods):
            colour = _COLOURS[i % len(_COLOURS)]
            ax.fill_between(result.steps, low[i], high[i], color=colour, alpha=0.15, linewidth=0)
            ax.plot(result.steps, median[i], "-o", color=colour, markersize=4, label=method.replace("_", " "))
        ax.axhline(COMPLETENESS_TOLERANCE, color="black", linestyle="--", linewidth=1)
        ax.text(result.steps[-1], COMPLETENESS_TOLERANCE * 1.3, f"{percent_exact(COMPLETENESS_TOLERANCE)} tolerance",
                ha="right", va="bottom", fontsize=8)
        bottom = max(PLOT_FLOOR, float(np.nanmin(low, initial=1.0)) / 3)
        top = max(1.0, float(np.nanmax(high, initial=1.0)) * 2)
        label, steps = configured
        ax.axvline(steps, color="0.5", linestyle=":", linewidth=1)
        ax.text(steps * 1.05, top / 1.5, f"this report: {label}", rotation=90, fontsize=8, color="0.3", va="top")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(result.steps, [str(s) for s in result.steps])
        ax.set_ylim(bottom, top)
        ax.set_xlabel("quadrature steps (gradient evaluations per map)")
        ax.set_ylabel(f"completeness relative error\n|ΣIG − Δ{score.symbol}| / |Δ{score.symbol}|")
        ax.set_title(f"IG completeness error on this model: {len(result.rows)} published maps "
                     "(line: median, band: 10th–90th percentile)", fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        if len(result.rows) == 0:
            ax.text(0.5, 0.5, "no published maps", ha="center", va="center", transform=ax.transAxes)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="rule", title_fontsize=8)

    return save_figure((9.6, 4.6), draw, path)


def draw_baseline(image: np.ndarray, ig: np.ndarray, baseline: float, share: BaselineShare,
                  scale: float, title: str, path: Path, *, score: ScoreWords = LOGIT_WORDS) -> bool:
    """One image, its IG map, and where the map is exactly zero, with the share over all maps.

    Args:
        image: (H, W) input in [0, 1].
        ig: (H, W) its IG map, in the units of ``score``.
        baseline: the constant baseline.
        share: exact-zero counts over every published map.
        scale: the shared IG colour limit (±scale).
        title: the figure title (may hold user text; drawn without mathtext).
        path: the PNG to write.
        score: what the map is of (the class logit, or its log-probability), for the colour bar.

    Returns:
        Whether the file changed.
    """
    at_baseline = image == np.float32(baseline)
    zero = ig == 0
    # 0: pixel at the baseline with IG exactly 0; 1: other pixel with IG exactly 0;
    # 2: other pixel with IG ≠ 0; 3: pixel at the baseline with IG ≠ 0 (should never appear).
    category = np.where(at_baseline, np.where(zero, 0, 3), np.where(zero, 1, 2))
    colours = np.array([[0.93, 0.93, 0.93], [0.6, 0.75, 0.95], [0.15, 0.15, 0.15], [0.85, 0.1, 0.1]])
    here = f"{int((at_baseline & zero).sum())} of {int(at_baseline.sum())} pixels equal to the baseline"
    overall = (f"over all {share.maps} published IG maps: {share.baseline_zero:,} of {share.baseline_pixels:,} "
               f"baseline pixels ({percent(share.share)}) have IG exactly 0; "
               f"other pixels: {share.other_zero:,} of {share.other_pixels:,}")

    def draw(figure: Figure) -> None:
        figure.suptitle(title, fontsize=10, fontweight="bold", parse_math=False)
        axes = figure.subplots(1, 3)
        figure.subplots_adjust(left=0.02, right=0.95, top=0.78, bottom=0.16, wspace=0.3)
        shown = axes[0].imshow(image, cmap="gray", norm=Normalize(0, 1), interpolation="nearest")
        figure.colorbar(shown, ax=axes[0], fraction=0.046).set_label("pixel intensity", fontsize=8)
        shown = axes[1].imshow(ig, cmap=SIGNED_CMAP, norm=Normalize(-scale, scale), interpolation="nearest")
        figure.colorbar(shown, ax=axes[1], fraction=0.046, extend="both").set_label(f"IG ({score.units})", fontsize=8)
        axes[2].imshow(colours[category], interpolation="nearest")
        for ax, name in zip(axes, ("input x", "Integrated Gradients", f"where IG is exactly 0\n({here} have IG = 0)")):
            ax.set_title(name, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        legend = ("light grey: x = baseline, IG = 0    light blue: inked, IG = 0    "
                  "black: inked, IG ≠ 0    red: x = baseline, IG ≠ 0")
        figure.text(0.5, 0.07, legend, ha="center", fontsize=8)
        figure.text(0.5, 0.015, overall, ha="center", fontsize=8, color="0.25")

    return save_figure((9.6, 3.7), draw, path, layout=None)


CONVERGENCE_FIGURE = "figures/mathematics/convergence.png"
BASELINE_FIGURE = "figures/mathematics/baseline.png"
READING_FIGURE = "figures/mathematics/reading-example.png"


def draw_placeholder(text: str, path: Path) -> bool:
    """A figure that only says ``text``, where a figure the pages show cannot be drawn."""

    def draw(figure: Figure) -> None:
        figure.text(0.5, 0.5, text, ha="center", va="center", fontsize=11)

    return save_figure((6.0, 1.5), draw, path, layout=None)


def mathematics_jobs(result: Mathematics, arrays: AttributionArrays, settings: Settings) -> list[FigureJob]:
    """The convergence figure, and the baseline figure and annotated example of ``result.example_row``."""
    attribution = settings.attribution
    words = {"score": score_words(settings.model.output)}
    if attribution.steps:
        configured = (f"{attribution.method.replace('_', ' ')}, {attribution.steps} steps", float(attribution.steps))
    else:
        median = float(np.median(arrays.ig.steps)) if len(arrays.ig.steps) else 17.0
        configured = (f"adaptive, median {median:g} evaluations per map", median)
    jobs = [FigureJob(CONVERGENCE_FIGURE, draw_convergence, (result.convergence, configured), words)]
    r = result.example_row
    if r is None:
        return jobs + [FigureJob(figure, draw_placeholder, ("No map is published in this build.",))
                       for figure in (BASELINE_FIGURE, READING_FIGURE)]
    baseline = attribution.baseline
    name = settings.data.class_names[int(arrays.target[r])]
    ig_scale = robust_scale([arrays.ig.maps, arrays.contrast.maps])
    image, ig = arrays.image[r].sum(axis=-1), arrays.ig.maps[r].sum(axis=-1)
    title = (f"test #{int(arrays.index[r])} · target {name}: Integrated Gradients from the constant "
             f"baseline x′ = {baseline:g}")
    annotated = AnnotatedRow(
        image=image, gradient=arrays.gradient[r].sum(axis=-1), ig=ig, target_name=str(name),
        attribution_sum=float(arrays.ig.attribution_sum[r]), logit_delta=float(arrays.ig.logit_delta[r]),
        steps=int(arrays.ig.steps[r]), gradient_scale=robust_scale([arrays.gradient]), ig_scale=ig_scale,
        baseline=baseline,
    )
    return jobs + [FigureJob(BASELINE_FIGURE, draw_baseline, (image, ig, baseline, result.share, ig_scale, title),
                             words),
                   FigureJob(READING_FIGURE, draw_annotated_example, (annotated,), words)]
