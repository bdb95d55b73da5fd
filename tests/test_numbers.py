"""The one percent format: rounded down, so a value below a threshold is never shown on it."""

import math

import numpy as np
import pytest

from generator.plumbing.numbers import percent


@pytest.mark.parametrize(("fraction", "decimals", "text"), [
    (0, 2, "0%"), (0.0, 0, "0%"), (-0.0, 2, "0%"),
    (math.nan, 2, "—"), (math.inf, 2, "—"), (-math.inf, 1, "—"),
    (0.01, 2, "1.00%"), (0.01, 1, "1.0%"), (0.01, 0, "1%"),
    (0.00996, 2, "0.99%"), (0.00996, 1, "0.9%"), (0.00996, 0, "0.9%"),
    (np.float32(0.00996), 2, "0.99%"), (np.float64(0.0099999999999), 2, "0.99%"),
    (0.98765, 2, "98.76%"), (0.98499, 2, "98.49%"), (0.985, 2, "98.50%"), (1.0, 2, "100.00%"),
    (1.23e-5, 2, "0.001%"), (1.29e-5, 1, "0.001%"), (0.0016, 2, "0.16%"), (0.0005, 1, "0.05%"),
    (1e-300, 2, "<0.000001%"), (-0.00123, 2, "-0.13%"),
])
def test_percent_rounds_down_at_the_shown_precision(fraction, decimals, text):
    assert percent(fraction, decimals) == text


@pytest.mark.parametrize("decimals", [0, 1, 2, 3])
def test_a_value_below_a_threshold_is_always_shown_below_it(decimals):
    tolerance = 0.01
    threshold = float(percent(tolerance, decimals).rstrip("%"))
    for below in np.nextafter(tolerance, 0.0), 0.00996, 0.0099, 0.009, 1e-9:
        shown = percent(below, decimals).lstrip("<").rstrip("%")
        assert float(shown) < threshold, (below, shown)
    for gate in (0.98, 0.99, 0.9, 0.5):  # thresholds shown exactly at every precision
        assert float(percent(np.nextafter(gate, 0.0), decimals).rstrip("%")) < float(percent(gate, decimals).rstrip("%"))


def test_only_an_exact_zero_reads_zero():
    for tiny in (1e-4, 1e-6, 1e-8, 1e-12, 5e-324):
        assert percent(tiny) != "0%" and float(percent(tiny).lstrip("<").rstrip("%")) > 0


def test_callers_show_a_value_below_its_threshold_below_it():
    from generator.figures.example import completeness_text
    from generator.stages.results import Completeness
    from generator.plumbing.settings_file import load_settings
    from generator.stages.gates import GateError, check_gates

    line = completeness_text(Completeness(attribution_sum=1.00996, logit_delta=1.0, relative_error=0.00996, steps=64))
    assert "rel. error 0.99%" in line and "ABOVE" not in line
    settings = load_settings(overrides={"gates": {"min_accuracy": 0.985}}, pyproject=None)
    with pytest.raises(GateError, match=r"test accuracy 98\.49% is below the minimum 98\.50%"):
        check_gates(settings, 0.98499, {"maps_above_tolerance": 0, "maps": 10, "tolerance": 0.01})
