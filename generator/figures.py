"""Arrays to PNG files: example maps, the confusion matrix and the training curves.

Headless and deterministic: only matplotlib's object-oriented API with the Agg canvas
(pyplot is never imported: no backend is chosen, no global list of figures kept),
matplotlib's default style whatever the user's matplotlibrc says, a fixed dpi and no
timestamp or software metadata, so the same inputs always give the same bytes. Each figure is rendered into memory and written with
:func:`generator.fileio.write_bytes_if_changed`, so unchanged figures keep their files.

Colour limits come from :class:`MapScales`, shared by every published figure, so that a
colour means the same value in every map of the site.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from generator.fileio import write_bytes_if_changed
from generator.report import AttributionRow, Example, TrainingHistory

DPI = 90
"""Resolution of every PNG, in dots per inch."""
# Example figures: a title band, then per row a row title, panel titles, four square maps
# (each in a column WIDTH_INCHES / 4 wide, with its colour bar) and the completeness line.
WIDTH_INCHES, TITLE_INCHES, ROW_HEIGHT_INCHES = 9.6, 0.4, 2.2
ROW_TITLE_INCHES, PANEL_TITLE_INCHES, MAP_INCHES = 0.3, 0.2, 1.32
INPUT_LABEL = "pixel intensity"
GRADIENT_LABEL = "∂logit/∂x\n(logit per unit intensity)"
SALIENCY_LABEL = "|∂logit/∂x|\n(logit per unit intensity)"
IG_LABEL = "IG (logit units)"
SIGNED_CMAP = "RdBu_r"
MAGNITUDE_CMAP = "viridis"
MIN_SCALE = 1e-12
MAX_LABELLED_EPOCHS = 15  # up to this many epochs, each gets a tick; beyond, matplotlib picks integers


@dataclass(frozen=True)
class MapScales:
    """Colour limits shared by all published maps, one per method.

    Attributes:
        gradient: the gradient colour bar spans [−gradient, +gradient], logit per unit intensity.
        saliency: the saliency colour bar spans [0, saliency], logit per unit intensity.
        integrated_gradients: the IG colour bar spans [−scale, +scale], logit units.
    """

    gradient: float
    saliency: float
    integrated_gradients: float


@dataclass(frozen=True)
class _PanelStyle:
    """How one column of an example figure is drawn."""

    title: str
    norm: Normalize
    cmap: str
    label: str
    extend: str
    """Colour-bar arrows: "both"/"max" where values beyond the norm are clipped."""


def map_scales(examples: Sequence[Example], percentile: float = 99.5) -> MapScales:
    """The shared colour limits: a high percentile of |value| over all maps of all examples.

    A percentile rather than the maximum keeps one extreme pixel from washing out every
    other map; the few values above it are clipped (the colour bars say so).

    Args:
        examples: every example that will be drawn with these scales.
        percentile: in [0, 100]; applied per method to |values| pooled over all rows.

    Returns:
        The scales; non-finite values are ignored, and a scale of 0 (or no data) becomes
        1e-12 so that colour norms stay valid.
    """
    rows = [row for example in examples for row in example.rows]

    def scale(maps: list[np.ndarray]) -> float:
        values = np.abs(np.concatenate([np.ravel(m).astype(np.float64) for m in maps] or [np.zeros(0)]))
        values = values[np.isfinite(values)]
        if values.size == 0:
            return MIN_SCALE
        return max(float(np.percentile(values, percentile)), MIN_SCALE)

    return MapScales(
        gradient=scale([row.gradient for row in rows]),
        saliency=scale([row.saliency for row in rows]),
        integrated_gradients=scale([row.integrated_gradients for row in rows]),
    )


def draw_example(example: Example, scales: MapScales, class_names: Sequence[str], path: Path) -> bool:
    """Draw one test image and its maps: one row per target class, four panels per row.

    Columns: input (gray, 0–1) | gradient (diverging, ±scale) | saliency (sequential,
    0–scale) | Integrated Gradients (diverging, ±scale); every panel has its colour bar.
    Under each row: the IG completeness check. A map holding NaN or Inf is replaced by
    a "non-finite values" note rather than drawn as a misleading blank.

    Args:
        example: the image (H, W) in [0, 1] and its rows (1 if correct, 2 if not).
        scales: the shared colour limits from :func:`map_scales`.
        class_names: display name per class index.
        path: the PNG to write.

    Returns:
        Whether the file changed.
    """
    title = (
        f"test #{example.test_index} · true {class_names[example.true_label]} · "
        f"predicted {class_names[example.predicted]} (p={example.confidence:.2f})"
    )
    signed_gradient = Normalize(-scales.gradient, scales.gradient)
    signed_ig = Normalize(-scales.integrated_gradients, scales.integrated_gradients)
    styles = (
        _PanelStyle("input", Normalize(0.0, 1.0), "gray", INPUT_LABEL, "neither"),
        _PanelStyle("gradient", signed_gradient, SIGNED_CMAP, GRADIENT_LABEL, "both"),
        _PanelStyle("saliency", Normalize(0.0, scales.saliency), MAGNITUDE_CMAP, SALIENCY_LABEL, "max"),
        _PanelStyle("Integrated Gradients", signed_ig, SIGNED_CMAP, IG_LABEL, "both"),
    )
    height = TITLE_INCHES + ROW_HEIGHT_INCHES * len(example.rows)

    def inches(figure: Figure, left: float, bottom: float, width: float, tall: float) -> Axes:
        return figure.add_axes((left / WIDTH_INCHES, bottom / height, width / WIDTH_INCHES, tall / height))

    def draw(figure: Figure) -> None:
        # A fixed grid rather than constrained layout: identical panel positions in every
        # figure, and about twice as fast. Class names are user text: parse_math=False
        # keeps a "$" in them from being read as mathtext.
        figure.text(0.5, 1 - 0.2 / height, title, ha="center", va="center", fontsize=11,
                    fontweight="bold", parse_math=False)
        for number, row in enumerate(example.rows):
            top = height - TITLE_INCHES - number * ROW_HEIGHT_INCHES
            map_bottom = top - ROW_TITLE_INCHES - PANEL_TITLE_INCHES - MAP_INCHES
            row_title = f"target {class_names[row.target]}{_role(row.target, example)}"
            figure.text(0.5, (top - 0.14) / height, row_title, ha="center", va="center", fontsize=10,
                        parse_math=False)
            maps = (example.image, row.gradient, row.saliency, row.integrated_gradients)
            for column, (values, style) in enumerate(zip(maps, styles)):
                left = column * WIDTH_INCHES / 4 + 0.05
                ax = inches(figure, left, map_bottom, MAP_INCHES, MAP_INCHES)
                bar = inches(figure, left + MAP_INCHES + 0.06, map_bottom, 0.09, MAP_INCHES)
                _panel(figure, ax, bar, values, style)
            figure.text(0.5, (map_bottom - 0.2) / height, completeness_text(row), ha="center", va="center",
                        fontsize=8, color="0.25")

    return _save((WIDTH_INCHES, height), draw, path, layout=None)


def completeness_text(row: AttributionRow) -> str:
    """The one-line completeness check, e.g. "ΣIG = 4.21 · Δlogit = 4.23 · rel. error 0.4% · 64 steps"."""
    check = row.completeness
    return (
        f"ΣIG = {check.attribution_sum:.2f} · Δlogit = {check.logit_delta:.2f} · "
        f"rel. error {format_percent(check.relative_error)} · {check.steps} steps"
    )


def format_percent(fraction: float) -> str:
    """A fraction as a percentage: 0.004 → "0.4%", 1.23e-5 → "0.001%", 0 → "0%", nan → "n/a"."""
    if not math.isfinite(fraction):
        return "n/a"
    percent = 100.0 * fraction
    return "0%" if percent == 0 else f"{percent:.1f}%" if abs(percent) >= 0.1 else f"{percent:.1g}%"


def _role(target: int, example: Example) -> str:
    """What the target class is to this image: " (predicted)", " (true)" or " (true = predicted)"."""
    roles = [name for name, label in (("true", example.true_label), ("predicted", example.predicted)) if label == target]
    return f" ({' = '.join(roles)})" if roles else ""


def _panel(figure: Figure, ax: Axes, bar: Axes, values: np.ndarray, style: _PanelStyle) -> None:
    """One map with its colour bar; a text note instead of the map if it is not all finite."""
    ax.set_title(style.title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    values = np.asarray(values)
    if np.all(np.isfinite(values)):
        ax.imshow(values, cmap=style.cmap, norm=style.norm, interpolation="nearest")
    else:
        height, width = values.shape[:2]
        ax.set_xlim(-0.5, width - 0.5)
        ax.set_ylim(height - 0.5, -0.5)
        ax.set_aspect("equal")
        ax.set_facecolor("0.92")
        ax.text(0.5, 0.5, "non-finite\nvalues", ha="center", va="center", fontsize=9,
                color="darkred", transform=ax.transAxes)
    mappable = ScalarMappable(norm=style.norm, cmap=style.cmap)
    colorbar = figure.colorbar(mappable, cax=bar, extend=style.extend)
    colorbar.set_label(style.label, fontsize=7)
    colorbar.ax.tick_params(labelsize=7)


def draw_confusion_matrix(confusion: np.ndarray, class_names: Sequence[str], path: Path) -> bool:
    """Draw the (K, K) confusion counts, rows = true class, columns = predicted class.

    Colour is the share of each true class on a logarithmic scale, so that a handful of
    errors stays visible next to thousands of correct predictions; zero cells are white.
    Every non-zero cell is annotated with its count.

    Args:
        confusion: (K, K) non-negative integer counts.
        class_names: K display names.
        path: the PNG to write.

    Returns:
        Whether the file changed.
    """
    counts = np.asarray(confusion, dtype=np.int64)
    k = counts.shape[0]
    row_totals = counts.sum(axis=1, keepdims=True)
    shares = counts / np.maximum(row_totals, 1)
    # The smallest possible non-zero share (one image of the largest class) sits well above
    # vmin, so that a single error still gets a visible tint rather than the palest colour.
    smallest_share = 1.0 / max(int(row_totals.max(initial=0)), 10)
    norm = LogNorm(vmin=smallest_share / 3.0, vmax=1.0, clip=True)

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        image = ax.imshow(np.ma.masked_equal(shares, 0.0), cmap="Blues", norm=norm, interpolation="nearest")
        for i in range(k):
            for j in range(k):
                if counts[i, j]:
                    dark = norm(shares[i, j]) > 0.6
                    ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=7,
                            color="white" if dark else "black")
        names = [str(name) for name in class_names]
        ax.set_xticks(range(k), names, fontsize=8, parse_math=False)
        ax.set_yticks(range(k), names, fontsize=8, parse_math=False)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title("Confusion matrix (test split)", fontsize=10)
        colorbar = figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
        colorbar.set_label("share of the true class (log scale)", fontsize=8)
        colorbar.ax.tick_params(labelsize=7)

    return _save((6.0, 5.2), draw, path)


def draw_training_curves(history: TrainingHistory, path: Path) -> bool:
    """Draw loss and accuracy per epoch, training and (when present) validation.

    Args:
        history: per-epoch values; the validation lists may be empty.
        path: the PNG to write.

    Returns:
        Whether the file changed.
    """
    panels = (
        ("loss", "loss (cross-entropy)", history.loss, history.val_loss),
        ("accuracy", "accuracy", history.accuracy, history.val_accuracy),
    )
    n_epochs = max(len(history.loss), len(history.accuracy), len(history.val_loss), len(history.val_accuracy))

    def draw(figure: Figure) -> None:
        for ax, (title, label, train, validation) in zip(figure.subplots(1, 2), panels):
            for values, name, style in ((train, "training", "-o"), (validation, "validation", "--s")):
                if values:
                    ax.plot(range(1, len(values) + 1), values, style, label=name, markersize=4)
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("epoch")
            ax.set_ylabel(label)
            ax.set_xlim(0.5, max(n_epochs, 1) + 0.5)
            if n_epochs <= MAX_LABELLED_EPOCHS:
                ax.set_xticks(range(1, max(n_epochs, 1) + 1))
            else:
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(True, alpha=0.3)
            if train or validation:
                ax.legend(fontsize=8)
            else:
                ax.text(0.5, 0.5, "no values", ha="center", va="center", transform=ax.transAxes)

    return _save((8.0, 3.2), draw, path)


def _save(
    size: tuple[float, float], draw: Callable[[Figure], None], path: Path, layout: str | None = "constrained"
) -> bool:
    """Make a figure of ``size`` inches, let ``draw`` fill it, write it as PNG if changed."""
    buffer = io.BytesIO()
    with matplotlib.style.context("default"):
        figure = Figure(figsize=size, dpi=DPI, layout=layout)
        FigureCanvasAgg(figure)
        try:
            draw(figure)
            figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
        finally:
            figure.clear()
    return write_bytes_if_changed(path, buffer.getvalue())
