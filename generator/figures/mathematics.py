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

from generator.methods import GRADIENT, INTEGRATED_GRADIENTS, shown_input
from generator.figures.charts import save_figure
from generator.figures.example import robust_scale
from generator.figures.input_image import channels_last, show_image
from generator.figures.method_colours import method_cmap
from generator.figures.theme import COLUMN_INCHES, FONT, SMALL, theme, wrap
from generator.figures.jobs import FigureJob
from generator.figures.reading import AnnotatedRow, draw_annotated_example
from generator.plumbing.numbers import percent, percent_exact
from generator.plumbing.settings import Settings
from generator.stages.attribute import AttributionArrays
from generator.stages.mathematics import BaselineShare, Convergence, Mathematics
from generator.stages.model_output import LOGIT_WORDS, ScoreWords, score_words
from generator.plumbing.settings import COMPLETENESS_FLOOR

_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_DASHES = ("-", "--", "-.", ":")
"""Each rule its marker and dash pattern as well as its colour: rules whose errors coincide stay apart."""
SIGNED_CMAP = method_cmap(INTEGRATED_GRADIENTS)
PLOT_FLOOR = 1e-9
"""Relative errors below this (exact zeros included) are drawn at this value on the log axis."""
def draw_convergence(result: Convergence, configured: tuple[str, float], path: Path, *,
                     score: ScoreWords = LOGIT_WORDS, tolerance: float = COMPLETENESS_FLOOR) -> bool:
    """Log–log completeness error against steps: per rule the median and a 10–90th percentile band.

    Args:
        result: the measured errors.
        configured: (what this report used, in words; its gradient evaluations per map), marked on the figure.
        path: the PNG to write.
        score: what the maps are of, named in the axis label.
        tolerance: the published maps' completeness tolerance, drawn as a line.

    Returns:
        Whether the file changed.
    """
    median, low, high = (np.maximum(result.percentile(q), PLOT_FLOOR) for q in (50, 10, 90))

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        for i, method in enumerate(result.methods):
            colour = _COLOURS[i % len(_COLOURS)]
            ax.fill_between(result.steps, low[i], high[i], color=colour, alpha=0.15, linewidth=0)
            ax.plot(result.steps, median[i], linestyle=_DASHES[i % len(_DASHES)], marker=_MARKERS[i % len(_MARKERS)],
                    color=colour, markersize=5, markerfacecolor="none" if i % 2 else colour,
                    label=method.replace("_", " "))
        ax.axhline(tolerance, color=theme().text, linestyle="--", linewidth=1)
        ax.text(result.steps[-1], tolerance * 1.3, f"{percent_exact(tolerance)} tolerance",
                ha="right", va="bottom", fontsize=SMALL)
        bottom = max(PLOT_FLOOR, float(np.nanmin(low, initial=1.0)) / 3)
        top = max(1.0, float(np.nanmax(high, initial=1.0)) * 2)
        label, steps = configured
        ax.axvline(steps, color=theme().faint, linestyle=":", linewidth=1)
        ax.text(steps * 1.05, top / 1.5, f"this report: {label}", rotation=90, fontsize=SMALL,
                color=theme().muted, va="top")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(result.steps, [str(s) for s in result.steps])
        ax.set_ylim(bottom, top)
        ax.set_xlabel("quadrature steps (gradient evaluations per map)")
        ax.set_ylabel(f"completeness relative error\n|ΣIG − Δ{score.symbol}| / |Δ{score.symbol}|")
        ax.set_title(wrap(f"IG completeness error on this model: {len(result.rows)} published maps "
                          "(line: median, band: 10th–90th percentile)", 70), fontsize=FONT)
        ax.grid(True, which="major", alpha=0.3)
        if len(result.rows) == 0:
            ax.text(0.5, 0.5, "no published maps", ha="center", va="center", transform=ax.transAxes)
        figure.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=SMALL,
                      title="rule", title_fontsize=SMALL)

    return save_figure((COLUMN_INCHES, 5.4), draw, path)


def draw_baseline(image: np.ndarray, ig: np.ndarray, baseline: float, share: BaselineShare,
                  scale: float, title: str, path: Path, *, score: ScoreWords = LOGIT_WORDS) -> bool:
    """One image, its IG map, and where the map is exactly zero, with the share over all maps.

    Args:
        image: (H, W) or (H, W, 3) input in [0, 1].
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
    at_baseline = np.all(channels_last(image) == np.float32(baseline), axis=-1)
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
        figure.suptitle(wrap(title, 70), fontsize=FONT, fontweight="bold", parse_math=False)
        axes = figure.subplots(1, 3)
        figure.subplots_adjust(left=0.02, right=0.92, top=0.8, bottom=0.27, wspace=0.45)
        shown = show_image(axes[0], image)
        bar = figure.colorbar(shown, ax=axes[0], fraction=0.046)
        bar.set_label("pixel intensity", fontsize=SMALL)
        bar.ax.tick_params(labelsize=SMALL)
        shown = axes[1].imshow(ig, cmap=SIGNED_CMAP, norm=Normalize(-scale, scale), interpolation="none")
        bar = figure.colorbar(shown, ax=axes[1], fraction=0.046, extend="both")
        bar.set_label(f"IG ({score.units})", fontsize=SMALL)
        bar.ax.tick_params(labelsize=SMALL)
        axes[2].imshow(colours[category], interpolation="none")
        for ax, name in zip(axes, ("input x", "Integrated Gradients", wrap(f"where IG is exactly 0 ({here} have IG = 0)",
                                                                          26))):
            ax.set_title(name, fontsize=SMALL)
            ax.set_xticks([])
            ax.set_yticks([])
        legend = ("light grey: x = baseline, IG = 0 · light blue: inked, IG = 0\n"
                  "black: inked, IG ≠ 0 · red: x = baseline, IG ≠ 0")
        figure.text(0.5, 0.17, legend, ha="center", va="center", fontsize=SMALL)
        figure.text(0.5, 0.02, wrap(overall, 90), ha="center", va="bottom", fontsize=SMALL, color=theme().muted)

    return save_figure((COLUMN_INCHES, 3.9), draw, path, layout=None)


CONVERGENCE_FIGURE = "figures/mathematics/convergence.svg"
BASELINE_FIGURE = "figures/mathematics/baseline.svg"
READING_FIGURE = "figures/mathematics/reading-example.svg"


def draw_placeholder(text: str, path: Path) -> bool:
    """A figure that only says ``text``, where a figure the pages show cannot be drawn."""

    def draw(figure: Figure) -> None:
        figure.text(0.5, 0.5, wrap(text, 60), ha="center", va="center", fontsize=FONT + 2)

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
    jobs = [FigureJob(CONVERGENCE_FIGURE, draw_convergence, (result.convergence, configured),
                      {**words, "tolerance": attribution.flag_tolerance})]
    r = result.example_row
    if r is None:
        return jobs + [FigureJob(figure, draw_placeholder, ("No map is published in this build.",))
                       for figure in (BASELINE_FIGURE, READING_FIGURE)]
    baseline = attribution.baseline
    name = settings.data.class_names[int(arrays.target[r])]
    ig_scale = robust_scale([arrays.ig.maps, arrays.contrast.maps])
    image, ig = shown_input(arrays.image[r]), arrays.ig.maps[r].sum(axis=-1)
    title = (f"test #{int(arrays.index[r])} · target {name}: Integrated Gradients from the constant "
             f"baseline x′ = {baseline:g}")
    annotated = AnnotatedRow(
        image=image, gradient=arrays.map(GRADIENT)[r].sum(axis=-1), ig=ig, target_name=str(name),
        attribution_sum=float(arrays.ig.attribution_sum[r]), logit_delta=float(arrays.ig.logit_delta[r]),
        steps=int(arrays.ig.steps[r]), gradient_scale=robust_scale([arrays.map(GRADIENT)]), ig_scale=ig_scale,
        baseline=baseline,
    )
    return jobs + [FigureJob(BASELINE_FIGURE, draw_baseline, (image, ig, baseline, result.share, ig_scale, title),
                             words),
                   FigureJob(READING_FIGURE, draw_annotated_example, (annotated,), words)]
