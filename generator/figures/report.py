"""The figure jobs of the report pages: map tiles and colour bars, confusion matrix, training
curves and (with the whole test set) the class-mean maps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.figures.charts import draw_confusion_matrix, draw_training_curves
from generator.figures.example import draw_class_means
from generator.figures.jobs import FigureJob
from generator.figures.strong_tiles import strong_jobs
from generator.figures.tiles import draw_colour_bar, draw_tile
from generator.stages.gallery import CLASS_PAGE, Gallery, colour_bar_path, tile_jobs
from generator.stages.model_output import LOGIT_WORDS, ScoreWords
from generator.stages.results import Evaluation, TrainingHistory


@dataclass(frozen=True)
class ReportFigures:
    """Docs-relative paths of the report's figures (the tiles' paths come from the gallery)."""

    confusion: str = "figures/confusion.svg"
    curves: str | None = "figures/training-curves.svg"
    means: dict[int, str] = field(default_factory=dict)


def report_jobs(gallery: Gallery, evaluation: Evaluation, history: TrainingHistory | None, whole: Any,
                class_names: Sequence[str], score: ScoreWords = LOGIT_WORDS) -> tuple[list[FigureJob], ReportFigures]:
    """Every figure of the home, class and misclassified pages, and where each goes; ``score``
    names what the maps are of (the tiles' colour bars take it from the gallery's scales). Class
    means are drawn for the classes with a class page only."""
    paged = {page.page for page in gallery.pages}
    means = [m for m in (whole.means if whole else ()) if CLASS_PAGE.format(k=m.label) in paged]
    figures = ReportFigures(curves=None if history is None else ReportFigures.curves,
                            means={} if whole is None else {m.label: f"figures/means/class-{m.label}.svg" for m in means})
    jobs = [FigureJob(path, draw_tile, (values, scale)) for path, values, scale in tile_jobs(gallery)]
    jobs += strong_jobs(gallery)
    jobs += [FigureJob(colour_bar_path(m.key), draw_colour_bar, (m.scale,)) for m in gallery.methods]
    jobs += [FigureJob(figures.means[m.label], draw_class_means, (m, class_names), {"score": score})
             for m in means]
    jobs.append(FigureJob(figures.confusion, draw_confusion_matrix, (evaluation.confusion, class_names)))
    if history is not None:
        jobs.append(FigureJob(figures.curves, draw_training_curves, (history,)))
    return jobs, figures
