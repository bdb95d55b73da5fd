"""The decoy check's figure: the decoy model's and the normal model's maps of three decoy images.

Drawing only: the maps come from :mod:`generator.stages.decoy`.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from generator.figures.charts import save_figure
from generator.figures.example import SIGNED_CMAP, robust_scale
from generator.figures.jobs import FigureJob
from generator.figures.trust import TITLES
from generator.stages.decoy import Decoy

DECOY_FIGURE = "figures/trust/decoy.png"
MODELS = ("decoy model", "normal model")


def draw_decoy(decoy: Decoy, path: Path) -> bool:
    """Rows: each example by the decoy model, then by the normal model; columns: the input, then
    each method, each map on its own symmetric scale (the shape, not the size, is compared)."""
    methods = list(decoy.share_decoy)
    examples = len(decoy.examples)
    rows, columns = 2 * examples, len(methods) + 1
    width, height = 1.5 * columns, 0.4 + 1.75 * max(rows, 1)

    def draw(figure: Figure) -> None:
        if examples == 0:
            figure.text(0.5, 0.5, "No decoy image was attributed.", ha="center", va="center")
            return
        grid = figure.subplots(rows, columns, squeeze=False)
        figure.subplots_adjust(left=0.09, right=0.99, top=1 - 0.4 / height, bottom=0.01, wspace=0.05, hspace=0.3)
        for e in range(examples):
            for m, model in enumerate(MODELS):
                row = 2 * e + m
                grid[row, 0].imshow(decoy.examples[e], cmap="gray", norm=Normalize(0, 1), interpolation="nearest")
                grid[row, 0].set_ylabel(f"image {e + 1}\n{model}", fontsize=8)
                for c, key in enumerate(methods):
                    values = decoy.example_maps[m, c, e]
                    scale = robust_scale([values])
                    grid[row, c + 1].imshow(values, cmap=SIGNED_CMAP, norm=Normalize(-scale, scale),
                                            interpolation="nearest")
                    if row == 0:
                        grid[row, c + 1].set_title(TITLES[key], fontsize=8)
        grid[0, 0].set_title("input", fontsize=8)
        for ax in grid.ravel():
            ax.set_xticks([])
            ax.set_yticks([])

    return save_figure((width, height), draw, path, layout=None)


def decoy_jobs(decoy: Decoy) -> list[FigureJob]:
    return [FigureJob(DECOY_FIGURE, draw_decoy, (decoy,))]


__all__ = ["DECOY_FIGURE", "decoy_jobs", "draw_decoy"]
