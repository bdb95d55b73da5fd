"""The trust stage: evidence, measured on this model, of which maps to believe.

Four checks, for every method the report shows (computing only; the page and its figures
read the :class:`Trust` this returns):

- **Model randomisation** (Adebayo et al. 2018, "Sanity Checks for Saliency Maps"): the
  weighted layers are re-initialised from the logits down, cumulatively (cascade) and one at a
  time (independent); a method whose maps stay similar does not depend on what those layers
  learned. Similarity is measured by Spearman of |map| over every pixel and over the support
  (pixels non-zero in either map), signed Spearman and SSIM (:mod:`.similarity`); with every
  layer randomised also by Efficient MPRT (the rise in the map's entropy) and Smooth MPRT
  (Spearman of |map| after averaging over noisy copies of the input), both from Hedström et
  al. (2023).
- **Data randomisation** (same paper): the same architecture trained on permuted labels (the
  report's CNN, or a fresh copy of a loaded model, :func:`~.randomisation.fresh_architecture`);
  its maps should not look like the trained model's.
- **Faithfulness** (Samek et al. 2017; Petsiuk et al. 2018; Rong et al. 2022): deleting the
  pixels a map ranks highest should make the target's score (the logit, or log p for a model of
  probabilities: the score the maps are of) fall fast, inserting them should make it rise fast,
  faster than a random order and an image-only (edge) order; with three fills, black, a blurred
  copy and ROAD's noisy linear imputation (:mod:`.road`).
- **Random target**: a map should change when the class it explains changes.

Each trained map, and each map of the fully randomised model, is also compared with the image's
Sobel edge magnitude, a map with no model in it: what two maps of one image can share without
sharing anything the network learned.

A model with no layer to randomise (:func:`~generator.stages.randomisation.randomised_models`)
skips the model randomisation, and a loaded model Keras cannot clone or train skips the data
randomisation, each with its reason logged and kept; the other checks run as usual.

The stage returns a :class:`~.trust_records.TrustEvidence` of per-image numbers (cached, by the
hashes of the data, the model and the settings, through :func:`generator.plumbing.records.to_arrays`);
:func:`~.trust_summary.summarise` bootstraps the intervals the page shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from generator.plumbing.settings import Settings
from generator.methods import keys
from generator.stages.report_model import ReportModel
from generator.stages.similarity import METRICS
from generator.stages.trust_curves import DIRECTIONS, FILLS, faithfulness_evidence
from generator.stages.trust_records import Trust, TrustEvidence
from generator.stages.trust_sanity import (SMOOTH_MPRT_NOISE, SMOOTH_MPRT_SAMPLES, precise_sanity,
                                           random_other_classes, sanity_evidence)
from generator.stages.trust_summary import summarise

Log = Callable[[str], None]
TRUST_FORMAT = 11  # 11: Smooth MPRT on 8 images; 10: curves in 5% steps; images until the verdicts' effects are precise
"""Bump when this stage changes what it computes, so cached results are dropped."""

__all__ = ["DIRECTIONS", "FILLS", "METRICS", "TRUST_FORMAT", "Trust", "TrustEvidence",
           "measure_trust", "random_other_classes", "sanity_evidence", "summarise", "trust_sample"]


def trust_sample(published: Sequence[int], size: int, seed: int) -> np.ndarray:
    """``size`` of the published test indices (all if fewer), in a seeded order: the order the
    randomisation checks take them in, so that any first n of them are a random sample."""
    published = np.unique(np.asarray(published, dtype=np.int64))
    return np.random.default_rng(seed).permutation(published)[:size]


def measure_trust(model: object, dataset: object, predictions: np.ndarray, published: Sequence[int],
                  baselines: np.ndarray, settings: Settings, log: Log) -> TrustEvidence:
    """The per-image numbers of every check (what the stage caches); see :func:`summarise`.
    ``model``: a :class:`~generator.stages.report_model.ReportModel`, or a Keras model read as
    ``settings`` say; ``baselines``: the images Expected Gradients draws from, as in the gallery."""
    from generator.stages.data import to_model_input
    from generator.stages.model_output import score_words

    trust, seed = settings.trust, settings.seed
    sample = trust_sample(published, trust.sanity_images, seed)
    faithful = np.random.default_rng(seed + 1).choice(  # in the seeded order the curves take them
        len(dataset.y_test), size=min(trust.faithfulness_images, len(dataset.y_test)), replace=False)
    from generator.stages.random_labels import random_label_network

    model = ReportModel.of(model, settings)
    random_label_fn, random_labels = random_label_network(model, dataset, settings, log)
    sanity, precision = precise_sanity(model, to_model_input(dataset.x_test[sample]), np.asarray(predictions)[sample],
                               random_label_fn, settings, baselines, log)
    sample = sample[:len(sanity.methods[keys()[0]].target.ssim)]  # the images the checks took
    fills = faithfulness_evidence(model, to_model_input(dataset.x_test[faithful]), np.asarray(predictions)[faithful],
                                  trust.random_orders, settings, baselines, log)
    faithful = faithful[:max(len(value.sample) for value in fills.values())]  # the images any fill took
    fills = {fill: dataclasses.replace(value, sample=faithful[value.sample]) for fill, value in fills.items()}
    return TrustEvidence(
        sample=np.asarray(sample, dtype=np.int64), faithfulness_sample=np.asarray(faithful, dtype=np.int64),
        smooth_sample=sanity.smooth_sample, layers=sanity.layers, skipped_layers=sanity.skipped_layers,
        methods=sanity.methods, fills=fills, random_labels=random_labels, unreachable_share=sanity.unreachable_share,
        grid=sanity.grid, curve_score=score_words(settings.model.output).noun, random_orders=trust.random_orders,
        smooth_samples=SMOOTH_MPRT_SAMPLES, smooth_noise=SMOOTH_MPRT_NOISE,
        randomisation_skipped=sanity.randomisation_skipped, similarity_target=precision.target,
        similarity_half_width=precision.half_width, sanity_maximum=precision.maximum)
