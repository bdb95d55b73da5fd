"""The Changes page: figures of the images whose verdict changed, and the page itself."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from .changes import ChangedImage, Changes
from .example_figure import Panel, draw_panel, robust_scale, signed_panel
from .fileio import write_text_if_changed
from .figures import save_figure
from .markdown_text import environment, escape_markdown, front_matter_string
from .numbers import percent

PAGE = "changes.md"


def change_scale(changes: Changes) -> float:
    """One IG colour limit for every old and new map on the page (logit units)."""
    images = changes.newly_misclassified + changes.newly_fixed
    return robust_scale([m for c in images for m in (c.old_ig, c.new_ig)])


def draw_changed_image(change: ChangedImage, scale: float, class_names: Sequence[str], path: Path) -> bool:
    """Input | IG of the true class under the previous model | the same under this model."""
    names = [str(n) for n in class_names]
    true = names[change.true_label]
    panels = (
        (change.image, Panel("input", Normalize(0.0, 1.0), "gray", "pixel intensity", "neither")),
        (change.old_ig, signed_panel(f"previous model: predicted {names[change.old_predicted]} "
                                f"(p={change.old_confidence:.2f})", scale, f"IG of logit {true} (logit units)")),
        (change.new_ig, signed_panel(f"this model: predicted {names[change.new_predicted]} "
                                f"(p={change.new_confidence:.2f})", scale, f"IG of logit {true} (logit units)")),
    )

    def draw(figure: Figure) -> None:
        figure.text(0.5, 0.93, f"test #{change.test_index} · true {true}", ha="center", fontsize=10,
                    fontweight="bold", parse_math=False)
        for column, (values, style) in enumerate(panels):
            ax = figure.add_axes((0.02 + column * 0.33, 0.06, 0.2, 0.72))
            bar = figure.add_axes((0.23 + column * 0.33, 0.06, 0.012, 0.72))
            draw_panel(figure, ax, bar, values, style)

    return save_figure((9.0, 2.6), draw, path, layout=None)


def changes_context(changes: Changes | None, class_names: Sequence[str], figures: dict[int, str]) -> dict[str, Any]:
    """Strings and paths for templates/changes.md.j2 (``changes`` None: no previous report)."""
    if changes is None:
        return {"title": front_matter_string("Changes"), "has_previous": False}
    names = [escape_markdown(n) for n in class_names]

    def items(images: tuple[ChangedImage, ...]) -> list[dict[str, str]]:
        return [{
            "src": figures[c.test_index],
            "alt": (f"Test image {c.test_index}, true class {names[c.true_label]}: previously predicted "
                    f"{names[c.old_predicted]}, now {names[c.new_predicted]}; Integrated Gradients of the "
                    "true class under both models"),
            "caption": f"#{c.test_index}: {names[c.old_predicted]} → {names[c.new_predicted]} (true {names[c.true_label]})",
        } for c in images]

    return {
        "title": front_matter_string("Changes"),
        "has_previous": True,
        "previous_version": escape_markdown(changes.previous_version),
        "previous_model": escape_markdown(changes.previous_model_sha256),
        "old_accuracy": percent(changes.old_accuracy),
        "new_accuracy": percent(changes.new_accuracy),
        "classes": [{
            "name": names[c.label], "old": percent(c.old_accuracy), "new": percent(c.new_accuracy),
            "delta": f"{100 * (c.new_accuracy - c.old_accuracy):+.2f} pp",
            "spearman": "—" if c.spearman is None else f"{c.spearman:.3f}", "maps": str(c.compared_maps),
        } for c in changes.classes],
        "broken": items(changes.newly_misclassified),
        "broken_total": f"{changes.newly_misclassified_total:,}",
        "fixed": items(changes.newly_fixed),
        "fixed_total": f"{changes.newly_fixed_total:,}",
        "from_arrays": str(changes.old_maps_from_arrays),
        "recomputed": str(changes.old_maps_recomputed),
    }


def render_changes_page(context: dict[str, Any], templates_dir: Path, docs_dir: Path) -> Path:
    text = environment(templates_dir).get_template("changes.md.j2").render(**context)
    path = docs_dir / PAGE
    write_text_if_changed(path, text)
    return path


