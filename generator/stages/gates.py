"""Quality gates: a build that misses one stops before anything is published."""

from __future__ import annotations

from generator.plumbing.errors import UserError
from generator.plumbing.numbers import percent_exact, percent_rounded_down, percent_rounded_up
from generator.plumbing.settings import Settings
from generator.stages.results import CompletenessSummary


class GateError(UserError, RuntimeError):
    """A quality gate failed; nothing was published."""


def check_gates(settings: Settings, accuracy: float, completeness: CompletenessSummary,
                non_finite_rows: int = 0, rows: int = 0) -> None:
    """Raise :class:`GateError` when a quality gate fails. One gate always holds, whatever the
    settings: no map may have a NaN or infinite value (a report of such maps is never published)."""
    if non_finite_rows:
        raise GateError(f"{non_finite_rows} of {rows} attributed rows have maps with NaN or infinite values "
                        "(the model's gradients are not finite there); nothing was published; check the "
                        "model's weights and layers")
    gates = settings.gates
    if accuracy < gates.min_accuracy:
        # The measured value is rounded towards its side of the gate, so it never reads as on it; the
        # gate itself is shown exactly as set.
        raise GateError(f"quality gate failed: test accuracy {percent_rounded_down(accuracy)} (rounded down) is below "
                        f"the minimum {percent_exact(gates.min_accuracy, 2)} (gates.min_accuracy); the published site "
                        "was left as it was")
    share = completeness.maps_above_tolerance / max(completeness.maps, 1)
    if share > gates.max_incomplete_share:
        raise GateError(f"quality gate failed: {completeness.maps_above_tolerance} of {completeness.maps} IG "
                        f"maps ({percent_rounded_up(share, 3)}, rounded up) miss the "
                        f"{percent_exact(completeness.tolerance)} completeness tolerance, above the maximum "
                        f"{percent_exact(gates.max_incomplete_share, 3)} "
                        "(gates.max_incomplete_share); the published site was left as it was")
