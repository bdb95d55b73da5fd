"""The range of every numeric setting, checked when the settings are read.

Every ``int`` and ``float`` field of :class:`~generator.plumbing.settings.Settings` has an entry
in :data:`LIMITS` (``tests/hostile/test_settings_cases.py`` checks that none is missing), so no
number reaches a stage unchecked: a NaN learning rate, a seed NumPy refuses, a baseline of 1e30 or
a chunk of 10⁹ images stops at once with one line, not minutes later with a traceback or, worse,
with a published report of garbage. Floats must also be finite.

Upper limits are far above any useful value; they are there to turn a typo (an extra zero, an
exponent) into an error before it costs hours or all the memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Limit:
    """A closed or half-open range [low, high] of one setting.

    Attributes:
        low, high: the bounds.
        low_open: the value must be above ``low`` (not equal to it).
        high_open: the value must be below ``high``.
        why: what the upper bound protects, added to the message when it is exceeded.
    """

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    why: str = ""

    def holds(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return math.isfinite(value) and above and below

    def text(self) -> str:
        """The range as a reader writes it: "in (0, 1]", "from 1 to 1,000"."""
        if not (self.low_open or self.high_open) and all(float(b).is_integer() for b in (self.low, self.high)):
            return f"from {self.low:,.0f} to {self.high:,.0f}"
        return f"in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"


COUNT = 1_000_000
"""A generous ceiling for counts of images that the data bounds anyway."""

LIMITS: dict[str, Limit] = {
    "seed": Limit(0, 2**32 - 1, why="NumPy's seeds are 32-bit"),
    "train.epochs": Limit(1, 1000, why="each epoch is a pass over the training images"),
    "train.batch_size": Limit(1, 65_536),
    "train.learning_rate": Limit(0, 1, low_open=True, why="Adam's steps above 1 diverge"),
    "train.warmup": Limit(0, 1, high_open=True),
    "train.train_subset": Limit(0, COUNT * 1000),
    "train.validation_split": Limit(0, 1, high_open=True),
    "attribution.steps": Limit(0, 16_384, why="each IG map costs that many gradient evaluations"),
    "attribution.tolerance": Limit(1e-4, 0.5, why="a completeness error above half the logit change checks nothing"),
    "attribution.map_tolerance": Limit(1e-3, 1, why="a map that may change by more than itself checks nothing"),
    "attribution.baseline": Limit(0, 1, why="pixels are in pixel/255, 0 black to 1 white"),
    "attribution.chunk_size": Limit(1, 16_384, why="memory grows with the image-steps per call "
                                                   "(about 1.15 GiB at the default 1,024)"),
    "attribution.smoothgrad_samples": Limit(1, 10_000, why="each sample is a gradient evaluation per map"),
    "attribution.smoothgrad_noise": Limit(0, 1, why="σ is a share of the pixel range"),
    "attribution.expected_gradients_samples": Limit(1, 100_000, why="each draw is a gradient evaluation per map"),
    "attribution.expected_gradients_baselines": Limit(1, COUNT),
    "attribution.whole_test_set_steps": Limit(1, 16_384, why="each step is a gradient evaluation per test image"),
    "selection.per_class": Limit(0, COUNT),
    "selection.max_misclassified": Limit(0, COUNT),
    "gates.min_accuracy": Limit(0, 1, why="a share, not a percentage"),
    "gates.max_incomplete_share": Limit(0, 1, why="a share, not a percentage"),
    "trust.sanity_images": Limit(1, COUNT),
    "trust.faithfulness_images": Limit(1, COUNT),
    "decoy.train_images": Limit(0, COUNT * 1000),
    "trust.similarity_precision": Limit(0, 2, low_open=True, why="a rank correlation lies in [-1, 1]"),
    "trust.area_precision": Limit(0, 1, low_open=True, why="an area's interval is a share of the curve's height"),
    "trust.random_orders": Limit(1, 1000, why="each order is a method's whole curves again"),
    "trust.random_label_images": Limit(1, COUNT),
    "trust.random_label_epochs": Limit(1, 10_000),
    "trust.random_label_learning_rate": Limit(0, 1, low_open=True, why="Adam's steps above 1 diverge"),
    "trust.random_label_batch_size": Limit(1, 65_536),
    "decoy.patch": Limit(1, 14, why="half the image side"),
    "decoy.images": Limit(1, COUNT),
    "decoy.mismatched": Limit(0, 1, high_open=True),
}


def out_of_range(name: str, value: Any) -> str | None:
    """The one-line complaint about setting ``name`` = ``value``, or None when it is in range."""
    limit = LIMITS[name]
    if limit.holds(float(value)):
        return None
    reason = f" ({limit.why})" if limit.why and math.isfinite(value) and value > limit.high else ""
    return f"setting '{name}' must be {'a finite number ' if isinstance(value, float) else ''}{limit.text()}, got {value!r}{reason}"
