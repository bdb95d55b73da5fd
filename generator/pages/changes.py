"""The Changes page's context: what a retrained model does differently, as ready-made strings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.pages.markdown_text import escape_markdown, front_matter_string
from generator.plumbing.numbers import fixed, percent, percentage_points
from generator.stages.changes import ChangedImage, Changes

PAGE = "changes.md"
TEMPLATE = "changes.md.j2"


def changes_context(changes: Changes, class_names: Sequence[str], figures: dict[int, str]) -> dict[str, Any]:
    """Strings and paths for templates/changes.md.j2 (the page exists only with a previous report).

    ``figures`` maps each shown test index to its figure, relative to the docs folder (the
    page is at the top of it, so the paths are its links too)."""
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
        "previous_version": escape_markdown(changes.previous_version),
        "previous_model": escape_markdown(changes.previous_model_sha256),
        "old_accuracy": percent(changes.old_accuracy),
        "new_accuracy": percent(changes.new_accuracy),
        "classes": [{
            "name": names[c.label], "old": percent(c.old_accuracy), "new": percent(c.new_accuracy),
            "delta": _points(c.new_accuracy - c.old_accuracy),
            "spearman": "—" if c.spearman is None else fixed(c.spearman, 3), "maps": str(c.compared_maps),
        } for c in changes.classes],
        "broken": items(changes.newly_misclassified),
        "broken_total": f"{changes.newly_misclassified_total:,}",
        "fixed": items(changes.newly_fixed),
        "fixed_total": f"{changes.newly_fixed_total:,}",
        "from_arrays": str(changes.old_maps_from_arrays),
        "recomputed": str(changes.old_maps_recomputed),
    }


def _points(change: float) -> str:
    """An accuracy change in percentage points, "+1.25 pp"; "—" when a class has no test images
    (its accuracy, and so the change, is not defined)."""
    return percentage_points(change)
