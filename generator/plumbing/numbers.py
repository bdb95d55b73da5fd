"""Numbers as text: the one rounding of the pages, figures and messages, and the one rounding
of the manifest's measured ratios.

Every number a reader sees is rounded to nearest at the precision shown, half away from zero,
on the decimal text of the float (its shortest ``repr``, the text ``manifest.json`` holds): a
reader who rounds the manifest's value by hand gets the page's digits. Half away from zero
rather than half to even because that is the rule a reader applies by hand ("0.125" → "0.13")
and a tie can only occur when the manifest's own text ends in that 5; half to even's one merit,
no drift in long sums of rounded values, does not arise, since no one adds up the page's numbers.
Python's ``f"{x:.2f}"`` is not used for shown numbers: it rounds the binary value, so 0.285
(binary 0.28499…) would read "0.28" while the manifest says 0.285.

Directed rounding exists only for a value compared with a threshold on the same line
(:func:`percent_rounded_down`, :func:`percent_rounded_up`); the line then says so. A threshold
or setting itself is shown exactly as set (:func:`percent_exact`), never rounded.
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal


def percent(fraction: float, decimals: int = 2) -> str:
    """A fraction as a percentage, rounded to nearest: 0.98765 → "98.77%", 0.004896 → "0.49%".

    Ties round away from zero (0.12345 → "12.35%"), on the decimal text of the float, so the
    page shows what a reader gets by rounding the manifest's number.

    Args:
        fraction: the share (1 = 100%); any float or NumPy scalar.
        decimals: digits after the decimal point. A non-zero value smaller than one step of
            that precision shows one significant digit instead (1.23e-5 → "0.001%"), down to
            ``SMALLEST`` (below it: "<0.000001%"), so that only an exact zero reads "0%".

    Returns:
        e.g. "98.77%", "0.001%", "0%"; "—" for NaN or ±inf (e.g. a class without test images).
    """
    return _percent(fraction, decimals, ROUND_HALF_UP)


def percent_rounded_down(fraction: float, decimals: int = 2) -> str:
    """A fraction as a percentage rounded down (towards −∞), for one use only: a value shown
    beside a threshold it is *below* on the same line, so that it never reads as on it ("test
    accuracy 98.49% (rounded down) is below the minimum 98.50%", not "98.50% … below 98.50%").
    The line must say the value is rounded down. Everywhere else use :func:`percent`.

    Args and returns as :func:`percent`.
    """
    return _percent(fraction, decimals, ROUND_FLOOR)


def percent_rounded_up(fraction: float, decimals: int = 2) -> str:
    """A fraction as a percentage rounded up (towards +∞), for a value shown beside a threshold
    it is *above* on the same line (an error of 1.004% reads "1.01% (rounded up) · above the 1%
    tolerance", never "1.00% · above the 1% tolerance"). The line must say it is rounded up.

    Args and returns as :func:`percent`.
    """
    return _percent(fraction, decimals, ROUND_CEILING)


def percent_exact(fraction: float, decimals: int = 0) -> str:
    """A threshold or setting as a percentage, exactly as it is set: at least ``decimals``
    digits after the point, more when the value needs them (0.01 → "1%", 0.0125 → "1.25%",
    with ``decimals=1`` 0.02 → "2.0%"). For numbers chosen, not measured, such as a tolerance
    a measured value is compared with; rounding one would move the line the page draws.

    Returns:
        e.g. "1%", "1.25%"; "—" for NaN or ±inf.
    """
    value = float(fraction)
    if not math.isfinite(value):
        return "—"
    exact = (Decimal(repr(value)) * 100).normalize()
    if exact == 0:
        return "0%"
    shown = exact if exact.as_tuple().exponent < -decimals else exact.quantize(Decimal(1).scaleb(-decimals))
    return f"{shown:f}%"


def _percent(fraction: float, decimals: int, rounding: str) -> str:
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
        first_digit = exact.quantize(Decimal(1).scaleb(exact.adjusted()), rounding=rounding)
        if abs(first_digit) < step:  # one significant digit, unless it rounds up to a whole step
            return f"{first_digit:f}%"
    return f"{exact.quantize(step, rounding=rounding):f}%"


def fixed(value: float, decimals: int = 2, *, plus: bool = False, grouped: bool = False) -> str:
    """A number with ``decimals`` digits after the point, rounded to nearest like :func:`percent`
    (ties away from zero, on the float's decimal text): 0.285 → "0.29", -0.004 → "0.00" (a
    rounded zero has no sign). ``plus``: write "+" before a positive value ("+0.29");
    ``grouped``: thousands separated by commas ("2,217.9").

    Returns:
        e.g. "0.29", "-0.07", "+1.50"; "—" for NaN or ±inf.
    """
    number = float(value)
    if not math.isfinite(number):
        return "—"
    shown = Decimal(repr(number)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if shown == 0:
        shown = abs(shown)
    return f"{'+' if plus and shown > 0 else ''}{shown:{',' if grouped else ''}f}"


def digits(value: float, significant_digits: int = 3) -> str:
    """A number with ``significant_digits`` significant digits, rounded to nearest like
    :func:`percent`, written as ``format(x, ".3g")`` writes it (trailing zeros dropped,
    scientific notation for large and small values): 0.3142620 → "0.314", 0.0002855 →
    "0.000286", 0.9995 → "1", 123456 → "1.23e+05".

    Returns:
        e.g. "0.314"; "0" for zero; "—" for NaN or ±inf.
    """
    number = float(value)
    if not math.isfinite(number):
        return "—"
    if number == 0:
        return "0"
    exact = Decimal(repr(number))
    shown = exact.quantize(Decimal(1).scaleb(exact.adjusted() - significant_digits + 1), rounding=ROUND_HALF_UP)
    return f"{float(shown):.{significant_digits}g}"  # the rounded decimal, in the "g" layout


def percentage_points(change: float, decimals: int = 2) -> str:
    """A change of a share in percentage points, signed, rounded like :func:`percent`:
    0.00125 → "+0.13 pp", -0.02 → "-2.00 pp"; "—" for NaN or ±inf."""
    number = float(change)
    if not math.isfinite(number):
        return "—"
    shown = (Decimal(repr(number)) * 100).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if shown == 0:
        shown = abs(shown)
    return f"{'+' if shown > 0 else ''}{shown:f} pp"


SMALLEST = Decimal("0.000001")
"""The smallest percentage shown with its digit; smaller non-zero values read "<0.000001%"."""


def significant(value: float) -> float:
    """``value`` rounded to six significant digits, as the manifest publishes measured ratios
    (NaN and ±inf pass through; the manifest writer turns them into null)."""
    return float(f"{float(value):.6g}")
