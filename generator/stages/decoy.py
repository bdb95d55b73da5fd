"""Does a method find a cheating model? Decoy MNIST, a model whose reason is known in advance.

Ross, Hughes and Doshi-Velez (2017, "Right for the Right Reasons") put a small patch in a corner
of every image whose grey level encodes the label; a network trained on such images learns to
read the patch. Here (:mod:`generator.stages.decoy_data`) the patch is ``size`` × ``size``
pixels, in a corner chosen per image (seeded) of the region the network reads (its unread border
left out), at grey level 255 − 25 · y for label y (never black), on every training and test
image. The same network, trained with the same settings on these images, is the *decoy model*.

The report's CNN need not take that shortcut by itself: with the digit as reliable as the patch
it learns mostly the digit: with this patch and no digit swapped it stays almost as accurate
with the patch level shuffled as with the true one; larger patches, and swapping digits, make it
read the patch (the measurements: docs/performance.md, "The decoy check"). So, in a share
``mismatched`` of the training images (seeded), the digit is swapped for another training
image's while the patch keeps the label: only the patch always agrees with the label. Test images
are never swapped.

What this stage measures (computing only; :mod:`generator.pages.decoy` writes the page, by the
rules of :mod:`generator.stages.decoy_rules`):

- each model's accuracy on the decoy test images, with the true patch and with the patch level
  drawn at random, and the accuracy each loses to that (with 95% intervals): the decoy model
  *reads the patch* when it loses more than the normal model, which never saw a patch;
- for each method, on a seeded sample of decoy test images, the relevance mass and rank accuracy
  (:mod:`generator.stages.localisation`) of each map of each model's predicted class, for the
  decoy model and the report's normal model, overall and per corner, with 95% intervals;
- the share of the patch pixels the two models read (1 when the patches are placed right).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

import numpy as np

from generator.methods import shown_input
from generator.stages.data import Dataset, to_model_input
from generator.stages.decoy_data import (CORNERS, decoy_corners, decoy_dataset, patch_mask, patch_masks,
                                         readable_share, with_decoy)
from generator.stages.decoy_records import (Decoy, DecoyMeasurement, Localisation, MethodLocalisation,
                                            MethodMeasurement, Pair)
from generator.stages.intervals import Interval, interval
from generator.stages.localisation import mass_accuracy, paired_means, percentile_interval, rank_accuracy
from generator.stages.read_region import ReadRegion
from generator.stages.report_model import ReportModel

DECOY_FORMAT = 5  # 2–5: patches where the model reads, never black; mass and rank accuracy; interval rules
"""Bump when this stage changes what it computes, so cached results are dropped."""
METRICS = {"mass": mass_accuracy, "rank": rank_accuracy}
"""The localisation metrics measured per map, by their array key."""
Log = Callable[[str], None]
__all__ = ["CORNERS", "DECOY_FORMAT", "Decoy", "DecoyMeasurement", "Localisation", "MethodLocalisation",
           "MethodMeasurement", "Pair", "decoy_corners", "decoy_dataset", "measure_decoy", "patch_mask", "summarise",
           "with_decoy"]


def measure_decoy(decoy_model: object, normal_model: object, decoy: Dataset, test_corners: np.ndarray,
                  maps_of: Callable[[object, np.ndarray, np.ndarray], dict[str, np.ndarray]], images: int,
                  size: int, seed: int, log: Log, placed: ReadRegion | None = None) -> DecoyMeasurement:
    """Measure both models on the decoy test images (what the stage caches); see :func:`summarise`.

    Args:
        decoy_model: the report's CNN trained here on the decoy data (a Keras model that reads
            pixel/255 and outputs logits).
        normal_model: the report's :class:`~generator.stages.report_model.ReportModel` (how it
            reads pixels, what it outputs, its gradient function), or a Keras model that reads
            pixel/255 and outputs logits; the decoy model's gradient function takes the same chunks.
        decoy: the decoy dataset; test_corners: its test images' corners.
        maps_of: (model, images, targets) → method key → (n, H, W) maps, every method the report shows.
        images: how many decoy test images (seeded sample) to attribute.
        size: patch side; seed: seeds the sample and the shuffled levels.
        log: progress sink.
        placed: the region the patches were placed in (:func:`~generator.stages.decoy_data.decoy_dataset`'s
            extent); the whole image when None.
    """
    from generator import attributions as attr
    from generator.stages.read_region import read_region

    shape = tuple(int(d) for d in decoy.x_test.shape[1:3])
    placed = placed or ReadRegion(*shape, *shape)
    extent = (placed.rows, placed.columns)
    normal = ReportModel.of(normal_model)
    normal_fn = normal.grad_fn
    decoy_fn = attr.shared_gradient_function(decoy_model, chunk_size=normal_fn.chunk_size)  # pixel/255 to logits
    shuffled_levels = np.random.default_rng([seed, 9]).integers(0, 10, size=len(decoy.y_test))
    x_test = to_model_input(decoy.x_test)
    x_shuffled = to_model_input(with_decoy(decoy.x_test, shuffled_levels, test_corners, size, extent))
    predictions = {(model, patch): np.argmax(fn.logits(x), axis=1)
                   for model, fn in (("decoy", decoy_fn), ("normal", normal_fn))
                   for patch, x in (("true", x_test), ("shuffled", x_shuffled))}
    correct = {key: (value == decoy.y_test).astype(np.float64) for key, value in predictions.items()}
    accuracy = {key: float(value.mean()) for key, value in correct.items()}
    log(f"decoy: accuracy {accuracy['decoy', 'true']:.1%} on decoy test images, "
        f"{accuracy['decoy', 'shuffled']:.1%} with the patch level shuffled")
    lost = Pair(*(counted_interval(correct[model, "true"] - correct[model, "shuffled"], seed)
                  for model in ("decoy", "normal")))
    sample = np.sort(np.random.default_rng([seed, 17]).choice(len(decoy.y_test), size=min(images, len(decoy.y_test)),
                                                              replace=False))
    x, corners = x_test[sample], np.asarray(test_corners)[sample]
    masks = patch_masks(corners, size, extent, shape)
    shown = first_of_each_corner(corners)
    maps = [maps_of(fn, x, predictions[model, "true"][sample])
            for model, fn in (("decoy", decoy_fn), ("normal", normal_fn))]
    methods = {key: MethodMeasurement(
        *(np.stack([metric(model_maps[key], masks) for model_maps in maps]) for metric in METRICS.values()),
        np.stack([model_maps[key][shown] for model_maps in maps]).astype(np.float32),
        np.stack([np.count_nonzero(model_maps[key], axis=(1, 2)) for model_maps in maps])) for key in maps[0]}
    normal_region = read_region(normal.model)
    read = read_region(decoy_model).within(normal_region)
    return DecoyMeasurement(size, placed, normal_region,
                            readable_share(corners, size, extent, (read.rows, read.columns)),
                            accuracy["decoy", "true"], counted_interval(correct["decoy", "shuffled"], seed),
                            accuracy["normal", "true"], accuracy["normal", "shuffled"], lost, sample, corners, shown,
                            shown_input(x[shown]), methods)


def counted_interval(values: np.ndarray, seed: int, resamples: int = 1000, level: float = 0.95) -> Interval:
    """The mean of ``values`` that take a few distinct values (each test image's 0/1 correctness,
    or its −1/0/1 change) and its percentile-bootstrap interval, each resample drawn as counts: how
    many of each value n values drawn with replacement hold is multinomial, the same distribution
    as resampling the images one by one (:func:`~generator.stages.intervals.interval`), at a cost
    that does not grow with n (resampling 10,000 images one by one takes a noticeable part of a
    second per interval)."""
    levels, counts = np.unique(np.asarray(values, dtype=np.float64), return_counts=True)
    draws = np.random.default_rng(seed).multinomial(counts.sum(), counts / counts.sum(), size=resamples)
    low, high = np.quantile(draws @ levels / counts.sum(), [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return Interval(float(np.mean(values)), float(low), float(high))


def first_of_each_corner(corners: np.ndarray) -> np.ndarray:
    """(k,) positions of the first image with its patch in each corner, in corner order (corners
    with no image left out): the figure's examples, chosen before any map is seen."""
    corners = np.asarray(corners)
    return np.array([int(np.flatnonzero(corners == c)[0]) for c in range(len(CORNERS)) if np.any(corners == c)],
                    dtype=np.int64)


def localisation(values: np.ndarray, corners: np.ndarray, seed: int) -> Localisation:
    """A metric's (2, n) per-image ``values`` (decoy model, normal model) summarised: means with
    their 95% bootstrap intervals over the images where both are numbers, the ratio and the
    difference of the means from the same resamples, and the means per corner."""
    values = np.asarray(values, dtype=np.float64)
    both = np.all(np.isfinite(values), axis=0)
    kept, kept_corners = values[:, both], np.asarray(corners)[both]
    if kept.shape[1] == 0:
        nothing = Interval(float("nan"), float("nan"), float("nan"))
        return Localisation(values, Pair(nothing, nothing), nothing, nothing,
                            {name: Pair(nothing, nothing) for name in CORNERS}, 0)
    means = paired_means(kept.T, seed)
    decoy_mean, normal_mean = kept.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = Interval(float(np.divide(decoy_mean, normal_mean)), *percentile_interval(means[:, 0] / means[:, 1]))
    difference = Interval(float(decoy_mean - normal_mean), *percentile_interval(means[:, 0] - means[:, 1]))
    per_corner = {name: Pair(interval(kept[0, kept_corners == c], seed), interval(kept[1, kept_corners == c], seed))
                  for c, name in enumerate(CORNERS)}
    return Localisation(values, Pair(interval(kept[0], seed), interval(kept[1], seed)), ratio, difference,
                        per_corner, int(both.sum()))


def summarise(measured: DecoyMeasurement, seed: int, clean_accuracy: float = float("nan")) -> Decoy:
    """The page's result from the stage's measurement; ``seed`` seeds the bootstrap intervals;
    ``clean_accuracy``: the normal model's accuracy on the test images without a patch."""
    methods = {key: MethodLocalisation(localisation(method.mass, measured.corners, seed),
                                       localisation(method.rank, measured.corners, seed), method.example_maps,
                                       tuple(float(np.median(row)) for row in method.nonzero))
               for key, method in measured.methods.items()}
    shared = {field.name: getattr(measured, field.name)
              for field in fields(DecoyMeasurement) if field.name != "methods"}
    return Decoy(**shared, methods=methods, clean_accuracy=float(clean_accuracy))
