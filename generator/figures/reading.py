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

from generator.methods import GRADIENT, INTEGRATED_GRADIENTS
from generator.figures.input_image import INPUT_CMAP, channels_last, show_image
from generator.figures.method_colours import method_cmap
from generator.figures.theme import COLUMN_INCHES, FONT, SMALL, theme, wrap
from generator.plumbing.numbers import digits, fixed, percent
from generator.figures.charts import save_figure
from generator.stages.model_output import LOGIT_WORDS, ScoreWords

WIDTH, HEIGHT = COLUMN_INCHES, 5.1  # inches
PANEL, PANELS_TOP = 1.5, 0.75  # inches: a map, and its top below the figure's
CALLOUTS_TOP, NOTE_TOP = 2.65, 3.8  # inches below the figure's top: the four notes, then the note on colours


@dataclass(frozen=True)
class AnnotatedRow:
    """One published (image, target) row, ready to draw.

    Attributes:
        image: (H, W) or (H, W, 3) input in [0, 1].
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
        path: the file to write (SVG on the site).
        score: what the maps are of (the class logit, or its log-probability), in its units.

    Returns:
        Whether the file changed.
    """
    ig_max = np.unravel_index(np.argmax(row.ig), row.ig.shape)
    ig_min = np.unravel_index(np.argmin(row.ig), row.ig.shape)
    steep = np.unravel_index(np.argmax(np.abs(row.gradient)), row.gradient.shape)
    background = np.argwhere(np.all(channels_last(row.image) == np.float32(row.baseline), axis=-1))
    error = abs(row.attribution_sum - row.logit_delta) / max(abs(row.logit_delta), 1e-6)
    noun, symbol = score.noun, score.symbol

    def draw(figure: Figure) -> None:
        figure.text(0.5, _y(0.2), f"Reading one row: target class {row.target_name} ({noun} of that class)",
                    ha="center", va="center", fontsize=FONT + 1, fontweight="bold", parse_math=False)
        panels = (("input x", row.image, Normalize(0, 1), INPUT_CMAP, "pixel intensity", "neither"),
                  (f"gradient ∂{symbol}/∂x", row.gradient, Normalize(-row.gradient_scale, row.gradient_scale),
                   method_cmap(GRADIENT), score.per_intensity, "both"),
                  ("Integrated Gradients", row.ig, Normalize(-row.ig_scale, row.ig_scale),
                   method_cmap(INTEGRATED_GRADIENTS), score.units, "both"))
        axes: list[Axes] = []
        for k, (title, values, norm, cmap, label, extend) in enumerate(panels):
            left = 0.1 + k * WIDTH / 3
            ax = figure.add_axes((left / WIDTH, _y(PANELS_TOP + PANEL), PANEL / WIDTH, PANEL / HEIGHT))
            bar = figure.add_axes(((left + PANEL + 0.07) / WIDTH, _y(PANELS_TOP + PANEL), 0.1 / WIDTH, PANEL / HEIGHT))
            show_image(ax, values, cmap, norm)
            ax.set_title(title, fontsize=FONT)
            ax.set_xticks([])
            ax.set_yticks([])
            colorbar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=bar, extend=extend)
            colorbar.set_label(wrap(label, 16), fontsize=SMALL)
            colorbar.ax.tick_params(labelsize=SMALL)
            axes.append(ax)
        if len(background):
            centre = (np.array(row.image.shape[:2]) - 1) / 2
            nearest = tuple(background[np.argmin(((background - centre) ** 2).sum(axis=1))])
            _callout(axes[0], nearest, 0,
                     f"D  x = baseline ({row.baseline:g}) here: IG is exactly 0, whatever the gradient says",
                     mark="white" if row.baseline < 0.5 else "black")
        _callout(axes[1], steep, 1,
                 f"C  slope {fixed(row.gradient[steep], 2, plus=True)} {score.per_intensity}: +0.1 of brightness "
                 f"changes the {noun} by about {fixed(0.1 * row.gradient[steep], 3, plus=True)} (a local estimate)")
        _callout(axes[2], ig_max, 2,
                 f"A  {fixed(row.ig[ig_max], 3, plus=True)} {noun} (red): the largest share of the change")
        _callout(axes[2], ig_min, 3,
                 f"B  {fixed(row.ig[ig_min], 3, plus=True)} {noun} (blue): this pixel lowered the {noun}")
        figure.text(0.5, _y(NOTE_TOP), wrap(
            f"E  Colour limits (±{digits(row.gradient_scale)} gradient, ±{digits(row.ig_scale)} IG) are those of "
            "every gallery page: the 99.5th percentile of |value| over all published maps; pointed colour-bar ends "
            "mean that values beyond the limit are clipped to the end colour. (The Trust, Decoy and baseline "
            "figures scale their maps on their own.)", 96),
            ha="center", va="top", fontsize=SMALL, bbox=_box(), parse_math=False)
        figure.text(0.5, _y(HEIGHT - 0.1), wrap(
            f"Completeness: ΣIG = {fixed(row.attribution_sum, 3)} ≈ Δ{symbol} = {symbol}(x) − {symbol}(x′) = "
            f"{fixed(row.logit_delta, 3)}  (relative error {percent(error)}, {row.steps} steps)", 90),
            ha="center", va="bottom", fontsize=FONT, parse_math=False)

    return save_figure((WIDTH, HEIGHT), draw, path, layout=None)


def _y(inches_from_top: float) -> float:
    """The figure fraction of a height given in inches from the top."""
    return 1 - inches_from_top / HEIGHT


def _box() -> dict[str, object]:
    return {"boxstyle": "round,pad=0.3", "facecolor": theme().box, "edgecolor": theme().faint, "linewidth": 0.6}


def _callout(ax: Axes, pixel: tuple[int, ...], slot: int, text: str, mark: str = "black") -> None:
    """A boxed note in the ``slot``-th of four places under the maps, with an arrow to ``pixel``
    (row, column) of ``ax``, marked by a square in ``mark``."""
    row, column = int(pixel[0]), int(pixel[1])
    ax.plot(column, row, marker="s", markersize=7, markerfacecolor="none", markeredgecolor=mark,
            markeredgewidth=1.2)
    ax.annotate(wrap(text, 24), xy=(column, row), xycoords="data", xytext=(0.03 + slot * 0.245, _y(CALLOUTS_TOP)),
                textcoords="figure fraction", fontsize=SMALL, ha="left", va="top",
                arrowprops={"arrowstyle": "->", "color": theme().text, "linewidth": 0.9}, bbox=_box(),
                annotation_clip=False, parse_math=False)
