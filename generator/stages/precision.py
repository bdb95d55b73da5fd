"""Sample sizes chosen by precision: a check takes images in batches, in a seeded order, until the
95% interval of every headline number it reports is at most a stated half-width, or until a stated
maximum of images is reached (a fixed-width sequential stopping rule).

The rule judges the width by the normal approximation, 1.96 · s / √n (s the sample standard
deviation of the per-image values, n how many are finite), checked only at batch boundaries; the
intervals the pages show are still the percentile bootstraps of :mod:`.intervals`, which on these
samples come out within a few per cent of it. The same seed, batch and maximum give the same
images, so the same stop.

The evidence stages use it through :func:`until_precise` (one check) or :meth:`StoppingRule.judge`
(several checks that share their batches, such as one fill's curves beside another's).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

Z_95 = 1.959963984540054
"""The standard normal's 97.5th percentile: a 95% interval is mean ± Z_95 · s / √n."""


def half_width(values: np.ndarray) -> float:
    """1.96 · s / √n of the finite values (s with n − 1); infinite with fewer than two."""
    finite = np.asarray(values, dtype=np.float64).ravel()
    finite = finite[np.isfinite(finite)]
    if finite.size < 2:
        return math.inf
    return float(Z_95 * finite.std(ddof=1) / math.sqrt(finite.size))


def widest(headline: Sequence[np.ndarray]) -> float:
    """The largest :func:`half_width` of several arrays (0 for none)."""
    return max((half_width(values) for values in headline), default=0.0)


@dataclass(frozen=True)
class Precision:
    """Where one check's sample stopped, and why.

    Attributes:
        target: the stated half-width of the 95% interval of each of its headline numbers.
        maximum: the most images it could take (the setting, or fewer when fewer were available).
        batch: images added between two looks.
        images: the images it stopped at.
        half_width: the widest normal-approximation half-width among its headline numbers there
            (infinite when a number had fewer than two finite values).
        reached: whether ``half_width`` ≤ ``target`` (False: it stopped at ``maximum``).
    """

    target: float
    maximum: int
    batch: int
    images: int
    half_width: float
    reached: bool


@dataclass(frozen=True)
class StoppingRule:
    """Take ``batch`` images at a time, up to ``maximum``, until every headline interval is at most
    ± ``target`` wide."""

    target: float
    batch: int
    maximum: int

    def __post_init__(self) -> None:
        if not self.target > 0 or self.batch < 1 or self.maximum < 1:
            raise ValueError(f"need a target > 0, a batch ≥ 1 and a maximum ≥ 1, got {self}")

    def boundaries(self, available: int) -> Iterator[int]:
        """The sample sizes at which the rule looks: batch, 2 · batch, …, min(maximum, available)."""
        last = min(self.maximum, available)
        yield from range(min(self.batch, last), last, self.batch)
        if last > 0:
            yield last

    def judge(self, images: int, headline: Sequence[np.ndarray], available: int) -> Precision | None:
        """The :class:`Precision` to stop at after ``images`` of ``available``, or None to go on."""
        width = widest(headline)
        reached = width <= self.target
        last = min(self.maximum, available)
        if reached or images >= last:
            return Precision(self.target, last, self.batch, images, width, reached)
        return None


def until_precise(rule: StoppingRule, available: int, extend: Callable[[int], Sequence[np.ndarray]]) -> Precision:
    """Run one check under ``rule``: ``extend(n)`` measures the first ``n`` images of the check's
    order (it is called with growing n, each time after the last) and returns its headline
    numbers, one (n,) array of per-image values each, NaN where a value is not defined.

    Raises:
        ValueError: when there is no image to measure.
    """
    for images in rule.boundaries(available):
        stop = rule.judge(images, extend(images), available)
        if stop is not None:
            return stop
    raise ValueError("no image to measure")


def batch_seed(seed: int, start: int) -> int:
    """The seed of the batch that starts at position ``start``: distinct per batch, the same on
    every run (NumPy's SeedSequence of the pair)."""
    return int(np.random.SeedSequence([seed, start]).generate_state(1)[0])
