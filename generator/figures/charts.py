"""Arrays to image files: the confusion matrix, the training curves and the shared saver.

Example figures (the maps) are drawn by :mod:`generator.figures.example`.

Headless and deterministic: only matplotlib's object-oriented API with the Agg canvas
(pyplot is never imported: no backend is chosen, no global list of figures kept),
matplotlib's default style whatever the user's matplotlibrc says, a fixed dpi and no
timestamp or software metadata, so the same inputs always give the same bytes. The format
follows the file's suffix (PNG for the site; SVG and PDF for papers and slides, with a
fixed SVG id salt). Each figure is rendered into memory and written with
:func:`generator.plumbing.fileio.write_bytes_if_changed`, so unchanged figures keep their files.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatter, LogitFormatter, MaxNLocator, ScalarFormatter

from generator.figures.theme import COLUMN_INCHES, FONT, SMALL, theme
from generator.plumbing.fileio import write_bytes_if_changed
from generator.stages.results import TrainingHistory

DPI = 90
"""Resolution of every PNG (and of the images embedded in SVG and PDF), in dots per inch."""
FIGURE_FORMATS = {
    # suffix: (matplotlib format, metadata: no dates, no software name or version)
    ".png": ("png", {"Software": None}),
    ".svg": ("svg", {"Date": None, "Creator": None}),
    ".pdf": ("pdf", {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}),
}
"""The file formats :func:`save_figure` writes, by suffix."""
SVG_HASH_SALT = "gradient-gallery"
"""Fixed salt of the ids in SVG files (matplotlib draws a random one otherwise)."""
MAX_LABELLED_EPOCHS = 15  # up to this many epochs, each gets a tick; beyond, matplotlib picks integers


CONFUSION_TEXT_LIMIT = 20
"""Up to this many classes every non-zero cell of the confusion matrix prints its count (at 20,
cells of about 4 mm on the 6-inch figure still hold a 3-digit count); above it the matrix is a
heat map alone, and the home page tabulates the top confusions."""
MOST_TICK_LABELS = 20
"""At most this many class names label each axis of the confusion matrix."""


def tick_positions(classes: int, most: int = MOST_TICK_LABELS) -> range:
    """The class indexes that get an axis label: every class up to ``most``, else every
    ⌈K/most⌉-th from 0, so that at most ``most`` labels share an axis."""
    return range(0, classes, -(-classes // most))


def draw_confusion_matrix(confusion: np.ndarray, class_names: Sequence[str], path: Path) -> bool:
    """Draw the (K, K) confusion counts, rows = true class, columns = predicted class.

    Colour is the share of each true class (row-normalised) on a logarithmic scale, so that a
    handful of errors stays visible next to thousands of correct predictions; zero cells show the
    background. Up to :data:`CONFUSION_TEXT_LIMIT` classes every non-zero cell is annotated with
    its count; above, no cell is, and only the classes of :func:`tick_positions` are named.

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
        image = ax.imshow(np.ma.masked_equal(shares, 0.0), cmap="Blues", norm=norm, interpolation="none")
        for i in range(k if k <= CONFUSION_TEXT_LIMIT else 0):
            for j in range(k):
                if counts[i, j]:
                    dark = norm(shares[i, j]) > 0.6
                    ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=SMALL,
                            color="white" if dark else "black")
        ticks = tick_positions(k)
        names = [str(class_names[t]) for t in ticks]
        ax.set_xticks(ticks, names, fontsize=SMALL, parse_math=False)
        ax.set_yticks(ticks, names, fontsize=SMALL, parse_math=False)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title("Confusion matrix (test split)", fontsize=FONT)
        colorbar = figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
        colorbar.set_label("share of the true class (log scale)", fontsize=SMALL)
        colorbar.ax.tick_params(labelsize=SMALL)

    return save_figure((6.0, 5.2), draw, path)


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
            ax.set_title(title, fontsize=FONT)
            ax.set_xlabel("epoch")
            ax.set_ylabel(label)
            ax.set_xlim(0.5, max(n_epochs, 1) + 0.5)
            if n_epochs <= MAX_LABELLED_EPOCHS:
                ax.set_xticks(range(1, max(n_epochs, 1) + 1))
            else:
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(True, alpha=0.3)
            ax.tick_params(labelsize=SMALL)
            if train or validation:
                ax.legend(fontsize=SMALL)
            else:
                ax.text(0.5, 0.5, "no values", ha="center", va="center", transform=ax.transAxes)

    return save_figure((COLUMN_INCHES, 3.2), draw, path)


def save_figure(
    size: tuple[float, float], draw: Callable[[Figure], None], path: Path, layout: str | None = "constrained"
) -> bool:
    """Make a figure of ``size`` inches, let ``draw`` fill it, write it if changed.

    The format follows the suffix of ``path`` (see :data:`FIGURE_FORMATS`): PNG, SVG or PDF,
    each without dates or software versions, so the same drawing always gives the same bytes.

    The figure is drawn in the current :func:`~generator.figures.theme.theme` (its colours, and text
    kept as text in SVG); the site's figures are SVG, drawn in both themes by their jobs.

    Every text that ``draw`` makes (titles, labels, legends, tick labels it names) is literal:
    class names, the report title and layer names are user text, and a ``$`` in them must
    neither raise in matplotlib's mathtext parser nor be typeset. Only the numbers that
    matplotlib's own tick formatters write are mathtext (see :func:`_numbers_as_mathtext`).

    Raises:
        ValueError: ``path`` has another suffix.
    """
    path = Path(path)
    if path.suffix.lower() not in FIGURE_FORMATS:
        raise ValueError(f"cannot write {path.name}: the suffix must be one of {', '.join(FIGURE_FORMATS)}")
    file_format, metadata = FIGURE_FORMATS[path.suffix.lower()]
    buffer = io.BytesIO()
    with matplotlib.style.context("default"), matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT, **theme().rc()}):
        figure = Figure(figsize=size, dpi=DPI, layout=layout)
        FigureCanvasAgg(figure)
        try:
            with matplotlib.rc_context({"text.parse_math": False}):
                draw(figure)
            _numbers_as_mathtext(figure)
            figure.savefig(buffer, format=file_format, dpi=DPI, metadata=dict(metadata))
        finally:
            figure.clear()
    return write_bytes_if_changed(path, buffer.getvalue())


NUMBER_FORMATTERS = (ScalarFormatter, LogFormatter, LogitFormatter)
"""Tick formatters that write numbers only; log and logit ones write them as mathtext (10^{-2})."""


def _numbers_as_mathtext(figure: Figure) -> None:
    """Let the tick labels that a number formatter writes be mathtext again.

    Ticks made while ``draw`` ran were created literal, like every text of the drawing; on
    an axis whose labels come from one of :data:`NUMBER_FORMATTERS` (not fixed labels, which
    may be user text) they are numbers, so they get mathtext back. Ticks that matplotlib
    adds while saving take its default, mathtext; they too are formatter numbers, because
    fixed labels create all their ticks when they are set.
    """
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for formatter, ticks in ((axis.get_major_formatter(), axis.majorTicks),
                                     (axis.get_minor_formatter(), axis.minorTicks)):
                if isinstance(formatter, NUMBER_FORMATTERS):
                    for tick in ticks:
                        tick.label1.set_parse_math(True)
                        tick.label2.set_parse_math(True)
