"""Build-time evidence for the mathematics pages, measured on this report's own model.

Two questions the Integrated-Gradients page answers with numbers rather than claims:

- How fast does each quadrature rule converge? :func:`completeness_convergence` recomputes
  the IG maps of a few published rows with every rule of :data:`generator.attributions.METHODS`
  at 4, 8, …, 256 steps and records the completeness error of each.
- Do pixels equal to the baseline really get exactly zero? :func:`baseline_zero_share`
  counts them over every published IG map.

Computing and drawing are kept apart: the ``*_convergence``/``*_share`` functions return
dataclasses of NumPy arrays; the ``draw_*`` functions (headless, object-oriented matplotlib
through :func:`generator.figures.save_figure`, which writes a PNG only when its bytes
change) only place those numbers on a figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from generator import attributions as attr
from generator.example_figure import SIGNED_CMAP
from generator.numbers import percent
from generator.figures import save_figure
from generator.report import COMPLETENESS_TOLERANCE

CONVERGENCE_STEPS = (4, 8, 16, 32, 64, 128, 256)
"""Numbers of quadrature nodes compared in the convergence figure."""
CONVERGENCE_ROWS, CONVERGENCE_ROWS_QUICK = 24, 8
"""Published (image, target) rows re-attributed for the convergence figure (about 0.6 s per row
on two CPU cores: every rule at every step count is 2,540 gradient evaluations per row)."""
PLOT_FLOOR = 1e-9
"""Relative errors below this (exact zeros included) are drawn at this value on the log axis."""
_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink")


@dataclass(frozen=True)
class Convergence:
    """Completeness errors of IG maps recomputed with several rules and step counts.

    Attributes:
        methods: quadrature rules, in the order of the first axis of ``errors``.
        steps: step counts, in the order of the second axis.
        rows: (N,) published rows (indices into the attribution arrays) that were recomputed.
        errors: (M, S, N) relative completeness error |ΣIG − Δlogit| / max(|Δlogit|, 1e-6).
    """

    methods: tuple[str, ...]
    steps: tuple[int, ...]
    rows: np.ndarray
    errors: np.ndarray

    def percentile(self, q: float) -> np.ndarray:
        """(M, S) ``q``-th percentile over the rows; NaN when there are no rows."""
        if self.errors.shape[-1] == 0:
            return np.full(self.errors.shape[:2], np.nan)
        return np.percentile(self.errors, q, axis=-1)

    def fewest_steps(self, q: float = 90.0, tolerance: float = COMPLETENESS_TOLERANCE) -> dict[str, int | None]:
        """Per rule, the fewest steps whose ``q``-th percentile error is within ``tolerance`` (None: never)."""
        within = self.percentile(q) <= tolerance
        return {m: next((s for s, ok in zip(self.steps, within[i]) if ok), None) for i, m in enumerate(self.methods)}


@dataclass(frozen=True)
class BaselineShare:
    """How many pixels equal to the baseline got an IG attribution of exactly zero.

    Attributes:
        maps: IG maps inspected.
        baseline_pixels: pixels (over all maps) whose value equals the baseline exactly.
        baseline_zero: of those, pixels whose attribution is exactly 0.
        other_pixels: the remaining pixels.
        other_zero: of those, pixels whose attribution is exactly 0.
    """

    maps: int
    baseline_pixels: int
    baseline_zero: int
    other_pixels: int
    other_zero: int

    @property
    def share(self) -> float:
        """baseline_zero / baseline_pixels; NaN when no pixel equals the baseline."""
        return self.baseline_zero / self.baseline_pixels if self.baseline_pixels else float("nan")


def spread_rows(count: int, limit: int) -> np.ndarray:
    """Up to ``limit`` row indices spread evenly over ``range(count)``, first and last included."""
    if count <= 0 or limit <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.linspace(0, count - 1, min(count, limit)).round().astype(np.int64))


def completeness_convergence(
    grad_fn: attr.GradFn,
    images: np.ndarray,
    targets: np.ndarray,
    rows: np.ndarray,
    *,
    methods: Sequence[str] = attr.METHODS,
    steps: Sequence[int] = CONVERGENCE_STEPS,
    baseline: float = 0.0,
    chunk_size: int = 512,
) -> Convergence:
    """Recompute IG for ``images[rows]`` with every rule and step count; record completeness.

    Args:
        grad_fn: gradient function of the model's logits (built once by the caller).
        images: (R, H, W, C) float32 published inputs.
        targets: (R,) target class of each row (fixed along the path).
        rows: (N,) rows to recompute.
        methods: quadrature rules (see :func:`generator.attributions.quadrature`).
        steps: step counts; each rule must accept each (the trapezoid needs ≥ 2).
        baseline: the constant baseline x′.
        chunk_size: image-steps per compiled call.

    Returns:
        The (M, S, N) errors.
    """
    rows = np.asarray(rows, dtype=np.int64)
    x, t = np.asarray(images, np.float32)[rows], np.asarray(targets)[rows]
    errors = np.zeros((len(methods), len(steps), len(rows)))
    if len(rows):
        _, at_input = grad_fn(x, t)
        _, at_baseline = grad_fn(np.full_like(x, baseline), t)
        for i, method in enumerate(methods):
            for j, n in enumerate(steps):
                maps = attr.integrated_gradients(grad_fn, x, t, steps=n, baseline=baseline, method=method,
                                                 chunk_size=chunk_size)
                errors[i, j] = attr.completeness(maps, at_input, at_baseline).relative_error
    return Convergence(tuple(methods), tuple(int(n) for n in steps), rows, errors)


def baseline_zero_share(images: np.ndarray, maps: np.ndarray, baseline: float) -> BaselineShare:
    """Count exact zeros of the IG ``maps`` where ``images`` equals ``baseline`` and elsewhere.

    Args:
        images: (R, H, W, C) inputs the maps explain.
        maps: (R, H, W, C) their IG maps.
        baseline: the constant baseline the maps were computed with.
    """
    images, maps = np.asarray(images, np.float32), np.asarray(maps)
    at_baseline = images == np.float32(baseline)
    zero = maps == 0
    return BaselineShare(
        maps=int(len(maps)),
        baseline_pixels=int(at_baseline.sum()),
        baseline_zero=int((at_baseline & zero).sum()),
        other_pixels=int((~at_baseline).sum()),
        other_zero=int((~at_baseline & zero).sum()),
    )


def draw_convergence(result: Convergence, configured: tuple[str, int], path: Path) -> bool:
    """Log–log completeness error against steps: per rule the median and a 10–90th percentile band.

    Args:
        result: the measured errors.
        configured: (rule, steps) this report used, marked on the figure.
        path: the PNG to write.

    Returns:
        Whether the file changed.
    """
    median, low, high = (np.maximum(result.percentile(q), PLOT_FLOOR) for q in (50, 10, 90))

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        for i, method in enumerate(result.methods):
            colour = _COLOURS[i % len(_COLOURS)]
            ax.fill_between(result.steps, low[i], high[i], color=colour, alpha=0.15, linewidth=0)
            ax.plot(result.steps, median[i], "-o", color=colour, markersize=4, label=method.replace("_", " "))
        ax.axhline(COMPLETENESS_TOLERANCE, color="black", linestyle="--", linewidth=1)
        ax.text(result.steps[-1], COMPLETENESS_TOLERANCE * 1.3, f"{percent(COMPLETENESS_TOLERANCE, 0)} tolerance",
                ha="right", va="bottom", fontsize=8)
        bottom = max(PLOT_FLOOR, float(np.nanmin(low, initial=1.0)) / 3)
        top = max(1.0, float(np.nanmax(high, initial=1.0)) * 2)
        method, steps = configured
        ax.axvline(steps, color="0.5", linestyle=":", linewidth=1)
        ax.text(steps * 1.05, top / 1.5, f"this report: {method.replace('_', ' ')}, {steps} steps",
                rotation=90, fontsize=8, color="0.3", va="top")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(result.steps, [str(s) for s in result.steps])
        ax.set_ylim(bottom, top)
        ax.set_xlabel("quadrature steps (gradient evaluations per map)")
        ax.set_ylabel("completeness relative error\n|ΣIG − Δlogit| / |Δlogit|")
        ax.set_title(f"IG completeness error on this model: {len(result.rows)} published maps "
                     "(line: median, band: 10th–90th percentile)", fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        if len(result.rows) == 0:
            ax.text(0.5, 0.5, "no published maps", ha="center", va="center", transform=ax.transAxes)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="rule", title_fontsize=8)

    return save_figure((9.6, 4.6), draw, path)


def draw_baseline(image: np.ndarray, ig: np.ndarray, baseline: float, share: BaselineShare,
                  scale: float, title: str, path: Path) -> bool:
    """One image, its IG map, and where the map is exactly zero, with the share over all maps.

    Args:
        image: (H, W) input in [0, 1].
        ig: (H, W) its IG map, logit units.
        baseline: the constant baseline.
        share: exact-zero counts over every published map.
        scale: the shared IG colour limit (±scale).
        title: the figure title (may hold user text; drawn without mathtext).
        path: the PNG to write.

    Returns:
        Whether the file changed.
    """
    at_baseline = image == np.float32(baseline)
    zero = ig == 0
    # 0: pixel at the baseline with IG exactly 0; 1: other pixel with IG exactly 0;
    # 2: other pixel with IG ≠ 0; 3: pixel at the baseline with IG ≠ 0 (should never appear).
    category = np.where(at_baseline, np.where(zero, 0, 3), np.where(zero, 1, 2))
    colours = np.array([[0.93, 0.93, 0.93], [0.6, 0.75, 0.95], [0.15, 0.15, 0.15], [0.85, 0.1, 0.1]])
    here = f"{int((at_baseline & zero).sum())} of {int(at_baseline.sum())} pixels equal to the baseline"
    overall = (f"over all {share.maps} published IG maps: {share.baseline_zero:,} of {share.baseline_pixels:,} "
               f"baseline pixels ({percent(share.share)}) have IG exactly 0; "
               f"other pixels: {share.other_zero:,} of {share.other_pixels:,}")

    def draw(figure: Figure) -> None:
        figure.suptitle(title, fontsize=10, fontweight="bold", parse_math=False)
        axes = figure.subplots(1, 3)
        figure.subplots_adjust(left=0.02, right=0.95, top=0.78, bottom=0.16, wspace=0.3)
        shown = axes[0].imshow(image, cmap="gray", norm=Normalize(0, 1), interpolation="nearest")
        figure.colorbar(shown, ax=axes[0], fraction=0.046).set_label("pixel intensity", fontsize=8)
        shown = axes[1].imshow(ig, cmap=SIGNED_CMAP, norm=Normalize(-scale, scale), interpolation="nearest")
        figure.colorbar(shown, ax=axes[1], fraction=0.046, extend="both").set_label("IG (logit units)", fontsize=8)
        axes[2].imshow(colours[category], interpolation="nearest")
        for ax, name in zip(axes, ("input x", "Integrated Gradients", f"where IG is exactly 0\n({here} have IG = 0)")):
            ax.set_title(name, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        legend = ("light grey: x = baseline, IG = 0    light blue: inked, IG = 0    "
                  "black: inked, IG ≠ 0    red: x = baseline, IG ≠ 0")
        figure.text(0.5, 0.07, legend, ha="center", fontsize=8)
        figure.text(0.5, 0.015, overall, ha="center", fontsize=8, color="0.25")

    return save_figure((9.6, 3.7), draw, path, layout=None)
