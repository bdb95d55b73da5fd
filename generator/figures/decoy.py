"""The decoy check's figure: the decoy model's and the normal model's maps of one decoy image per corner.

Drawing only: the maps, and the rank accuracy printed under each, come from
:mod:`generator.stages.decoy` (the same maps and values its tables average).
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from generator.figures.charts import save_figure
from generator.figures.example import MAGNITUDE_CMAP, SIGNED_CMAP, robust_scale
from generator.figures.jobs import FigureJob
from generator.figures.trust import TITLES
from generator.plumbing.numbers import percent
from generator.stages.decoy import Decoy
from generator.stages.decoy_data import CORNERS, patch_slices

DECOY_FIGURE = "figures/trust/decoy.png"
MODELS = ("decoy model", "normal model")
FONT = 10


def _outline(ax: object, rows: slice, columns: slice, colour: str) -> None:
    """A rectangle around the pixels ``rows`` × ``columns`` (pixel centres at integers)."""
    ax.add_patch(Rectangle((columns.start - 0.5, rows.start - 0.5), columns.stop - columns.start,
                           rows.stop - rows.start, fill=False, edgecolor=colour, linewidth=1.2))


def draw_decoy(decoy: Decoy, path: Path) -> bool:
    """Rows: each example by the decoy model, then by the normal model; columns: the input (the
    unread border dashed), then each method, each map on its own symmetric scale (the shape, not
    the size, is compared), the patch outlined and the map's rank accuracy under it."""
    methods = list(decoy.methods)
    examples = len(decoy.examples)
    rows, columns = 2 * examples, len(methods) + 1
    width, height = 0.2 + 1.15 * columns, 0.6 + 1.5 * max(rows, 1)
    extent = (decoy.placed.rows, decoy.placed.columns)

    def draw(figure: Figure) -> None:
        if examples == 0:
            figure.text(0.5, 0.5, "No decoy image was attributed.", ha="center", va="center")
            return
        grid = figure.subplots(rows, columns, squeeze=False)
        figure.subplots_adjust(left=0.4 / width, right=0.99, top=1 - 0.6 / height, bottom=0.01, wspace=0.08,
                               hspace=0.45)
        for e, position in enumerate(decoy.example_positions):
            patch = patch_slices(int(decoy.corners[position]), decoy.size, extent)
            for m, model in enumerate(MODELS):
                row = 2 * e + m
                ax = grid[row, 0]
                ax.imshow(decoy.examples[e], cmap="gray", norm=Normalize(0, 1), interpolation="nearest")
                ax.set_ylabel(f"{CORNERS[int(decoy.corners[position])]}\n{model}", fontsize=FONT)
                if decoy.placed.unread_pixels:
                    ax.plot([-0.5, extent[1] - 0.5, extent[1] - 0.5], [extent[0] - 0.5, extent[0] - 0.5, -0.5],
                            color="tab:orange", linestyle="--", linewidth=1.0)
                _outline(ax, *patch, "tab:orange")
                for c, key in enumerate(methods):
                    values = decoy.methods[key].example_maps[m, e]
                    scale = robust_scale([values])
                    ax = grid[row, c + 1]
                    magnitude = key == "saliency"  # as in the gallery: |gradient| on viridis
                    ax.imshow(values, cmap=MAGNITUDE_CMAP if magnitude else SIGNED_CMAP,
                              norm=Normalize(0 if magnitude else -scale, scale), interpolation="nearest")
                    _outline(ax, *patch, "white" if magnitude else "black")
                    ax.set_xlabel(f"rank acc. {percent(decoy.methods[key].rank.values[m, position], 0)}",
                                  fontsize=FONT - 1, labelpad=2)
                    if row == 0:
                        ax.set_title(TITLES[key].replace(" ", "\n", 1), fontsize=FONT)
        grid[0, 0].set_title("input", fontsize=FONT)
        for ax in grid.ravel():
            ax.set_xticks([])
            ax.set_yticks([])

    return save_figure((width, height), draw, path, layout=None)


def decoy_jobs(decoy: Decoy) -> list[FigureJob]:
    return [FigureJob(DECOY_FIGURE, draw_decoy, (decoy,))]


__all__ = ["DECOY_FIGURE", "decoy_jobs", "draw_decoy"]
