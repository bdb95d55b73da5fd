"""The figures of the trust section: the cascading-randomisation grid, the similarity curves and
the deletion and insertion curves. Drawing only; the numbers come from
:mod:`generator.stages.trust`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from generator.figures.charts import save_figure
from generator.figures.method_colours import is_signed, method_cmap
from generator.figures.theme import COLUMN_INCHES, FONT, SMALL, theme, wrap
from generator.figures.jobs import FigureJob
from generator.plumbing.numbers import fixed
from generator.methods import keys, method
from generator.stages.trust import DIRECTIONS, METRICS, Trust
from generator.stages.trust_records import FillEvidence

CONTROL_TITLES = {"random": "random order (control)", "image_only": "edge order, no model (control)"}
"""The faithfulness curves' controls, which are not methods."""
METRIC_TITLES = {"spearman_abs": "Spearman of |map|, every pixel",
                 "spearman_abs_support": "Spearman of |map|, non-zero pixels only",
                 "spearman": "Spearman of the signed maps", "ssim": "SSIM of the maps scaled to [0, 1]"}
FILL_TITLES = {"black": "black fill", "blur": "blurred-image fill", "road": "ROAD imputation"}
CONTROL_COLOURS = {"random": "0.5", "image_only": "0.62"}
CONTROLS = tuple(CONTROL_TITLES)
NUDGE = 0.035
"""Sideways shift between neighbouring methods on the similarity chart (in layer steps)."""
PANEL, GAP, ROW_LABEL, HEAD = 1.15, 0.08, 1.0, 0.95  # the cascade grid, in inches
GRID_FIGURE = "figures/trust/cascade-{n}.svg"
SIMILARITY_FIGURE = "figures/trust/randomisation.svg"
CURVES_FIGURE = "figures/trust/faithfulness.svg"


def draw_cascade_grid(grid: np.ndarray, layers: Sequence[str], test_index: int, path) -> bool:
    """Rows = methods, columns = the trained model then each cascade step; each map on its own
    scale (randomised maps differ in size by orders of magnitude), in its method's colour map."""
    rows, columns = len(keys()), grid.shape[0]
    titles = ["trained"] + [wrap(f"… + {name}" if k else f"{name} randomised", 13) for k, name in enumerate(layers)]
    step = PANEL + GAP
    width, height = ROW_LABEL + columns * step, HEAD + rows * step

    def draw(figure: Figure) -> None:
        figure.text(0.5, 1 - 0.25 / height, wrap(f"test #{test_index}: maps as the layers are randomised, from the "
                                                 "logits down (each map on its own scale)", 58),
                    ha="center", va="center", fontsize=FONT, parse_math=False)
        for r, key in enumerate(keys()):
            bottom = height - HEAD - (r + 1) * step + GAP
            for c in range(columns):
                ax = figure.add_axes(((ROW_LABEL + c * step) / width, bottom / height, PANEL / width, PANEL / height))
                values = grid[c, r]
                scale = max(float(np.max(np.abs(values))), 1e-12)
                ax.imshow(values, cmap=method_cmap(key), vmin=-scale if is_signed(key) else 0.0, vmax=scale,
                          interpolation="none")
                ax.set_xticks([])
                ax.set_yticks([])
                if r == 0:
                    ax.set_title(titles[c], fontsize=FONT, parse_math=False)
            figure.text((ROW_LABEL - 0.08) / width, (bottom + PANEL / 2) / height, method(key).short, ha="right",
                        va="center", fontsize=FONT)

    return save_figure((width, height), draw, path, layout=None)


def draw_similarity(means: np.ndarray, lows: np.ndarray, highs: np.ndarray, layers: Sequence[str], path) -> bool:
    """Similarity to the trained maps against layers randomised (cascade), per method, with 95%
    bootstrap intervals. Arrays are (metrics, methods, layers). Each method has its own dash
    pattern and marker and is nudged sideways a little, so lines that coincide stay visible."""
    def draw(figure: Figure) -> None:
        axes = figure.subplots(2, (len(METRICS) + 1) // 2, sharey=True, sharex=True, squeeze=False).ravel()
        x = np.arange(len(layers), dtype=float)
        for ax, (m, metric) in zip(axes, enumerate(METRICS)):
            for k, key in enumerate(keys()):
                shifted = x + NUDGE * (k - (len(keys()) - 1) / 2)
                ax.plot(shifted, means[m, k], color=colour(key), label=title(key), **line_style(key))
                ax.fill_between(shifted, lows[m, k], highs[m, k], color=colour(key), alpha=0.15, linewidth=0)
            ax.axhline(0.0, color=theme().faint, linewidth=0.8)
            ax.set_xticks(x, [wrap(f"≤ {name}" if i else name, 10) for i, name in enumerate(layers)], fontsize=SMALL)
            ax.tick_params(labelsize=SMALL)
            ax.set_title(wrap(METRIC_TITLES[metric], 34), fontsize=FONT)
        for ax in axes[len(axes) // 2:]:
            ax.set_xlabel(wrap("randomised from the logits down to", 22), fontsize=SMALL)
        for ax in axes[::2]:
            ax.set_ylabel("similarity to the trained maps", fontsize=SMALL)
        axes[0].set_ylim(-0.2, 1.05)
        figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=SMALL)

    return save_figure((COLUMN_INCHES, 7.6), draw, path)


def draw_curves(fills: dict[str, FillEvidence], score: str, path) -> bool:
    """Mean score of the target (``score``: "logit" or "log-probability") along deletion and
    insertion, for every method and control and every fill (one row each, its own points), with a
    band of ±1.96 standard errors of the mean and the two ends of the paths as dotted lines."""
    names = [*keys(), "random", "image_only"]

    def draw(figure: Figure) -> None:
        axes = figure.subplots(len(fills), len(DIRECTIONS), sharex=True, sharey=True, squeeze=False)
        for r, (fill, evidence) in enumerate(fills.items()):
            fractions = evidence.fractions
            for c, direction in enumerate(DIRECTIONS):
                ax = axes[r][c]
                for end, label in ((evidence.image_score, "full image"), (evidence.filled_score, "fully filled")):
                    ax.axhline(float(np.mean(end)), color=theme().faint, linestyle=":", linewidth=0.9)
                    ax.annotate(f"{label} {fixed(np.mean(end), 1)}", (100, float(np.mean(end))), fontsize=SMALL,
                                color=theme().muted, ha="right", va="bottom")
                for name in names:
                    per_image = getattr(evidence.curves[name], direction)
                    mean = per_image.mean(axis=0)
                    error = 1.96 * per_image.std(axis=0, ddof=1) / np.sqrt(max(len(per_image), 1))
                    style = {"linestyle": "--"} if name in CONTROLS else line_style(name, markevery=0.2)
                    ax.plot(100 * fractions, mean, color=colour(name), label=title(name), linewidth=1.2, **style)
                    ax.fill_between(100 * fractions, mean - error, mean + error, color=colour(name), alpha=0.15,
                                    linewidth=0)
                verb = "removed" if direction == "deletion" else "restored"
                ax.set_title(wrap(f"{direction}, {FILL_TITLES[fill]} ({len(evidence.sample)} images)", 34),
                             fontsize=FONT)
                ax.tick_params(labelsize=SMALL)
                if r == len(fills) - 1:
                    ax.set_xlabel(wrap(f"% of pixels {verb}, highest-ranked first", 26), fontsize=SMALL)
                if c == 0:
                    ax.set_ylabel(f"{score} of the class", fontsize=SMALL)
        figure.legend(*axes[0][0].get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=SMALL)

    return save_figure((COLUMN_INCHES, 2.7 * len(fills) + 1.9), draw, path)


def title(key: str) -> str:
    """The name of method or control ``key`` in the charts' legends and the pages' tables."""
    return CONTROL_TITLES[key] if key in CONTROL_TITLES else method(key).title


def colour(key: str) -> str:
    """The line colour of method or control ``key`` (the same on every chart)."""
    return CONTROL_COLOURS[key] if key in CONTROL_COLOURS else method(key).colour


def line_style(key: str, markevery: float | None = None) -> dict[str, object]:
    """The dash pattern and marker of method ``key`` (the same on every chart; the catalogue's:
    the pairs whose lines can coincide, Gradient and Saliency, Gradient × input and IG, differ in
    both, and hollow markers let the filled marker of the method under them show through)."""
    m = method(key)
    return {"linestyle": m.dashes, "marker": m.marker, "markersize": 5, "markevery": markevery,
            "markerfacecolor": "none" if m.hollow else m.colour}


def curves_job(trust: Trust) -> FigureJob:
    """The deletion and insertion curves of every fill."""
    return FigureJob(CURVES_FIGURE, draw_curves, (trust.evidence.fills, trust.evidence.curve_score))


def trust_jobs(trust: Trust) -> list[FigureJob]:
    """The grid for the first two sample images, the similarity curves and the faithfulness curves."""
    grid = trust.evidence.grid
    jobs = [FigureJob(GRID_FIGURE.format(n=n + 1), draw_cascade_grid,
                      (np.ascontiguousarray(grid[:, :, n]), trust.layers, int(trust.sample[n])))
            for n in range(min(2, grid.shape[2]))]
    stats = np.array([[[[getattr(step, metric).mean, getattr(step, metric).low, getattr(step, metric).high]
                        for step in trust.methods[key].cascade]
                       for key in keys()] for metric in METRICS])  # (metrics, methods, layers, 3)
    jobs.append(FigureJob(SIMILARITY_FIGURE, draw_similarity,
                          (stats[..., 0], stats[..., 1], stats[..., 2], trust.layers)))
    jobs.append(curves_job(trust))
    return jobs
