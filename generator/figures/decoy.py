"""The decoy check's figure: the decoy model's and the normal model's maps of one decoy image per corner.

Drawing only: the maps, and the rank accuracy printed under each, come from
:mod:`generator.stages.decoy` (the same maps and values its tables average).
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from generator.figures.charts import save_figure
from generator.figures.example import robust_scale
from generator.figures.input_image import show_image
from generator.figures.method_colours import is_signed, method_cmap
from generator.figures.theme import FONT, SMALL, theme
from generator.figures.jobs import FigureJob
from generator.figures.trust import title
from generator.methods import keys, method
from generator.plumbing.numbers import percent
from generator.stages.decoy import Decoy
from generator.stages.decoy_data import CORNERS, patch_slices

DECOY_FIGURE = "figures/trust/decoy.svg"
MODELS = ("decoy model", "normal model")
LABEL, PANEL, GAP, NOTE = 1.0, 0.8, 0.07, 0.22  # inches: row labels, a map, between maps, its number under it
ROW = PANEL + NOTE + 0.1
PAIR = 2 * ROW + 0.12  # the decoy model's and the normal model's rows of one example
HEAD = 0.62  # the note and the column titles


def _outline(ax: object, rows: slice, columns: slice, colour: str) -> None:
    """A rectangle around the pixels ``rows`` × ``columns`` (pixel centres at integers)."""
    ax.add_patch(Rectangle((columns.start - 0.5, rows.start - 0.5), columns.stop - columns.start,
                           rows.stop - rows.start, fill=False, edgecolor=colour, linewidth=1.2))


def draw_decoy(decoy: Decoy, path: Path) -> bool:
    """Rows: each example by the decoy model, then by the normal model; columns: the input (the
    unread border dashed), then each method in its colour map, each map on its own scale (the shape,
    not the size, is compared), the patch outlined and the map's rank accuracy under it."""
    methods = list(decoy.methods)
    examples = len(decoy.examples)
    columns = len(methods) + 1
    width, height = LABEL + columns * (PANEL + GAP), HEAD + examples * PAIR + 0.1
    extent = (decoy.placed.rows, decoy.placed.columns)

    def axes_at(figure: Figure, row: int, column: int) -> Axes:
        bottom = height - HEAD - (row // 2) * PAIR - (row % 2 + 1) * ROW
        return figure.add_axes(((LABEL + column * (PANEL + GAP)) / width, (bottom + NOTE) / height,
                                PANEL / width, PANEL / height))

    def draw(figure: Figure) -> None:
        if examples == 0:
            figure.text(0.5, 0.5, "No decoy image was attributed.", ha="center", va="center")
            return
        figure.text(0.5, 1 - 0.2 / height, "under each map: its rank accuracy", ha="center", va="center",
                    fontsize=FONT, color=theme().muted)
        for e, position in enumerate(decoy.example_positions):
            corner = CORNERS[int(decoy.corners[position])]
            patch = patch_slices(int(decoy.corners[position]), decoy.size, extent)
            for m, model in enumerate(MODELS):
                row = 2 * e + m
                ax = axes_at(figure, row, 0)
                show_image(ax, decoy.examples[e])
                figure.text((LABEL - 0.08) / width, ax.get_position().y0 + PANEL / 2 / height,
                            f"{corner}\n{model}", ha="right", va="center", fontsize=SMALL)
                if decoy.placed.unread_pixels:
                    ax.plot([-0.5, extent[1] - 0.5, extent[1] - 0.5], [extent[0] - 0.5, extent[0] - 0.5, -0.5],
                            color="tab:orange", linestyle="--", linewidth=1.0)
                _outline(ax, *patch, "tab:orange")
                _bare(ax, "input" if row == 0 else None)
                for c, key in enumerate(methods):
                    values = decoy.methods[key].example_maps[m, e]
                    scale = robust_scale([values])
                    signed = is_signed(key)
                    ax = axes_at(figure, row, c + 1)
                    ax.imshow(values, cmap=method_cmap(key), norm=Normalize(-scale if signed else 0, scale),
                              interpolation="none")
                    _outline(ax, *patch, "black" if signed else "white")
                    ax.set_xlabel(percent(decoy.methods[key].rank.values[m, position], 0), fontsize=SMALL, labelpad=2)
                    _bare(ax, (method(key).short if key in keys() else title(key)) if row == 0 else None)

    return save_figure((width, height), draw, path, layout=None)


def _bare(ax: Axes, title: str | None) -> None:
    """No ticks; ``title`` over the column's first panel."""
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=FONT)


def decoy_jobs(decoy: Decoy) -> list[FigureJob]:
    return [FigureJob(DECOY_FIGURE, draw_decoy, (decoy,))]


__all__ = ["DECOY_FIGURE", "decoy_jobs", "draw_decoy"]
