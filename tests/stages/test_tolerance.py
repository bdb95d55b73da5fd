"""One completeness tolerance: the configured ``attribution.tolerance`` (never tighter than 1%) is
what the flags, the summary, the gates, the manifest, the figures' and the pages' words use."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from generator.figures.example import completeness_text
from generator.pages.explorer import explorer_legend, flag_codes
from generator.plumbing.settings import COMPLETENESS_FLOOR, Settings
from generator.stages.attribute import AttributionArrays, to_examples
from generator.stages.checked_maps import CheckedMaps
from generator.stages.gates import GateError, check_gates
from generator.stages.manifest import completeness_summary, example_records
from generator.stages.model_output import LOGIT_WORDS
from generator.stages.results import Evaluation

ERRORS = np.array([0.004, 0.015, 0.03])
"""The IG maps' relative completeness errors: within 1%, between 1% and 2%, above 2%."""


def settings_at(tolerance: float) -> Settings:
    return dataclasses.replace(Settings(), attribution=dataclasses.replace(Settings().attribution, tolerance=tolerance))


def three_maps() -> tuple[AttributionArrays, np.ndarray, Evaluation]:
    """Three correctly classified test images, one IG map each, with the errors of :data:`ERRORS`."""
    n, maps = len(ERRORS), np.ones((3, 4, 4, 1), np.float32)
    delta = np.full(n, 10.0)
    ig = CheckedMaps(maps, delta * (1 + ERRORS), delta, ERRORS, np.full(n, 65), np.full(n, np.nan))
    eg = CheckedMaps(maps, delta, delta, np.zeros(n), np.full(n, 64), np.full(n, 0.1))
    none = CheckedMaps(*(np.zeros((0, *a.shape[1:]), a.dtype) for a in (maps, delta, delta, delta)),
                       np.zeros(0, np.int64), np.zeros(0))
    arrays = AttributionArrays(index=np.arange(n), target=np.arange(n), image=maps,
                               maps={key: maps for key in ("gradient", "saliency", "gradient_x_input", "smoothgrad")},
                               noise={"smoothgrad": np.full(n, np.nan)}, ig=ig,
                               eg=eg, contrast_index=np.zeros(0, np.int64), contrast=none, contrast_eg=none)
    labels = np.arange(n)
    evaluation = Evaluation(1.0, np.ones(10), np.eye(10, dtype=np.int64), labels, np.full(n, 0.9), np.ones(n))
    return arrays, labels, evaluation


@pytest.mark.parametrize("tolerance, expected", [(0.005, 0.01), (0.02, 0.02), (0.001, COMPLETENESS_FLOOR)])
def test_the_flag_tolerance_is_the_configured_one_but_never_below_the_floor(tolerance, expected):
    assert settings_at(tolerance).attribution.flag_tolerance == expected


@pytest.mark.parametrize("tolerance, above", [(0.005, [False, True, True]), (0.02, [False, False, True])])
def test_every_reader_flags_the_maps_above_the_configured_tolerance(tolerance, above):
    settings = settings_at(tolerance)
    flag_at = settings.attribution.flag_tolerance
    arrays, labels, evaluation = three_maps()
    examples = to_examples(arrays, labels, evaluation, flag_at)
    checks = [e.rows[0].completeness for e in examples]
    assert [not c.within_tolerance for c in checks] == above
    assert [("ig-tolerance" in flag_codes(e, [])) for e in examples] == above
    words = f"ABOVE THE {flag_at:.0%} TOLERANCE"
    assert [words in completeness_text(c) for c in checks] == above
    summary = completeness_summary(arrays, flag_at)
    assert (summary.tolerance, summary.maps_above_tolerance) == (flag_at, sum(above))
    gallery = SimpleNamespace(page_of=lambda: dict.fromkeys(range(3), "classes/class-0.md"))
    records = example_records(arrays, labels, evaluation, gallery, summary.tolerance)
    assert [not r["targets"][0]["completeness"]["within_tolerance"] for r in records] == above
    strict = dataclasses.replace(settings, gates=dataclasses.replace(settings.gates, max_incomplete_share=0.4))
    if sum(above) / 3 > 0.4:
        with pytest.raises(GateError, match=f"{flag_at:.0%} completeness tolerance"):
            check_gates(strict, 1.0, summary)
    else:
        check_gates(strict, 1.0, summary)


def test_the_explorer_legend_states_the_configured_tolerance():
    ig = SimpleNamespace(key="integrated_gradients", scale=SimpleNamespace(limit=1.0, unit="logit units"))
    legend = explorer_legend(SimpleNamespace(methods=[ig]), LOGIT_WORDS, "explorer.md",
                             settings_at(0.02).attribution.flag_tolerance)
    assert "completeness error is above 2%" in legend["flags"] and "{" not in legend["flags"]
