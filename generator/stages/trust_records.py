"""The trust stage's typed records: the per-image evidence it computes and caches
(:class:`TrustEvidence`), and the intervals the page shows (:class:`Trust`, from
:func:`generator.stages.trust_summary.summarise`).

The evidence is flattened for the cache and for ``data/trust.npz`` by
:func:`generator.plumbing.records.to_arrays` (keys such as ``methods.gradient.cascade.ssim``
or ``fills.road.curves.random.deletion_area``) and read back by ``from_arrays``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.stages.intervals import Interval
from generator.stages.similarity import Comparison


@dataclass(frozen=True)
class MethodSanity:
    """One method's per-image randomisation and random-target numbers.

    N is the sanity sample, L the number of randomised layers, M the Smooth-MPRT subset.

    Attributes:
        cascade: similarities to the trained map, (L, N) each: row l with the top l + 1 layers
            randomised (logits first); (0, N) when the model randomisation was skipped.
        independent: the same with only layer l randomised.
        data: (N,) against the network trained on random labels (NaN when that was skipped).
        target: (N,) the map for the predicted class against the map for a random other class.
        image_only: (N,) the trained map against the image's Sobel edge magnitude (no model).
        image_only_randomised: (N,) the fully randomised model's map against the same edges.
        both_zero: (N,) share of pixels exactly zero in the trained and the fully randomised map.
        entropy_trained: (N,) discrete entropy of the trained map (nats, 100 bins).
        entropy_randomised: (N,) the same of the fully randomised model's map.
        efficient_mprt: (N,) (entropy_randomised − entropy_trained) / entropy_trained.
        smooth_mprt: (M,) Spearman of |map| averaged over noisy copies, trained against fully
            randomised.
        ms_per_image: milliseconds the method took per image on the trained model.
    """

    cascade: Comparison
    independent: Comparison
    data: Comparison
    target: Comparison
    image_only: Comparison
    image_only_randomised: Comparison
    both_zero: np.ndarray
    entropy_trained: np.ndarray
    entropy_randomised: np.ndarray
    efficient_mprt: np.ndarray
    smooth_mprt: np.ndarray
    ms_per_image: float


@dataclass(frozen=True)
class OrderCurves:
    """One pixel order's deletion and insertion curves with one fill.

    Attributes:
        deletion: (N, S + 1) the target's score (logit, or log p for a model of probabilities)
            as the order's top pixels are removed, 0 … all.
        insertion: (N, S + 1) the score as they are restored into the fully filled image.
        deletion_area: (N,) area under each image's curve rescaled by its two ends (0 at the
            lower end, 1 at the higher); NaN when the ends are less than 1 score unit apart.
        insertion_area: (N,) the same for insertion.
    """

    deletion: np.ndarray
    insertion: np.ndarray
    deletion_area: np.ndarray
    insertion_area: np.ndarray


@dataclass(frozen=True)
class FillEvidence:
    """Every order's curves with one fill, and what they share.

    Attributes:
        sample: (N,) the images these curves are of: test indices (positions in the faithfulness
            sample while the stage computes them); a subset of the sample for ROAD.
        fractions: (S + 1,) share of the pixels removed or restored at each point.
        image_score: (N,) the target's score of the full image (every path's one end).
        filled_score: (N,) its score with every pixel filled (the other end).
        curves: order name (a method key, "random", "image_only") → its curves.
        target: the half-width every area's 95% interval was to reach (``trust.area_precision``).
        maximum: the most images this fill could take.
        half_width: the widest normal-approximation half-width of its areas where it stopped
            (:mod:`.precision`); at most ``target`` unless it stopped at ``maximum``.
    """

    sample: np.ndarray
    fractions: np.ndarray
    image_score: np.ndarray
    filled_score: np.ndarray
    curves: dict[str, OrderCurves]
    target: float
    maximum: int
    half_width: float

    @property
    def reached(self) -> bool:
        """Whether the fill's areas reached the target precision before its maximum."""
        return bool(self.half_width <= self.target)


@dataclass(frozen=True)
class RandomLabelFacts:
    """The data-randomisation network: what it is, how it was trained and how far it got.

    Attributes:
        architecture: "cnn" (the report's CNN) or "clone" (the loaded model's architecture,
            fresh weights).
        images, learning_rate, batch_size, epoch_budget: how it was trained.
        epochs, train_fit, reached_target, test_accuracy, seconds: what the training did (NaN and
            0 when skipped).
        skipped: why the network could not be trained, or None.
    """

    architecture: str
    images: int
    learning_rate: float
    batch_size: int
    epoch_budget: int
    epochs: int
    train_fit: float
    reached_target: bool
    test_accuracy: float
    seconds: float
    skipped: str | None = None


@dataclass(frozen=True)
class TrustEvidence:
    """Everything the trust stage measures, per image (what is cached and published).

    Attributes:
        sample: test indices of the sanity sample (published examples; maps of the predicted class).
        faithfulness_sample: test indices of the deletion and insertion sample.
        smooth_sample: positions in ``sample`` of the Smooth-MPRT subset.
        layers: weighted layers in cascade order (logits first); skipped_layers: the others.
        methods: method key → its numbers.
        fills: "black", "blur", "road" → the curves with that fill.
        random_labels: the data-randomisation network.
        unreachable_share: share of pixel positions with a zero gradient in every sampled image,
            trained and fully randomised (NaN when the randomisation was skipped).
        grid: (L + 1, methods, 2, H, W) the maps of the first two sample images, trained then at
            each cascade step.
        curve_score: the score the curves follow: "logit" or "log-probability".
        random_orders: random orders per image of the random control.
        smooth_samples, smooth_noise: noisy copies per image of Smooth MPRT and their noise
            (σ as a share of each image's range).
        randomisation_skipped: why the model randomisation did not run, or None.
        similarity_target, similarity_half_width, sanity_maximum: the half-width the randomisation
            effects' 95% intervals were to reach, the widest reached (normal approximation), and
            the most images the sample could take (see :mod:`.trust_sanity`).
    """

    sample: np.ndarray
    faithfulness_sample: np.ndarray
    smooth_sample: np.ndarray
    layers: tuple[str, ...]
    skipped_layers: tuple[str, ...]
    methods: dict[str, MethodSanity]
    fills: dict[str, FillEvidence]
    random_labels: RandomLabelFacts
    unreachable_share: float
    grid: np.ndarray
    curve_score: str
    random_orders: int
    smooth_samples: int
    smooth_noise: float
    randomisation_skipped: str | None = None
    similarity_target: float = float("nan")
    similarity_half_width: float = float("nan")
    sanity_maximum: int = 0

    @property
    def similarity_reached(self) -> bool:
        """Whether the randomisation effects reached their target precision before the maximum."""
        return bool(self.similarity_half_width <= self.similarity_target)


@dataclass(frozen=True)
class SimilarityIntervals:
    """Means and 95% bootstrap intervals of a :class:`~generator.stages.similarity.Comparison`."""

    spearman_abs: Interval
    spearman_abs_support: Interval
    spearman: Interval
    ssim: Interval


@dataclass(frozen=True)
class Areas:
    """Deletion and insertion areas, fill → mean and interval."""

    deletion: dict[str, Interval]
    insertion: dict[str, Interval]


@dataclass(frozen=True)
class MethodTrust:
    """One method's intervals, as the page shows them."""

    cascade: tuple[SimilarityIntervals, ...]
    independent: tuple[SimilarityIntervals, ...]
    data_randomisation: SimilarityIntervals
    random_target: SimilarityIntervals
    image_only: SimilarityIntervals
    image_only_randomised: SimilarityIntervals
    both_zero: float
    efficient_mprt: Interval
    smooth_mprt: Interval
    areas: Areas
    ms_per_image: float


@dataclass(frozen=True)
class FillEnds:
    """One fill's path ends: the target's mean score of the full and of the fully filled image,
    and how many images' areas are defined (ends at least 1 score unit apart) of how many."""

    image_score: Interval
    filled_score: Interval
    usable: int
    images: int


@dataclass(frozen=True)
class Trust:
    """Everything the trust section shows: the intervals, and the evidence they come from."""

    evidence: TrustEvidence
    methods: dict[str, MethodTrust]
    controls: dict[str, Areas]
    ends: dict[str, FillEnds]

    @property
    def sample(self) -> np.ndarray:
        return self.evidence.sample

    @property
    def faithfulness_sample(self) -> np.ndarray:
        return self.evidence.faithfulness_sample

    @property
    def layers(self) -> tuple[str, ...]:
        return self.evidence.layers

    @property
    def skipped(self) -> tuple[str, ...]:
        return self.evidence.skipped_layers

    @property
    def random_labels(self) -> RandomLabelFacts:
        return self.evidence.random_labels

    @property
    def unreachable_share(self) -> float:
        return self.evidence.unreachable_share

    @property
    def randomisation_skipped(self) -> str | None:
        return self.evidence.randomisation_skipped
