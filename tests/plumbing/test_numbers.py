"""The one rounding of shown numbers: to nearest at the shown precision, half away from zero, on
the decimal text of the float; directed rounding only beside a threshold, and then said."""

import math
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import numpy as np
import pytest

from generator.plumbing.numbers import (digits, fixed, percent, percent_exact, percent_rounded_down,
                                        percent_rounded_up, percentage_points)


@pytest.mark.parametrize(("fraction", "decimals", "text"), [
    (0, 2, "0%"), (0.0, 0, "0%"), (-0.0, 2, "0%"),
    (math.nan, 2, "—"), (math.inf, 2, "—"), (-math.inf, 1, "—"),
    (0.01, 2, "1.00%"), (0.01, 1, "1.0%"), (0.01, 0, "1%"),
    (0.00996, 2, "1.00%"), (0.00996, 1, "1.0%"), (0.00996, 0, "1%"), (0.00994, 2, "0.99%"),
    (np.float32(0.00996), 2, "1.00%"), (np.float64(0.0099999999999), 2, "1.00%"),
    (0.98765, 2, "98.77%"), (0.98499, 2, "98.50%"), (0.985, 2, "98.50%"), (1.0, 2, "100.00%"),
    # the review's cases (issue 23): floor rounding showed 29.7%, 0.48% and 72.7%
    (0.2977, 1, "29.8%"), (0.004896, 2, "0.49%"), (0.7279, 1, "72.8%"), (0.002999, 1, "0.3%"),
    (0.12345, 2, "12.35%"), (0.0012345, 4, "0.1235%"), (-0.12345, 2, "-12.35%"),  # ties away from zero
    (1.23e-5, 2, "0.001%"), (1.29e-5, 1, "0.001%"), (0.0016, 2, "0.16%"), (0.0005, 1, "0.05%"),
    (0.00096, 1, "0.1%"), (0.005, 0, "0.5%"), (0.0096, 0, "1%"),  # one significant digit below a step
    (1e-300, 2, "<0.000001%"), (-0.00123, 2, "-0.12%"),
])
def test_percent_rounds_to_nearest_at_the_shown_precision(fraction, decimals, text):
    assert percent(fraction, decimals) == text


def nearest(value: float, decimals: int) -> Decimal:
    """The reader's rounding, written out: the decimal text × 100, half away from zero."""
    return (Decimal(repr(float(value))) * 100).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("decimals", [0, 1, 2, 3])
def test_percent_agrees_with_rounding_by_hand(decimals):
    rng = np.random.default_rng(23)
    ties = rng.uniform(0.01, 1, 100).round(3 + decimals)  # one digit past the shown ones: a tie in ten
    for value in np.concatenate([rng.uniform(0.01, 1, 400), -rng.uniform(0.01, 1, 100), ties]):
        assert Decimal(percent(value, decimals).rstrip("%")) == nearest(value, decimals), value


def test_percent_is_never_further_from_the_value_than_half_a_step():
    for value in np.random.default_rng(1).uniform(0, 1, 500):
        assert abs(float(percent(value, 1).rstrip("%")) - 100 * value) <= 0.05 + 1e-12


@pytest.mark.parametrize("decimals", [0, 1, 2, 3])
def test_a_value_rounded_towards_its_side_of_a_threshold_is_never_shown_on_it(decimals):
    for threshold in (0.01, 0.0125, 0.98, 0.985, 0.98555, 0.5):
        shown_threshold = float(percent_exact(threshold, decimals).rstrip("%"))
        assert shown_threshold == pytest.approx(100 * threshold, abs=1e-12)  # a threshold is shown as set
        for below in np.nextafter(threshold, 0.0), threshold - 4e-5, threshold * 0.99, 1e-9:
            assert float(percent_rounded_down(below, decimals).lstrip("<").rstrip("%")) < shown_threshold, below
        for above in np.nextafter(threshold, 1.0), threshold + 4e-5, threshold * 1.01:
            assert float(percent_rounded_up(above, decimals).rstrip("%")) > shown_threshold, above


@pytest.mark.parametrize(("fraction", "decimals", "text"), [
    (0.01, 0, "1%"), (0.005, 1, "0.5%"), (0.02, 1, "2.0%"), (0.0125, 0, "1.25%"), (0.985, 2, "98.50%"),
    (0.98555, 2, "98.555%"), (1.0, 3, "100.000%"), (0.0, 0, "0%"), (math.nan, 0, "—"),
])
def test_percent_exact_shows_a_setting_as_it_is_set(fraction, decimals, text):
    assert percent_exact(fraction, decimals) == text


@pytest.mark.parametrize(("value", "decimals", "text"), [
    (0.285, 2, "0.29"), (0.284999, 2, "0.28"), (2217.857, 1, "2217.9"), (-0.285, 2, "-0.29"), (-0.004, 2, "0.00"), (0.9199, 2, "0.92"),
    (1.5, 0, "2"), (2.415547640999648, 1, "2.4"), (np.float32(0.5), 2, "0.50"), (math.inf, 2, "—"),
])
def test_fixed_rounds_the_decimal_text_to_nearest(value, decimals, text):
    assert f"{0.285:.2f}" == "0.28"  # why: Python's format rounds the binary value 0.28499…
    assert fixed(value, decimals) == text


def test_signed_and_significant_forms_round_the_same_way():
    assert fixed(0.0125, 3, plus=True) == "+0.013" and fixed(-0.0125, 3, plus=True) == "-0.013"
    assert fixed(0.0, 2, plus=True) == "0.00" and fixed(2217.857, 1, grouped=True) == "2,217.9"
    assert [digits(v) for v in (0.3142620041966439, 0.0002855, 0.9995, 123456, 0.0)] == [
        "0.314", "0.000286", "1", "1.23e+05", "0"]
    assert percentage_points(0.00125) == "+0.13 pp" and percentage_points(-0.02) == "-2.00 pp"
    assert percentage_points(-1e-6) == "0.00 pp" and percentage_points(math.nan) == "—"


def test_only_an_exact_zero_reads_zero():
    for tiny in (1e-4, 1e-6, 1e-8, 1e-12, 5e-324):
        assert percent(tiny) != "0%" and float(percent(tiny).lstrip("<").rstrip("%")) > 0


def test_callers_show_a_value_on_its_side_of_a_threshold_and_say_it_is_rounded():
    from generator.figures.example import completeness_text
    from generator.stages.results import Completeness
    from generator.plumbing.settings_file import load_settings
    from generator.stages.gates import GateError, check_gates

    line = completeness_text(Completeness(attribution_sum=1.00996, logit_delta=1.0, relative_error=0.00996, steps=64))
    assert "rel. error 1.00%" in line and "ABOVE" not in line  # within: rounded to nearest
    line = completeness_text(Completeness(attribution_sum=1.01004, logit_delta=1.0, relative_error=0.01004, steps=64))
    assert "rel. error 1.01% (rounded up)" in line and "ABOVE THE 1% TOLERANCE" in line
    settings = load_settings(overrides={"gates": {"min_accuracy": 0.985}}, pyproject=None)
    with pytest.raises(GateError, match=r"test accuracy 98\.49% \(rounded down\) is below the minimum 98\.50%"):
        check_gates(settings, 0.98499, {"maps_above_tolerance": 0, "maps": 10, "tolerance": 0.01})
    settings = load_settings(overrides={"gates": {"max_incomplete_share": 0.1}}, pyproject=None)
    with pytest.raises(GateError, match=r"\(10\.001%, rounded up\) miss the 1% completeness tolerance, above the "
                                        r"maximum 10\.000%"):
        check_gates(settings, 0.99, SimpleNamespace(maps_above_tolerance=10001, maps=100000, tolerance=0.01))
