"""A mean with its 95% bootstrap interval: how the evidence stages (trust checks, decoy check)
report every number they measure over a sample of images."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.stages.faithfulness import bootstrap


@dataclass(frozen=True)
class Interval:
    """A mean with its 95% bootstrap interval."""

    mean: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "low": self.low, "high": self.high}


def interval(values: np.ndarray, seed: int) -> Interval:
    """The mean of ``values`` and its 95% bootstrap interval (seeded)."""
    return Interval(*bootstrap(np.asarray(values, dtype=np.float64), seed))


NOT_MEASURED = Interval(float("nan"), float("nan"), float("nan"))
"""The interval of a check that did not run (model randomisation without a layer to randomise)."""
