"""The fixed-width sequential rule the trust curves stop by (generator/stages/precision.py)."""

import math

import numpy as np
import pytest

from generator.stages.precision import Z_95, StoppingRule, batch_seed, half_width, until_precise


def test_the_half_width_is_the_normal_approximation_over_the_finite_values():
    values = np.array([0.0, 1.0, 0.0, 1.0, np.nan])  # four finite: s = √(1/3)
    assert half_width(values) == pytest.approx(1.959963984540054 * math.sqrt(1 / 3) / 2)
    assert Z_95 == pytest.approx(1.959964, abs=1e-6)
    assert half_width(np.array([0.3, np.nan])) == math.inf  # one value: no interval at all


def test_the_rule_looks_at_each_batch_and_at_the_last_image_it_may_take():
    rule = StoppingRule(target=0.05, batch=50, maximum=500)
    assert list(rule.boundaries(120)) == [50, 100, 120]
    assert list(rule.boundaries(10_000)) == list(range(50, 501, 50))
    assert list(rule.boundaries(30)) == [30]
    with pytest.raises(ValueError):
        StoppingRule(target=0, batch=50, maximum=500)


def alternating(n, spread):
    """n values ±spread around 0.5: s ≈ spread, so the half-width is about 1.96 · spread / √n."""
    return 0.5 + spread * np.where(np.arange(n) % 2 == 0, 1.0, -1.0)


def test_it_stops_at_the_first_look_whose_interval_is_narrow_enough():
    seen = []

    def extend(n):
        seen.append(n)
        return [alternating(n, 0.2), alternating(n, 0.05)]  # the wider of the two decides

    stop = until_precise(StoppingRule(target=0.05, batch=20, maximum=500), 1000, extend)
    # 1.96 · 0.2 / √n ≤ 0.05 first at n ≥ 61.5: the looks are 20, 40, 60, 80.
    assert seen == [20, 40, 60, 80]
    assert stop.images == 80 and stop.reached and stop.half_width <= 0.05 < half_width(alternating(60, 0.2))


def test_it_stops_at_its_maximum_and_says_the_target_was_not_reached():
    stop = until_precise(StoppingRule(target=0.01, batch=50, maximum=120), 1000, lambda n: [alternating(n, 0.3)])
    assert stop.images == 120 and stop.maximum == 120 and not stop.reached and stop.half_width > 0.01
    with pytest.raises(ValueError, match="no image"):
        until_precise(StoppingRule(target=0.01, batch=50, maximum=120), 0, lambda n: [alternating(n, 0.3)])


def test_each_batch_has_its_own_seed_and_the_same_one_every_run():
    assert batch_seed(0, 50) == batch_seed(0, 50)
    assert len({batch_seed(0, start) for start in (0, 50, 100)} | {batch_seed(1, 0)}) == 4
