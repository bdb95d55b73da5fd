"""Numbers as text: the one percent format of the pages, figures and messages, and the one
rounding of the manifest's measured ratios."""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal


def percent(fraction: float, decimals: int = 2) -> str:
    """A fraction as a percentage, rounded down: 0.98765 → "98.76%", 0.00996 → "0.99%".

    Rounding down (towards −∞) means the text never shows more than the value: a value below
    a threshold, such as a completeness error of 0.00996 under the 1% tolerance or an accuracy of
    0.98499 under a 98.5% gate, is always shown below it ("0.99%", "98.49%"), never on it. The
    rounding is decimal, on the shortest text of the float, so 0.985 stays "98.50%".

    Args:
        fraction: the share (1 = 100%); any float or NumPy scalar.
        decimals: digits after the decimal point. A non-zero value smaller than that shows one
            significant digit instead (1.23e-5 → "0.001%"), down to ``SMALLEST`` (below it:
            "<0.000001%"), so that only an exact zero reads "0%".

    Returns:
        e.g. "98.76%", "0.001%", "0%"; "—" for NaN or ±inf (e.g. a class without test images).
    """
    value = float(fraction)
    if not math.isfinite(value):
        return "—"
    if value == 0:
        return "0%"
    exact = Decimal(repr(value)) * 100
    if abs(exact) < SMALLEST:
        return f"<{SMALLEST:f}%" if exact > 0 else f">-{SMALLEST:f}%"
    step = Decimal(1).scaleb(-decimals)
    if abs(exact) < step:
        step = Decimal(1).scaleb(exact.adjusted())  # the first significant digit
    return f"{exact.quantize(step, rounding=ROUND_FLOOR):f}%"


SMALLEST = Decimal("0.000001")
"""The smallest percentage shown with its digit; smaller non-zero values read "<0.000001%"."""


def significant(value: float) -> float:
    """``value`` rounded to six significant digits, as the manifest publishes measured ratios
    (NaN and ±inf pass through; the manifest writer turns them into null)."""
    return float(f"{float(value):.6g}")
