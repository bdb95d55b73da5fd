"""Example figures: one test image and all its maps; and the per-class mean maps.

Colour limits come from :class:`MapScales`, the gallery's (one per method), so that a
colour means the same value here as on the gallery pages. Drawing only; nothing is computed
here beyond colour limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from generator.stages.colour_scale import LIMIT_PERCENTILE, MIN_LIMIT, limit
from generator.figures.charts import save_figure
from generator.figures.input_image import show_image
from generator.figures.method_colours import INPUT_CMAP, MAGNITUDE_CMAP, SIGNED_CMAP
from generator.methods import Method, contrast_methods, keys, methods
from generator.figures.theme import COLUMN_INCHES as SITE_WIDTH, FONT, SMALL, theme, wrap
from generator.stages.gallery import method_limit
from generator.plumbing.numbers import fixed, percent, percent_exact, percent_rounded_up
from generator.stages.model_output import LOGIT_WORDS, PER_INTENSITY, ScoreWords
from generator.stages.results import ClassMeans, Completeness, Example

MIN_SCALE = MIN_LIMIT
# Layout in inches: a title band, then per row a row title, panel titles, square maps (each
# in a column COLUMN_INCHES wide with its colour bar) and the completeness line.
COLUMN_INCHES, TITLE_INCHES, ROW_HEIGHT_INCHES = 2.4, 0.4, 2.2
ROW_TITLE_INCHES, PANEL_TITLE_INCHES, MAP_INCHES = 0.3, 0.2, 1.32


def n_columns() -> int:
    """The columns of :func:`draw_example`: the input, then one per method of the catalogue."""
    return 1 + len(methods())


@dataclass(frozen=True)
class MapScales:
    """Colour limits shared by all published maps, one per method (see each colour bar).

    Signed maps span [−scale, +scale], unsigned ones (saliency) [0, scale], in each method's
    unit (contrast maps share their method's scale). Read as ``scales.of(key)`` or
    ``scales.<key>``.

    Attributes:
        limits: method key → its colour limit, catalogue order.
    """

    limits: Mapping[str, float]

    def of(self, key: str) -> float:
        """The colour limit of method ``key``."""
        return self.limits[key]

    def __getattr__(self, name: str) -> float:
        limits = self.__dict__.get("limits")
        if limits is None or name not in limits:
            raise AttributeError(name)
        return limits[name]


@dataclass(frozen=True)
class Panel:
    """How one column of an example figure is drawn."""

    title: str
    norm: Normalize
    cmap: str
    label: str
    extend: str
    """Colour-bar arrows: "both"/"max" where values beyond the norm are clipped."""


def robust_scale(maps: Sequence[np.ndarray], percentile: float = LIMIT_PERCENTILE) -> float:
    """The gallery's colour limit (:func:`generator.stages.colour_scale.limit`): a high percentile of
    |value| over the finite, non-zero values, so that the composite figure and the tiles agree."""
    return limit(maps, percentile)


def map_scales(examples: Sequence[Example], percentile: float = LIMIT_PERCENTILE) -> MapScales:
    """The shared colour limits: per method, the gallery's limit (``percentile`` of |value| over
    the inked pixels of all maps of all examples; contrast maps count for IG)."""
    return MapScales({key: method_limit(key, examples, percentile) for key in keys()})


def signed_panel(title: str, scale: float, label: str) -> Panel:
    """A panel of a signed map (gradient, Gradient × input, SmoothGrad, IG, EG: one colour map)."""
    return Panel(title, Normalize(-scale, scale), SIGNED_CMAP, label, "both")


def method_panel(m: Method, title: str, scale: float, score: ScoreWords) -> Panel:
    """The panel of method ``m``'s maps: its colour map (signed ones on [−scale, +scale], with
    arrows both ways; unsigned on [0, scale]) and its colour bar's label, the catalogue's
    ``bar_label`` filled in with the units of ``score``."""
    label = m.bar_label.format(d=f"∂{score.symbol}/∂x", per_intensity=f"({score.symbol} {PER_INTENSITY})",
                               units=score.units, short=m.short)
    if m.signed:
        return signed_panel(title, scale, label)
    return Panel(title, Normalize(0.0, scale), m.cmap, label, "max")


def example_panels(scales: MapScales, score: ScoreWords = LOGIT_WORDS) -> tuple[Panel, ...]:
    """The columns of :func:`draw_example` (the input, then each method under its prose name),
    their colour bars labelled in the units of ``score``."""
    return (Panel("input", Normalize(0.0, 1.0), INPUT_CMAP, "pixel intensity", "neither"),
            *(method_panel(m, m.prose, scales.of(m.key), score) for m in methods()))


def contrast_panels(example: Example, scales: MapScales, names: Sequence[str], score: ScoreWords = LOGIT_WORDS
                    ) -> tuple[str | Panel, ...]:
    """A mistake's contrast row of :func:`draw_example`: its title, then a panel per method with
    a contrast map (IG, EG)."""
    predicted, true = score.of(names[example.predicted]), score.of(names[example.true_label])
    title = (f"contrast: {predicted} (predicted) − {true} (true); red pushed towards "
             f"{names[example.predicted]}")
    return (title, *(method_panel(m, f"{m.short} of {predicted} − {true}", scales.of(m.key), score)
                     for m in contrast_methods()))


def draw_example(example: Example, scales: MapScales, class_names: Sequence[str], path: Path, *,
                 score: ScoreWords = LOGIT_WORDS) -> bool:
    """Draw one test image and its maps; returns whether the file (PNG, SVG or PDF) changed.

    One row per target class (the predicted class, then the true class for a mistake),
    a panel per column of :func:`n_columns` (the input, then each method of the catalogue),
    each with its colour bar, and the IG completeness check beneath (red when above the
    tolerance). A misclassified image gets a last row with the contrast maps, IG and EG of
    logit_pred − logit_true. A map holding NaN or Inf shows a "non-finite values" note
    instead of a misleading blank. ``score`` names what the maps are of: the class logit, or
    the log-probability for a model that outputs probabilities.
    """
    names = [str(name) for name in class_names]
    columns = example_panels(scales, score)
    width, height = figure_size(example)
    title = (f"test #{example.test_index} · true {names[example.true_label]} · "
             f"predicted {names[example.predicted]} (p={fixed(example.confidence)})")

    def draw(figure: Figure) -> None:
        # A fixed grid: identical panel positions in every figure. Class names are user
        # text: parse_math=False keeps a "$" in them from being read as mathtext.
        figure.text(0.5, 1 - 0.2 / height, title, ha="center", va="center", fontsize=11,
                    fontweight="bold", parse_math=False)
        for number, row in enumerate(example.rows):
            maps = (example.image, *(row.map(key) for key in keys()))
            row_title = f"target {names[row.target]}{_role(row.target, example)}"
            _draw_row(figure, (width, height), number, row_title, list(zip(maps, columns)), row.completeness,
                      f"Δ{score.symbol}")
        if example.contrast is not None:
            row_title, *contrast = contrast_panels(example, scales, names, score)
            panels = [(example.image, columns[0]),
                      *((example.contrast.map(m.key), panel) for m, panel in zip(contrast_methods(), contrast))]
            _draw_row(figure, (width, height), len(example.rows), row_title, panels, example.contrast.completeness,
                      f"Δ({score.noun} difference)")

    return save_figure((width, height), draw, path, layout=None)


def figure_size(example: Example) -> tuple[float, float]:
    """(width, height) in inches of :func:`draw_example`'s figure: :func:`n_columns`, a band per row."""
    n_rows = len(example.rows) + (example.contrast is not None)
    return COLUMN_INCHES * n_columns(), TITLE_INCHES + ROW_HEIGHT_INCHES * n_rows


def _draw_row(figure: Figure, size: tuple[float, float], number: int, title: str,
              panels: list[tuple[np.ndarray, Panel] | None], check: Completeness, delta_label: str) -> None:
    width, height = size
    top = height - TITLE_INCHES - number * ROW_HEIGHT_INCHES
    bottom = top - ROW_TITLE_INCHES - PANEL_TITLE_INCHES - MAP_INCHES
    figure.text(0.5, (top - 0.14) / height, title, ha="center", va="center", fontsize=10, parse_math=False)
    for column, panel in enumerate(panels):
        if panel is None:
            continue
        left = column * COLUMN_INCHES + 0.08
        ax = figure.add_axes((left / width, bottom / height, MAP_INCHES / width, MAP_INCHES / height))
        bar = figure.add_axes(((left + MAP_INCHES + 0.06) / width, bottom / height, 0.09 / width, MAP_INCHES / height))
        draw_panel(figure, ax, bar, *panel)
    flagged = not check.within_tolerance
    figure.text(0.5, (bottom - 0.2) / height, completeness_text(check, delta_label), ha="center", va="center",
                fontsize=8, color="firebrick" if flagged else "0.25", fontweight="bold" if flagged else "normal")


def completeness_text(check: Completeness, delta_label: str = "Δlogit") -> str:
    """The one-line completeness check, e.g. "ΣIG = 4.21 · Δlogit = 4.23 · rel. error 0.47% · 65 steps";
    an error above the tolerance is rounded up, and says so, so that it never reads as on it."""
    above = not check.within_tolerance and np.isfinite(check.relative_error)
    error = (f"{percent_rounded_up(check.relative_error)} (rounded up)" if above
             else percent(check.relative_error))
    text = (f"ΣIG = {fixed(check.attribution_sum)} · {delta_label} = {fixed(check.logit_delta)} · "
            f"rel. error {error} · {check.steps} steps")
    if not check.within_tolerance:
        text += f" · ABOVE THE {percent_exact(check.tolerance)} TOLERANCE"
    return text


def _role(target: int, example: Example) -> str:
    """What the target class is to this image: " (predicted)", " (true)" or " (true = predicted)"."""
    roles = [name for name, label in (("true", example.true_label), ("predicted", example.predicted)) if label == target]
    return f" ({' = '.join(roles)})" if roles else ""


def draw_panel(figure: Figure, ax: Axes, bar: Axes, values: np.ndarray, style: Panel) -> None:
    """One map (or input: a colour one in its colours) with its colour bar; a text note instead of
    the map if it is not all finite."""
    ax.set_title(style.title, fontsize=FONT, parse_math=False)
    ax.set_xticks([])
    ax.set_yticks([])
    values = np.asarray(values)
    if np.all(np.isfinite(values)):
        show_image(ax, values, style.cmap, style.norm)
    else:
        rows, cols = values.shape[:2]
        ax.set_xlim(-0.5, cols - 0.5)
        ax.set_ylim(rows - 0.5, -0.5)
        ax.set_aspect("equal")
        ax.set_facecolor(theme().missing)
        ax.text(0.5, 0.5, "non-finite\nvalues", ha="center", va="center", fontsize=9,
                color="darkred", transform=ax.transAxes)
    colorbar = figure.colorbar(ScalarMappable(norm=style.norm, cmap=style.cmap), cax=bar, extend=style.extend)
    colorbar.set_label(style.label, fontsize=SMALL)
    colorbar.ax.tick_params(labelsize=SMALL)


def draw_class_means(means: ClassMeans, class_names: Sequence[str], path: Path, *,
                     score: ScoreWords = LOGIT_WORDS) -> bool:
    """Mean IG and mean |IG| over all test images of one class, correct vs misclassified.

    The two signed panels share one symmetric scale and the two |·| panels one scale, so
    correct and misclassified images can be compared directly; the colour bars are in the units
    of ``score``.
    """
    name = str(class_names[means.label])
    signed = robust_scale([means.signed_correct, means.signed_misclassified], 100.0)
    absolute = robust_scale([means.absolute_correct, means.absolute_misclassified], 100.0)
    groups = (("correct", means.correct, means.signed_correct, means.absolute_correct),
              ("misclassified", means.misclassified, means.signed_misclassified, means.absolute_misclassified))

    width, height, panel = SITE_WIDTH, 2.3, 1.1

    def draw(figure: Figure) -> None:
        figure.text(0.5, 1 - 0.22 / height, wrap(f"class {name}: mean Integrated Gradients over all its test images "
                                                 f"(target {name})", 80),
                    ha="center", va="center", fontsize=FONT, fontweight="bold", parse_math=False)
        for g, (group, count, mean_signed, mean_absolute) in enumerate(groups):
            for k, (values, style) in enumerate((
                (mean_signed, signed_panel(f"mean IG, {group} (n={count})", signed, score.units)),
                (mean_absolute, Panel(f"mean |IG|, {group} (n={count})", Normalize(0, absolute),
                                       MAGNITUDE_CMAP, score.units, "neither")),
            )):
                left = (2 * g + k) * width / 4 + 0.05
                ax = figure.add_axes((left / width, 0.12 / height, panel / width, panel / height))
                bar = figure.add_axes(((left + panel + 0.05) / width, 0.12 / height, 0.08 / width, panel / height))
                draw_panel(figure, ax, bar, values, replace(style, title=wrap(style.title, 18)))

    return save_figure((width, height), draw, path, layout=None)
