"""The baseline study's figure: three examples, their baselines x′, IG from each and Expected Gradients.

Drawing only: the maps and numbers come from :mod:`generator.stages.baselines`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from generator.methods import INTEGRATED_GRADIENTS
from generator.figures.charts import save_figure
from generator.figures.input_image import show_image
from generator.figures.example import robust_scale
from generator.figures.method_colours import INPUT_CMAP, method_cmap
from generator.figures.theme import FONT, SMALL, theme, wrap
from generator.figures.jobs import FigureJob
from generator.plumbing.numbers import fixed, percent
from generator.stages.baselines import BLUR_SIGMA, BaselineStudy
from generator.stages.checked_maps import EgError
from generator.stages.model_output import LOGIT_WORDS, ScoreWords

SIGNED_CMAP = method_cmap(INTEGRATED_GRADIENTS)
"""IG's and Expected Gradients' colour map (the same one)."""
PANEL, PITCH, MARGIN = 0.95, 1.16, 0.06  # inches: one image, from one column to the next, the left margin
TITLE, SPACE, NOTES = 0.4, 0.1, 0.8  # inches: an example's title, between its two rows, its completeness lines
BLOCK = TITLE + 2 * PANEL + SPACE + NOTES + 0.2
HEAD = 0.6  # the column titles
BASELINES_FIGURE = "figures/mathematics/baselines.svg"
COLUMN_TITLES = ("IG, black baseline", f"IG, blurred input\n(σ = {BLUR_SIGMA:g} px)", "IG, uniform noise",
                 "IG, mean training image", "Expected Gradients")


def row_title(study: BaselineStudy, k: int, names: Sequence[str], score: ScoreWords = LOGIT_WORDS) -> str:
    """What row ``k`` attributes, e.g. "test #3520: true 6, predicted 4 · logit 4 − logit 6"."""
    index, p, t = int(study.test_index[k]), int(study.predicted[k]), int(study.true[k])
    if p == t:
        return f"test #{index}: class {names[t]}, correct · {score.of(names[t])}"
    return f"test #{index}: true {names[t]}, predicted {names[p]} · {score.of(names[p])} − {score.of(names[t])}"


def completeness_label(study: BaselineStudy, k: int, c: int, eg: EgError, noun: str) -> str:
    """The line under map ``c`` of row ``k``: Σ map and Δ, then IG's relative error; for Expected
    Gradients (the last column), whose Δ can be near zero, the error as the gallery shows it:
    |ΣEG − Δ| in ``noun`` units and as a share of the map's Σ|EG| (sums in three decimals, so
    that the error follows from them at the precision shown)."""
    if c < len(COLUMN_TITLES) - 1:
        return (f"Σ {fixed(study.attribution_sum[k, c])} · Δ {fixed(study.score_delta[k, c])}\n"
                f"error {percent(study.relative_error[k, c])}")
    share = f" · {percent(eg.of_mass)} of Σ|EG|" if math.isfinite(eg.of_mass) else ""
    return (f"Σ {fixed(study.attribution_sum[k, c], 3)} · Δ {fixed(study.score_delta[k, c], 3)}\n"
            f"off by {fixed(eg.absolute, 3)} {noun}{share}")


def draw_baselines(study: BaselineStudy, names: Sequence[str], path: Path, *, score: ScoreWords = LOGIT_WORDS) -> bool:
    """Per example, two rows: the input and each baseline x′ the maps start from, then under each
    x′ its map, all maps of the example on one symmetric scale (its colour bar under the input),
    each with its completeness line (:func:`completeness_label`); ``score`` names what the maps are
    of in the row titles."""
    rows, columns = len(study.test_index), len(COLUMN_TITLES) + 1
    width, height = MARGIN + columns * PITCH, HEAD + BLOCK * max(rows, 1)

    def draw(figure: Figure) -> None:
        if rows == 0:
            figure.text(0.5, 0.5, "No example is published in this build.", ha="center", va="center")
            return
        eg_errors = study.eg_errors()
        for c, title in enumerate(("input x", *COLUMN_TITLES)):
            figure.text((MARGIN + c * PITCH + PANEL / 2) / width, 1 - 0.08 / height, wrap(title.replace("\n", " "), 16),
                        ha="center", va="top", fontsize=FONT, parse_math=False)
        for k in range(rows):
            top = height - HEAD - k * BLOCK
            figure.text(0.5, (top - 0.15) / height, row_title(study, k, names, score), ha="center", va="center",
                        fontsize=FONT, fontweight="bold", parse_math=False)
            scale = robust_scale([study.maps[k]])
            norm = Normalize(-scale, scale)
            upper, lower = top - TITLE - PANEL, top - TITLE - 2 * PANEL - SPACE
            _image(figure, (MARGIN, upper, width, height), study.images[k], INPUT_CMAP, Normalize(0, 1))
            for c in range(columns - 1):
                if study.baselines is not None and c < study.baselines.shape[1]:
                    _image(figure, (MARGIN + (c + 1) * PITCH, upper, width, height), study.baselines[k, c], INPUT_CMAP,
                           Normalize(0, 1))
                elif c == columns - 2:
                    figure.text((MARGIN + (c + 1) * PITCH + PANEL / 2) / width, (upper + PANEL / 2) / height,
                                "x′ drawn from\nthe training\nimages", ha="center", va="center", fontsize=SMALL,
                                color=theme().muted)
                ax = _image(figure, (MARGIN + (c + 1) * PITCH, lower, width, height), study.maps[k, c], SIGNED_CMAP, norm)
                ax.set_xlabel(_lines(completeness_label(study, k, c, eg_errors[k], score.noun)), fontsize=SMALL,
                              labelpad=3, parse_math=False)
            bar = figure.add_axes(((MARGIN + PANEL - 0.12) / width, lower / height, 0.12 / width, PANEL / height))
            colorbar = figure.colorbar(ScalarMappable(norm=norm, cmap=SIGNED_CMAP), cax=bar, extend="both")
            colorbar.ax.yaxis.set_ticks_position("left")
            colorbar.ax.tick_params(labelsize=SMALL)
            figure.text((MARGIN + (PANEL - 0.12) / 2) / width, (lower - 0.12) / height, score.units, ha="center", va="top",
                        fontsize=SMALL, color=theme().muted)

    return save_figure((width, height), draw, path, layout=None)


def _image(figure: Figure, place: tuple[float, float, float, float], values: np.ndarray, cmap: str,
           norm: Normalize) -> Axes:
    """``values`` in a square of :data:`PANEL` inches whose lower left corner is at (left, bottom)
    inches of a (width, height) inch figure, pixel for pixel, without ticks."""
    left, bottom, width, height = place
    ax = figure.add_axes((left / width, bottom / height, PANEL / width, PANEL / height))
    show_image(ax, values, cmap, norm)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _lines(label: str) -> str:
    """A completeness label one fact per line, each at most 18 characters wide."""
    return "\n".join(wrap(part, 18) for line in label.split("\n") for part in line.split(" · "))


def baselines_jobs(study: BaselineStudy | None, names: Sequence[str], score: ScoreWords = LOGIT_WORDS
                   ) -> list[FigureJob]:
    """The study's one figure (none when the study did not run)."""
    if study is None:
        return []
    return [FigureJob(BASELINES_FIGURE, draw_baselines, (study, tuple(names)), {"score": score})]


__all__ = ["BASELINES_FIGURE", "baselines_jobs", "completeness_label", "draw_baselines", "row_title"]
