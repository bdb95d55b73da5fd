"""The decoy check's two readings, each from one rule stated before the results.

Both rules compare a 95% bootstrap interval with its control's interval on the same images, the
same way (:func:`verdict`); the words of each rule (:data:`RULE`, :data:`READS_RULE`) are printed
by the page above the results and published in the manifest. The trust checks' rules
(:mod:`generator.stages.trust_rules`) read their intervals with the same :func:`verdict`.

Which metric the map rule reads: relevance **rank** accuracy (:mod:`generator.stages.localisation`),
not mass accuracy. Mass accuracy divides by the whole map's mass, so it depends on how many
pixels a method spreads small values over: the gradient is non-zero on most pixels, gradient ×
input and IG only on the ink and the patch, and the same patch then gets a smaller share of a
gradient map for no reason to do with the patch. Rank accuracy asks only whether the patch's
pixels are among the map's largest, so one rule can be fair to dense and sparse methods alike.
Mass accuracy is published beside it, with the ratio of the two models' means.
"""

from __future__ import annotations

import math

from generator.stages.intervals import Interval

PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"
"""The three readings of :func:`verdict`."""
VERDICT_METRIC = "rank_accuracy"
"""The localisation metric the map rule reads (see the module for why)."""

RULE = ("A method finds the decoy (pass) when the 95% bootstrap interval of its relevance rank accuracy for "
        "the decoy model lies entirely above the interval for the normal model on the same images; it does not "
        "find it (fail) when the decoy model's interval lies entirely at or below the normal model's; otherwise "
        "the reading is inconclusive.")
"""The map rule in words, as the page and the manifest print it."""
READS_RULE = ("The decoy model reads the patch (pass) when the 95% bootstrap interval of the accuracy it loses "
              "with the patch level drawn at random lies entirely above the interval of the accuracy the normal "
              "model loses on the same images; it does not (fail) when its interval lies entirely at or below the "
              "normal model's; otherwise the reading is inconclusive.")
"""The rule for whether the decoy model reads the patch, in words."""


def verdict(tested: Interval, control: Interval) -> str:
    """:data:`PASS` when ``tested``'s interval lies entirely above ``control``'s (low > high),
    :data:`FAIL` when it lies entirely at or below it (high ≤ low), :data:`INCONCLUSIVE` when they
    overlap or a bound is not a number."""
    if any(math.isnan(bound) for bound in (tested.low, tested.high, control.low, control.high)):
        return INCONCLUSIVE
    if tested.low > control.high:
        return PASS
    if tested.high <= control.low:
        return FAIL
    return INCONCLUSIVE
