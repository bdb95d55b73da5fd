"""The decoy check's typed records: what :mod:`generator.stages.decoy` measures and caches
(:class:`DecoyMeasurement`) and what the page shows (:class:`Decoy`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.stages.decoy_rules import verdict
from generator.stages.intervals import Interval
from generator.stages.read_region import ReadRegion

__all__ = ["Decoy", "DecoyMeasurement", "Localisation", "MethodLocalisation", "MethodMeasurement", "Pair"]


@dataclass(frozen=True)
class Pair:
    """One measure for the decoy model and for the normal model on the same images, each a mean
    with its 95% bootstrap interval."""

    decoy: Interval
    normal: Interval

    def reading(self) -> str:
        """pass, fail or inconclusive: the decoy model's interval against the normal model's
        (:func:`~generator.stages.decoy_rules.verdict`)."""
        return verdict(self.decoy, self.normal)


@dataclass(frozen=True)
class MethodMeasurement:
    """One method's maps of the sample, measured.

    Attributes:
        mass, rank: (2, n) relevance mass and rank accuracy of each sampled image's map by the
            decoy model (row 0) and the normal model (row 1); NaN where a map is 0 everywhere.
        example_maps: (2, k, H, W) the maps of the figure's images (the sample's
            ``example_positions``) by both models: the maps those positions' values were computed on.
        nonzero: (2, n) how many pixels of each map are not 0 (what mass accuracy divides among).
    """

    mass: np.ndarray
    rank: np.ndarray
    example_maps: np.ndarray
    nonzero: np.ndarray


@dataclass(frozen=True)
class DecoyMeasurement:
    """What the decoy stage measures, and what its cache holds (:mod:`generator.plumbing.records`).

    Attributes:
        size: patch side in pixels.
        placed: the region the patches are placed in: the pixels the decoy model's network and the
            normal model read (its unread border is a finding about the architecture).
        normal_region: the region the normal model reads (the model card's border).
        readable_share: the share of the sampled images' patch pixels the two trained models read.
        accuracy, shuffled_accuracy: the decoy model's accuracy on decoy test images, with the true
            patch and with the patch level drawn at random (this one with its interval: whether it
            stays above chance says whether the model reads more than the patch).
        normal_accuracy, normal_shuffled_accuracy: the same for the report's normal model.
        accuracy_lost: what shuffling costs each model (per-image paired), with intervals.
        sample: (n,) test indices whose maps were measured; corners: (n,) their patches' corners.
        example_positions: (k,) positions in ``sample`` of the figure's images (the first of each corner);
        examples: (k, H, W) those decoy inputs.
        methods: method key → its measured maps.
    """

    size: int
    placed: ReadRegion
    normal_region: ReadRegion
    readable_share: float
    accuracy: float
    shuffled_accuracy: Interval
    normal_accuracy: float
    normal_shuffled_accuracy: float
    accuracy_lost: Pair
    sample: np.ndarray
    corners: np.ndarray
    example_positions: np.ndarray
    examples: np.ndarray
    methods: dict[str, MethodMeasurement]


@dataclass(frozen=True)
class Localisation:
    """One localisation metric of one method, for both models.

    Attributes:
        values: (2, n) the metric of each sampled image's map by the decoy model (row 0) and the
            normal model (row 1); NaN where a map is 0 everywhere.
        means: the means over the images where both are numbers, with their intervals.
        ratio, difference: decoy mean ÷ normal mean and decoy mean − normal mean, with intervals
            from the same (paired) resamples of the images.
        corners: corner name → the means over the images with the patch in that corner.
        count: images where both maps have some attribution (those the means are over).
    """

    values: np.ndarray
    means: Pair
    ratio: Interval
    difference: Interval
    corners: dict[str, Pair]
    count: int


@dataclass(frozen=True)
class MethodLocalisation:
    """A method's relevance mass accuracy and relevance rank accuracy (see :mod:`generator.stages.localisation`)."""

    mass: Localisation
    rank: Localisation
    example_maps: np.ndarray
    """(2, k, H, W) the figure's maps (see :class:`MethodMeasurement`)."""
    nonzero_median: tuple[float, float]
    """The median count of pixels that are not 0 in a map, by the decoy model and by the normal model."""

    def reading(self) -> str:
        """Whether the method finds the decoy, by :data:`~generator.stages.decoy_rules.RULE` on rank accuracy."""
        return self.rank.means.reading()


@dataclass(frozen=True)
class Decoy:
    """What the *Does it find a cheating model?* page shows: :class:`DecoyMeasurement`'s fields
    (``methods`` summarised as :class:`MethodLocalisation`) and ``clean_accuracy``, the normal
    model's accuracy on the test images without a patch (NaN: not known)."""

    size: int
    placed: ReadRegion
    normal_region: ReadRegion
    readable_share: float
    accuracy: float
    shuffled_accuracy: Interval
    normal_accuracy: float
    normal_shuffled_accuracy: float
    accuracy_lost: Pair
    sample: np.ndarray
    corners: np.ndarray
    example_positions: np.ndarray
    examples: np.ndarray
    methods: dict[str, MethodLocalisation]
    clean_accuracy: float
    training: str = ""
    """How the decoy model was trained (the model card's words), when known."""

    def reads_patch(self) -> str:
        """Whether the decoy model reads the patch, by :data:`~generator.stages.decoy_rules.READS_RULE`."""
        return self.accuracy_lost.reading()
