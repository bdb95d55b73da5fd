"""The intervals the trust page shows, bootstrapped from the stage's per-image evidence.

:func:`summarise` turns a :class:`~.trust_records.TrustEvidence` into a :class:`~.trust_records.Trust`:
every mean with its 95% percentile-bootstrap interval over the images (seeded, so the same
evidence gives the same intervals). Images whose number is not finite (an area whose path ends
are less than 1 score unit apart, a Spearman correlation of a constant map) are left out of
that number's interval, and the page says how many remain for the areas.
"""

from __future__ import annotations

import numpy as np

from generator.stages.faithfulness import MIN_LOGIT_GAP
from generator.stages.intervals import interval
from generator.stages.similarity import METRICS, Comparison
from generator.stages.trust_records import (Areas, FillEnds, FillEvidence, MethodSanity, MethodTrust,
                                            SimilarityIntervals, Trust, TrustEvidence)

CONTROLS = ("random", "image_only")
"""The orders a method must beat: a random order per image, and the image's Sobel edge order."""


def similarity_intervals(comparison: Comparison, seed: int) -> SimilarityIntervals:
    """The interval of each measure of a comparison of (N,) arrays."""
    return SimilarityIntervals(**{m: interval(getattr(comparison, m), seed) for m in METRICS})


def per_layer(comparison: Comparison, seed: int) -> tuple[SimilarityIntervals, ...]:
    """One :class:`SimilarityIntervals` per row of a comparison of (L, N) arrays (none for L = 0)."""
    rows = len(comparison.ssim)
    return tuple(similarity_intervals(Comparison(**{m: getattr(comparison, m)[row] for m in METRICS}), seed)
                 for row in range(rows))


def areas(fills: dict[str, FillEvidence], name: str, seed: int) -> Areas:
    """The deletion and insertion areas of order ``name`` under every fill."""
    return Areas(deletion={fill: interval(evidence.curves[name].deletion_area, seed) for fill, evidence in fills.items()},
                 insertion={fill: interval(evidence.curves[name].insertion_area, seed)
                            for fill, evidence in fills.items()})


def method_trust(key: str, sanity: MethodSanity, fills: dict[str, FillEvidence], seed: int) -> MethodTrust:
    """One method's intervals."""
    return MethodTrust(
        cascade=per_layer(sanity.cascade, seed), independent=per_layer(sanity.independent, seed),
        data_randomisation=similarity_intervals(sanity.data, seed),
        random_target=similarity_intervals(sanity.target, seed),
        image_only=similarity_intervals(sanity.image_only, seed),
        image_only_randomised=similarity_intervals(sanity.image_only_randomised, seed),
        both_zero=float(np.mean(sanity.both_zero)),
        efficient_mprt=interval(sanity.efficient_mprt, seed), smooth_mprt=interval(sanity.smooth_mprt, seed),
        areas=areas(fills, key, seed), ms_per_image=sanity.ms_per_image)


def fill_ends(evidence: FillEvidence, seed: int, min_gap: float = MIN_LOGIT_GAP) -> FillEnds:
    """A fill's mean scores at both ends of its paths, and how many images' areas are defined."""
    gap = np.abs(evidence.image_score - evidence.filled_score)
    return FillEnds(interval(evidence.image_score, seed), interval(evidence.filled_score, seed),
                    int(np.sum(gap >= min_gap)), int(len(gap)))


def summarise(evidence: TrustEvidence, seed: int) -> Trust:
    """The intervals and means of the per-image evidence."""
    return Trust(
        evidence=evidence,
        methods={key: method_trust(key, sanity, evidence.fills, seed) for key, sanity in evidence.methods.items()},
        controls={name: areas(evidence.fills, name, seed) for name in CONTROLS},
        ends={fill: fill_ends(value, seed) for fill, value in evidence.fills.items()},
    )
