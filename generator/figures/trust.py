"""The figures of the trust section: the cascading-randomisation grid, the similarity curves and
the deletion and insertion curves. Drawing only; the numbers come from
:mod:`generator.stages.trust`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from generator.figures.charts import save_figure
from generator.figures.example import SIGNED_CMAP
from generator.figures.jobs import FigureJob
from generator.plumbing.numbers import fixed
from generator.stages.trust import DIRECTIONS, METHOD_KEYS, METRICS, Trust
from generator.stages.trust_records import FillEvidence

TITLES = {"gradient": "Gradient", "saliency": "Saliency", "gradient_x_input": "Gradient × input",
          "smoothgrad": "SmoothGrad", "integrated_gradients": "Integrated Gradients",
          "expected_gradients": "Expected Gradients",
          "random": "random order (control)", "image_only": "edge order, no model (control)"}
METRIC_TITLES = {"spearman_abs": "Spearman of |map|, every pixel",
                 "spearman_abs_support": "Spearman of |map|, non-zero pixels only",
                 "spearman": "Spearman of the signed maps", "ssim": "SSIM of the maps scaled to [0, 1]"}
FILL_TITLES = {"black": "black fill", "blur": "blurred-image fill", "road": "ROAD imputation"}
COLOURS = {"gradient": "tab:blue", "saliency": "tab:orange", "gradient_x_input": "tab:green",
           "smoothgrad": "tab:purple", "integrated_gradients": "tab:red", "expected_gradients": "tab:brown",
           "random": "0.45", "image_only": "0.7"}
GRID_FIGURE = "figures/trust/cascade-{n}.png"
SIMILARITY_FIGURE = "figures/trust/randomisation.png"
CURVES_FIGURE = "figures/trust/faithfulness.png"


def draw_cascade_grid(grid: np.ndarray, layers: Sequence[str], test_index: int, path) -> bool:
    """Rows = methods, columns = the trained model then each cascade step; each map on its own
    symmetric scale (randomised maps differ in size by orders of magnitude)."""
    rows, columns = len(METHOD_KEYS), grid.shape[0]
    titles = ["trained"] + [f"… + {name}" if k else f"{name} randomised" for k, name in enumerate(layers)]

    def draw(figure: Figure) -> None:
        axes = figure.subplots(rows, columns, squeeze=False)
        for r, key in enumerate(METHOD_KEYS):
            for c in range(columns):
                ax = axes[r][c]
                values = grid[c, r]
                scale = max(float(np.max(np.abs(values))), 1e-12)
                ax.imshow(values, cmap=SIGNED_CMAP, vmin=-scale, vmax=scale, interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                if r == 0:
                    ax.set_title(titles[c], fontsize=8)
                if c == 0:
                    ax.set_ylabel(TITLES[key], fontsize=8)
        figure.suptitle(f"test #{test_index}: maps as the layers are randomised, from the logits down "
                        "(each map on its own scale)", fontsize=9)

    return save_figure((1.5 * columns + 0.6, 1.45 * rows + 0.5), draw, path)


def draw_similarity(means: np.ndarray, lows: np.ndarray, highs: np.ndarray, layers: Sequence[str], path) -> bool:
    """Similarity to the trained maps against layers randomised (cascade), per method, with 95%
    bootstrap intervals. Arrays are (metrics, methods, layers)."""
    def draw(figure: Figure) -> None:
        axes = figure.subplots(2, (len(METRICS) + 1) // 2, sharey=True, sharex=True, squeeze=False).ravel()
        x = np.arange(len(layers))
        for ax, (m, metric) in zip(axes, enumerate(METRICS)):
            for k, key in enumerate(METHOD_KEYS):
                ax.plot(x, means[m, k], marker="o", color=COLOURS[key], label=TITLES[key])
                ax.fill_between(x, lows[m, k], highs[m, k], color=COLOURS[key], alpha=0.2, linewidth=0)
            ax.axhline(0.0, color="0.6", linewidth=0.8)
            ax.set_xticks(x, [f"≤ {name}" if i else name for i, name in enumerate(layers)], fontsize=7, rotation=20)
            ax.set_title(METRIC_TITLES[metric], fontsize=8)
            ax.set_xlabel("randomised from the logits down to", fontsize=7)
        for ax in axes[::2]:
            ax.set_ylabel("similarity to the trained maps", fontsize=8)
        axes[0].set_ylim(-0.2, 1.05)
        axes[-1].legend(fontsize=7, loc="upper right")

    return save_figure((10.0, 6.6), draw, path)


def draw_curves(fills: dict[str, FillEvidence], score: str, path) -> bool:
    """Mean score of the target (``score``: "logit" or "log-probability") along deletion and
    insertion, for every method and control and every fill (one row each, its own points), with a
    band of ±1.96 standard errors of the mean and the two ends of the paths as dotted lines."""
    names = [*METHOD_KEYS, "random", "image_only"]

    def draw(figure: Figure) -> None:
        axes = figure.subplots(len(fills), len(DIRECTIONS), sharex=True, sharey=True, squeeze=False)
        for r, (fill, evidence) in enumerate(fills.items()):
            fractions = evidence.fractions
            for c, direction in enumerate(DIRECTIONS):
                ax = axes[r][c]
                for end, label in ((evidence.image_score, "full image"), (evidence.filled_score, "fully filled")):
                    ax.axhline(float(np.mean(end)), color="0.5", linestyle=":", linewidth=0.9)
                    ax.annotate(f"{label} {fixed(np.mean(end), 1)}", (100, float(np.mean(end))), fontsize=6, color="0.35",
                                ha="right", va="bottom")
                for name in names:
                    per_image = getattr(evidence.curves[name], direction)
                    mean = per_image.mean(axis=0)
                    error = 1.96 * per_image.std(axis=0, ddof=1) / np.sqrt(max(len(per_image), 1))
                    style = "--" if name in ("random", "image_only") else "-"
                    ax.plot(100 * fractions, mean, style, color=COLOURS[name], label=TITLES[name], linewidth=1.2)
                    ax.fill_between(100 * fractions, mean - error, mean + error, color=COLOURS[name], alpha=0.15,
                                    linewidth=0)
                verb = "removed" if direction == "deletion" else "restored"
                ax.set_title(f"{direction}, {FILL_TITLES[fill]} ({len(evidence.sample)} images)", fontsize=9)
                ax.set_xlabel(f"% of pixels {verb}, highest-ranked first", fontsize=8)
                ax.set_ylabel(f"{score} of the class", fontsize=8)
        axes[0][1].legend(fontsize=7, loc="lower right")

    return save_figure((10.0, 3.3 * len(fills) + 0.4), draw, path)


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
                       for key in METHOD_KEYS] for metric in METRICS])  # (metrics, methods, layers, 3)
    jobs.append(FigureJob(SIMILARITY_FIGURE, draw_similarity,
                          (stats[..., 0], stats[..., 1], stats[..., 2], trust.layers)))
    jobs.append(curves_job(trust))
    return jobs
