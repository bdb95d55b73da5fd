"""The Changes page's figures: each image whose verdict changed, with the IG map of its true
class under the previous model and under this one, on one shared scale."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from generator.figures.charts import save_figure
from generator.figures.example import Panel, draw_panel, robust_scale, signed_panel
from generator.figures.jobs import FigureJob
from generator.figures.method_colours import INPUT_CMAP
from generator.figures.theme import COLUMN_INCHES, FONT, wrap
from generator.plumbing.numbers import fixed
from generator.stages.changes import ChangedImage, Changes
from generator.stages.model_output import LOGIT_WORDS, ScoreWords, score_words


def change_scale(changes: Changes) -> float:
    """One IG colour limit for every old and new map on the page (in the units of the scores)."""
    images = changes.newly_misclassified + changes.newly_fixed
    return robust_scale([m for c in images for m in (c.old_ig, c.new_ig)])


def draw_changed_image(change: ChangedImage, scale: float, class_names: Sequence[str], path: Path, *,
                       score: ScoreWords = LOGIT_WORDS, previous_score: ScoreWords = LOGIT_WORDS) -> bool:
    """Input | IG of the true class under the previous model | the same under this model; ``score``
    and ``previous_score`` name what this model's and the previous model's maps are of."""
    names = [str(n) for n in class_names]
    true = names[change.true_label]
    panels = (
        (change.image, Panel("input", Normalize(0.0, 1.0), INPUT_CMAP, "pixel intensity", "neither")),
        (change.old_ig, signed_panel(f"previous model: predicted {names[change.old_predicted]} "
                                     f"(p={fixed(change.old_confidence)})", scale,
                                     wrap(f"IG of {previous_score.of(true)} ({previous_score.units})", 18))),
        (change.new_ig, signed_panel(f"this model: predicted {names[change.new_predicted]} "
                                     f"(p={fixed(change.new_confidence)})", scale,
                                     wrap(f"IG of {score.of(true)} ({score.units})", 18))),
    )

    width, height, panel = COLUMN_INCHES, 2.3, 1.38

    def draw(figure: Figure) -> None:
        figure.text(0.5, 1 - 0.2 / height, f"test #{change.test_index} · true {true}", ha="center", va="center",
                    fontsize=FONT, fontweight="bold", parse_math=False)
        for column, (values, style) in enumerate(panels):
            left = 0.05 + column * width / 3
            ax = figure.add_axes((left / width, 0.12 / height, panel / width, panel / height))
            bar = figure.add_axes(((left + panel + 0.06) / width, 0.12 / height, 0.09 / width, panel / height))
            draw_panel(figure, ax, bar, values, replace(style, title=wrap(style.title, 22)))

    return save_figure((width, height), draw, path, layout=None)


def changes_jobs(changes: Changes | None, class_names: Sequence[str], score: ScoreWords = LOGIT_WORDS
                 ) -> tuple[list[FigureJob], dict[int, str]]:
    """A figure per image whose verdict changed, and test index → its path; ``score`` names what
    this build's maps are of (the previous build's come from its recorded ``model.output``)."""
    if changes is None:
        return [], {}
    shown = changes.newly_misclassified + changes.newly_fixed
    paths = {c.test_index: f"figures/changes/test-{c.test_index:05d}.svg" for c in shown}
    scale = change_scale(changes)
    words = {"score": score, "previous_score": score_words(changes.previous_output)}
    return [FigureJob(paths[c.test_index], draw_changed_image, (c, scale, tuple(class_names)), words)
            for c in shown], paths
