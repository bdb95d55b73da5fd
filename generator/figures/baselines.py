"""The baseline study's figure: three examples, IG with four baselines and Expected Gradients.

Drawing only: the maps and numbers come from :mod:`generator.stages.baselines`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from generator.figures.charts import save_figure
from generator.figures.example import SIGNED_CMAP, robust_scale
from generator.figures.jobs import FigureJob
from generator.plumbing.numbers import fixed, percent
from generator.stages.baselines import BLUR_SIGMA, BaselineStudy
from generator.stages.checked_maps import EgError
from generator.stages.model_output import LOGIT_WORDS, ScoreWords

BASELINES_FIGURE = "figures/mathematics/baselines.png"
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
    """One row per example: the input, then each map on the row's one symmetric scale, each with
    its completeness line (:func:`completeness_label`); ``score``
    names what the maps are of in the row titles."""
    rows, columns = len(study.test_index), len(COLUMN_TITLES)
    width, height = 2.0 * (columns + 1), 0.8 + 2.55 * max(rows, 1)

    def draw(figure: Figure) -> None:
        if rows == 0:
            figure.text(0.5, 0.5, "No example is published in this build.", ha="center", va="center")
            return
        eg_errors = study.eg_errors()
        grid = figure.subplots(rows, columns + 1, squeeze=False)
        figure.subplots_adjust(left=0.01, right=0.93, top=1 - 0.55 / height, bottom=0.5 / height, wspace=0.08, hspace=0.75)
        for k in range(rows):
            scale = robust_scale([study.maps[k]])
            norm = Normalize(-scale, scale)
            grid[k, 0].imshow(study.images[k], cmap="gray", norm=Normalize(0, 1), interpolation="nearest")
            grid[k, 0].set_title("input", fontsize=8)
            for c in range(columns):
                ax = grid[k, c + 1]
                shown = ax.imshow(study.maps[k, c], cmap=SIGNED_CMAP, norm=norm, interpolation="nearest")
                ax.set_title(COLUMN_TITLES[c], fontsize=8)
                ax.set_xlabel(completeness_label(study, k, c, eg_errors[k], score.noun), fontsize=7)
            figure.colorbar(shown, ax=grid[k, -1], fraction=0.05, pad=0.04, extend="both").ax.tick_params(labelsize=7)
            top = grid[k, 0].get_position().y1
            figure.text(0.5, top + 0.42 / height, row_title(study, k, names, score), ha="center", fontsize=9,
                        fontweight="bold", parse_math=False)
        for ax in grid.ravel():
            ax.set_xticks([])
            ax.set_yticks([])

    return save_figure((width, height), draw, path, layout=None)


def baselines_jobs(study: BaselineStudy | None, names: Sequence[str], score: ScoreWords = LOGIT_WORDS
                   ) -> list[FigureJob]:
    """The study's one figure (none when the study did not run)."""
    if study is None:
        return []
    return [FigureJob(BASELINES_FIGURE, draw_baselines, (study, tuple(names)), {"score": score})]


__all__ = ["BASELINES_FIGURE", "baselines_jobs", "completeness_label", "draw_baselines", "row_title"]
