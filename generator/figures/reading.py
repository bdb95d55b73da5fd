"""The annotated example of the "Reading the maps" page: one published row, labelled.

Drawing only: the caller passes the maps, the shared colour limits and the completeness
numbers; this module finds the pixels worth pointing at (largest and smallest IG, steepest
gradient, one background pixel) and writes what each colour means there, in its units.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from generator.figures.example import SIGNED_CMAP
from generator.plumbing.numbers import digits, fixed, percent
from generator.figures.charts import save_figure
from generator.stages.model_output import LOGIT_WORDS, ScoreWords

WIDTH, HEIGHT = 10.0, 5.0  # inches
_ARROW = {"arrowstyle": "->", "color": "0.15", "linewidth": 0.9}
_BOX = {"boxstyle": "round,pad=0.3", "facecolor": "#fffbe6", "edgecolor": "0.6", "linewidth": 0.6}


@dataclass(frozen=True)
class AnnotatedRow:
    """One published (image, target) row, ready to draw.

    Attributes:
        image: (H, W) input in [0, 1].
        gradient: (H, W) ∂logit_t/∂x, logit per unit of intensity.
        ig: (H, W) Integrated Gradients, logit units.
        target_name: display name of the target class (user text).
        attribution_sum: ΣIG, logit units.
        logit_delta: logit_t(x) − logit_t(x′), logit units.
        steps: quadrature nodes used for the map.
        gradient_scale: the shared gradient colour limit (±).
        ig_scale: the shared IG colour limit (±).
        baseline: the constant baseline x′.
    """

    image: np.ndarray
    gradient: np.ndarray
    ig: np.ndarray
    target_name: str
    attribution_sum: float
    logit_delta: float
    steps: int
    gradient_scale: float
    ig_scale: float
    baseline: float


def draw_annotated_example(row: AnnotatedRow, path: Path, *, score: ScoreWords = LOGIT_WORDS) -> bool:
    """Input, gradient and IG of one row with callouts that read the colours aloud.

    Args:
        row: the maps and numbers to show.
        path: the PNG to write.
        score: what the maps are of (the class logit, or its log-probability), in its units.

    Returns:
        Whether the file changed.
    """
    ig_max = np.unravel_index(np.argmax(row.ig), row.ig.shape)
    ig_min = np.unravel_index(np.argmin(row.ig), row.ig.shape)
    steep = np.unravel_index(np.argmax(np.abs(row.gradient)), row.gradient.shape)
    background = np.argwhere(row.image == np.float32(row.baseline))
    error = abs(row.attribution_sum - row.logit_delta) / max(abs(row.logit_delta), 1e-6)
    noun, symbol = score.noun, score.symbol

    def draw(figure: Figure) -> None:
        figure.text(0.5, 0.96, f"Reading one row: target class {row.target_name} ({noun} of that class)",
                    ha="center", fontsize=11, fontweight="bold", parse_math=False)
        panels = (("input x", row.image, Normalize(0, 1), "gray", "pixel intensity", "neither"),
                  (f"gradient ∂{symbol}/∂x", row.gradient, Normalize(-row.gradient_scale, row.gradient_scale),
                   SIGNED_CMAP, score.per_intensity, "both"),
                  ("Integrated Gradients", row.ig, Normalize(-row.ig_scale, row.ig_scale), SIGNED_CMAP,
                   score.units, "both"))
        axes: list[Axes] = []
        for k, (title, values, norm, cmap, label, extend) in enumerate(panels):
            ax = figure.add_axes((0.04 + 0.33 * k, 0.45, 0.22, 0.42))
            bar = figure.add_axes((0.27 + 0.33 * k, 0.45, 0.012, 0.42))
            ax.imshow(values, cmap=cmap, norm=norm, interpolation="nearest")
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            colorbar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=bar, extend=extend)
            colorbar.set_label(label, fontsize=7)
            colorbar.ax.tick_params(labelsize=7)
            axes.append(ax)
        _callout(axes[2], ig_max, (0.585, 0.2),
                 f"A  {fixed(row.ig[ig_max], 3, plus=True)} {noun} (red): the\nlargest share of the change")
        _callout(axes[2], ig_min, (0.79, 0.2),
                 f"B  {fixed(row.ig[ig_min], 3, plus=True)} {noun} (blue): this\npixel lowered the {noun}")
        _callout(axes[1], steep, (0.31, 0.2),
                 f"C  slope {fixed(row.gradient[steep], 2, plus=True)} {score.per_intensity}:\n+0.1 of brightness "
                 f"changes the {noun}\nby about {fixed(0.1 * row.gradient[steep], 3, plus=True)} (a local estimate)")
        if len(background):
            centre = (np.array(row.image.shape) - 1) / 2
            nearest = tuple(background[np.argmin(((background - centre) ** 2).sum(axis=1))])
            _callout(axes[0], nearest, (0.01, 0.2),
                     f"D  x = baseline ({row.baseline:g}) here:\nIG is exactly 0, whatever\nthe gradient says")
        figure.text(0.5, 0.1, f"E  Colour limits (±{digits(row.gradient_scale)} gradient, ±{digits(row.ig_scale)} IG) "
                    "are those of every gallery page: the 99.5th percentile of |value| over all published maps;\n"
                    "pointed colour-bar ends mean that values beyond the limit are clipped to the end colour. "
                    "(The Trust, Decoy and baseline figures scale their maps on their own.)",
                    ha="center", va="center", fontsize=8, bbox=_BOX)
        figure.text(0.5, 0.015, f"Completeness: ΣIG = {fixed(row.attribution_sum, 3)} ≈ Δ{symbol} = {symbol}(x) − "
                    f"{symbol}(x′) = {fixed(row.logit_delta, 3)}  (relative error {percent(error)}, {row.steps} steps)",
                    ha="center", fontsize=9)

    return save_figure((WIDTH, HEIGHT), draw, path, layout=None)


def _callout(ax: Axes, pixel: tuple[int, ...], text_at: tuple[float, float], text: str) -> None:
    """A boxed note at ``text_at`` (figure fraction) with an arrow to ``pixel`` (row, column) of ``ax``."""
    row, column = int(pixel[0]), int(pixel[1])
    ax.plot(column, row, marker="s", markersize=7, markerfacecolor="none", markeredgecolor="black",
            markeredgewidth=1.2)
    ax.annotate(text, xy=(column, row), xycoords="data", xytext=text_at, textcoords="figure fraction",
                fontsize=7.5, ha="left", va="bottom", arrowprops=_ARROW, bbox=_BOX, annotation_clip=False,
                parse_math=False)
