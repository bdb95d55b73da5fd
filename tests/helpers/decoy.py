"""A synthetic decoy measurement and the decoy result summarised from it, for pages and records."""

import numpy as np

from generator.stages.intervals import Interval


def measurement(n=40, methods=("gradient",), seed=2, decoy_range=(0.5, 0.9), normal_range=(0.0, 0.1)):
    """The decoy stage's measurement of a synthetic sample, decoy maps scoring in ``decoy_range``."""
    from generator.stages.decoy import DecoyMeasurement, MethodMeasurement, Pair
    from generator.stages.read_region import ReadRegion

    rng = np.random.default_rng(seed)

    def scores():
        return np.stack([rng.uniform(*decoy_range, n), rng.uniform(*normal_range, n)])

    return DecoyMeasurement(
        size=4, placed=ReadRegion(26, 26, 28, 28), normal_region=ReadRegion(26, 26, 28, 28),
        readable_share=1.0, accuracy=0.99,
        shuffled_accuracy=Interval(0.4, 0.39, 0.41),
        normal_accuracy=0.9886, normal_shuffled_accuracy=0.9884,
        accuracy_lost=Pair(Interval(0.59, 0.58, 0.60), Interval(0.0002, -0.0005, 0.0009)),
        sample=np.arange(n) * 3, corners=np.arange(n) % 4, example_positions=np.arange(4),
        examples=np.zeros((4, 28, 28)),
        methods={key: MethodMeasurement(scores(), scores(), np.zeros((2, 4, 28, 28)),
                                        np.stack([np.arange(n) + 600, np.arange(n) + 100])) for key in methods})


def synthetic_decoy(n=40, methods=("gradient",), clean_accuracy=0.9886, **ranges):
    """A :class:`~generator.stages.decoy.Decoy` from :func:`measurement` (other tests' pages use it)."""
    from generator.stages.decoy import summarise

    return summarise(measurement(n, methods, **ranges), seed=0, clean_accuracy=clean_accuracy)
