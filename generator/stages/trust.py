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
from dataclasses import dataclass

import numpy as np

from generator import attributions as attr
from generator.plumbing.input_scale import UNIT, InputScale
from generator.plumbing.settings import Settings
from generator.stages import faithfulness as faith
from generator.stages import road
from generator.stages.method_maps import METHOD_KEYS, every_method_maps
from generator.stages.mprt import discrete_entropy, relative_rise, smooth_mprt
from generator.stages.similarity import METRICS, Comparison, similarity
from generator.stages.trust_records import FillEvidence, MethodSanity, OrderCurves, Trust, TrustEvidence
from generator.stages.trust_summary import summarise

Log = Callable[[str], None]
TRUST_FORMAT = 9
"""Bump when this stage changes what it computes, so cached results are dropped."""
FILLS = ("black", "blur", "road")
DIRECTIONS = ("deletion", "insertion")
ROAD_STEP_SHARE = 0.1
"""ROAD's curves are scored every 10% of the pixels, as Rong et al. evaluate them: each point is a
linear system per image (:mod:`.road`), so the 2% steps of the other fills would cost five times
as much."""
ROAD_IMAGES = 100
"""Images of the faithfulness sample (a seeded subset) whose ROAD curves are measured. Each image
needs 144 linear systems (9 interior points of 16 curves: 8 orders, 2 directions); on two busy
cores they took 0.14 ms (random orders) to 0.6 ms (orders that remove the strokes first) apiece
(2026-12-07), so 200 images added about 20 s to the stage and all 500 would add about 50 s."""
SMOOTH_MPRT_SAMPLES = 6
"""Noisy copies per image whose maps Smooth MPRT averages (Hedström et al. use 50 on ImageNet;
each copy costs every method's maps again, under two models)."""
SMOOTH_MPRT_NOISE = 0.1
"""σ of Smooth MPRT's Gaussian input noise, as a share of each image's range (their default)."""
SMOOTH_MPRT_IMAGES = 16
"""Images of the sanity sample (seeded subset) Smooth MPRT is measured on."""

__all__ = ["DIRECTIONS", "FILLS", "METHOD_KEYS", "METRICS", "TRUST_FORMAT", "Trust", "TrustEvidence",
           "measure_trust", "random_other_classes", "summarise", "trust_sample"]


def random_other_classes(targets: np.ndarray, classes: int, seed: int) -> np.ndarray:
    """For each target, a class drawn uniformly from the other ``classes − 1`` (seeded)."""
    shift = np.random.default_rng(seed).integers(1, classes, size=len(targets))
    return (np.asarray(targets) + shift) % classes


@dataclass(frozen=True)
class Sanity:
    """What the randomisation and random-target checks measure on the sanity sample."""

    methods: dict[str, MethodSanity]
    layers: tuple[str, ...]
    skipped_layers: tuple[str, ...]
    grid: np.ndarray
    unreachable_share: float
    smooth_sample: np.ndarray
    randomisation_skipped: str | None


def stacked(comparisons: list[Comparison], images: int) -> Comparison:
    """One :class:`Comparison` of (L, N) arrays from L comparisons of (N,) arrays ((0, N) for none)."""
    return Comparison(**{m: np.array([getattr(c, m) for c in comparisons]).reshape(len(comparisons), images)
                         for m in METRICS})


def not_measured(images: int) -> Comparison:
    """The comparison of a check that did not run: NaN for every image."""
    return Comparison(**{m: np.full(images, np.nan) for m in METRICS})


def noisy_copies(images: np.ndarray, copies: int, noise: float, seed: int) -> np.ndarray:
    """(copies, N, H, W, C) float32: x + ε, ε ~ N(0, (noise · (max x − min x))²) per image, seeded."""
    spread = noise * (images.max(axis=(1, 2, 3)) - images.min(axis=(1, 2, 3)))
    draws = np.random.default_rng(seed).standard_normal((copies, *images.shape))
    return (images[None] + draws * spread[None, :, None, None, None]).astype(np.float32)


def sanity_evidence(model: object, images: np.ndarray, targets: np.ndarray, random_label_fn: attr.GradFn | None,
                    settings: Settings, baselines: np.ndarray, log: Log, input_scale: InputScale = UNIT) -> Sanity:
    """Every method's maps of the sanity sample compared with the trained model's: under each
    randomised copy (cascade and independent), the random-label network (``random_label_fn``; NaN
    when None), a random target and the image's edge map; Efficient and Smooth MPRT at the fully
    randomised copy. Without a layer to randomise, the randomised comparisons are NaN and
    ``randomisation_skipped`` says why."""
    from generator.stages.randomisation import randomised_models, weighted_layers

    attribution, seed, output = settings.attribution, settings.seed, settings.model.output

    def gradient_function(network: object) -> attr.GradientFunction:
        return attr.GradientFunction(network, chunk_size=attribution.chunk_size, input_scale=input_scale, output=output)

    def maps_of(fn: attr.GradFn, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        return every_method_maps(fn, x, t, attribution, seed, baselines)[0]

    n = len(images)
    trained_fn = gradient_function(model)
    trained_fn(images[:1], targets[:1])  # compile before timing
    trained, ms = every_method_maps(trained_fn, images, targets, attribution, seed, baselines)
    layers, skipped = weighted_layers(model)
    comparisons: dict[str, dict[str, list[Comparison]]] = {"cascade": {k: [] for k in METHOD_KEYS},
                                                           "independent": {k: [] for k in METHOD_KEYS}}
    done: dict[frozenset[str], dict[str, np.ndarray]] = {}  # the same layers randomised give the same model
    grid = [np.stack([trained[k][:2] for k in METHOD_KEYS])]
    fully_randomised: dict[str, np.ndarray] | None = None
    full_copy = None
    variants, reason = randomised_models(model, seed)
    if reason is not None:
        log(f"trust: model randomisation skipped: {reason}")
    for variant, copies in variants:
        for position, (layer, copy) in enumerate(copies):
            randomised = frozenset(layers[:position + 1] if variant == "cascade" else [layer])
            log(f"trust: {variant} randomisation up to {layer}" if variant == "cascade" else
                f"trust: {variant} randomisation of {layer}")
            if randomised not in done:
                done[randomised] = maps_of(gradient_function(copy), images, targets)
            maps = done[randomised]
            for key in METHOD_KEYS:
                comparisons[variant][key].append(similarity(trained[key], maps[key]))
            if variant == "cascade":
                grid.append(np.stack([maps[k][:2] for k in METHOD_KEYS]))
                fully_randomised, full_copy = maps, copy
    data_maps = None if random_label_fn is None else maps_of(random_label_fn, images, targets)
    other_maps = maps_of(trained_fn, images, random_other_classes(targets, trained_fn.classes, seed))
    edge_map = faith.edge_magnitude(images)  # a map of the image alone, no model
    smooth_sample = np.sort(np.random.default_rng(seed + 2).choice(n, size=min(SMOOTH_MPRT_IMAGES, n), replace=False))
    smooth = {key: np.full(len(smooth_sample), np.nan) for key in METHOD_KEYS}
    if full_copy is not None:
        log(f"trust: Smooth MPRT, {SMOOTH_MPRT_SAMPLES} noisy copies of {len(smooth_sample)} images, trained "
            "and fully randomised")
        noisy = noisy_copies(images[smooth_sample], SMOOTH_MPRT_SAMPLES, SMOOTH_MPRT_NOISE, seed + 3)
        flat = noisy.reshape(-1, *images.shape[1:])
        repeated = np.tile(targets[smooth_sample], SMOOTH_MPRT_SAMPLES)
        before = maps_of(trained_fn, flat, repeated)
        after = maps_of(gradient_function(full_copy), flat, repeated)
        shape = (SMOOTH_MPRT_SAMPLES, len(smooth_sample), *images.shape[1:3])
        smooth = {key: smooth_mprt(before[key].reshape(shape), after[key].reshape(shape)) for key in METHOD_KEYS}

    def method(key: str) -> MethodSanity:
        full = None if fully_randomised is None else fully_randomised[key]
        entropy = discrete_entropy(trained[key])
        entropy_randomised = np.full(n, np.nan) if full is None else discrete_entropy(full)
        rise = relative_rise(entropy, entropy_randomised)  # Efficient MPRT
        return MethodSanity(
            cascade=stacked(comparisons["cascade"][key], n), independent=stacked(comparisons["independent"][key], n),
            data=not_measured(n) if data_maps is None else similarity(trained[key], data_maps[key]),
            target=similarity(trained[key], other_maps[key]),
            image_only=similarity(trained[key], edge_map),
            image_only_randomised=not_measured(n) if full is None else similarity(full, edge_map),
            both_zero=(np.full(n, np.nan) if full is None else
                       np.mean((trained[key] == 0) & (full == 0), axis=(1, 2))),
            entropy_trained=entropy, entropy_randomised=entropy_randomised, efficient_mprt=rise,
            smooth_mprt=smooth[key], ms_per_image=float(ms[key]))

    unreachable = (float("nan") if fully_randomised is None else
                   float(np.mean(np.all(trained["gradient"] == 0, axis=0)
                                 & np.all(fully_randomised["gradient"] == 0, axis=0))))
    return Sanity({key: method(key) for key in METHOD_KEYS}, tuple(layers), tuple(skipped),
                  np.stack(grid).astype(np.float32), unreachable, smooth_sample, reason)


def faithfulness_evidence(model: object, images: np.ndarray, targets: np.ndarray, random_orders: int,
                          settings: Settings, baselines: np.ndarray, log: Log,
                          input_scale: InputScale = UNIT) -> dict[str, FillEvidence]:
    """Deletion and insertion curves of the target's score (the logit, or log p for a model of
    probabilities) and their rescaled areas (:func:`~.faithfulness.normalised_auc`), for every
    method's ranking, ``random_orders`` random rankings per image (each image its own; curves and
    areas averaged per image) and the image-only edge ranking, with a black fill, a blurred fill
    (2% steps) and ROAD's noisy linear imputation (10% steps)."""
    attribution, seed = settings.attribution, settings.seed
    grad_fn = attr.GradientFunction(model, chunk_size=attribution.chunk_size, input_scale=input_scale,
                                    output=settings.model.output)
    maps, _ = every_method_maps(grad_fn, images, targets, attribution, seed, baselines)
    score_fn = grad_fn.logits
    pixels = int(np.prod(images.shape[1:3]))
    step = faith.step_pixels(pixels)
    orders: dict[str, list[np.ndarray]] = {key: [faith.ranking(maps[key])] for key in METHOD_KEYS}
    orders["random"] = list(faith.random_rankings(random_orders, len(images), pixels, seed))
    orders["image_only"] = [faith.edge_ranking(images[..., 0])]
    fill_images = {"black": np.zeros_like(images), "blur": faith.blur(images)}
    ends = {name: faith.end_logits(score_fn, images, fill) for name, fill in fill_images.items()}  # every order's
    ends["road"] = ends["black"]  # with every pixel removed, ROAD has nothing to interpolate from: black
    road_counts = np.round(np.linspace(0.0, 1.0, int(round(1 / ROAD_STEP_SHARE)) + 1) * pixels).astype(np.int64)
    road_rows = np.sort(np.random.default_rng(seed + 4).choice(len(images), size=min(ROAD_IMAGES, len(images)),
                                                               replace=False))
    rows = {"black": np.arange(len(images)), "blur": np.arange(len(images)), "road": road_rows}
    curves: dict[str, dict[str, OrderCurves]] = {fill: {} for fill in FILLS}
    fractions: dict[str, np.ndarray] = {}
    for name, rankings in orders.items():
        log(f"trust: deletion and insertion curves of {name} ({len(rankings)} order(s) per image)")
        for fill in FILLS:
            paths = {}
            for direction in DIRECTIONS:
                if fill == "road":
                    paths[direction] = [road.road_curves(score_fn, images[road_rows], targets[road_rows],
                                                         order[road_rows], road_counts, direction == "deletion", seed,
                                                         ends=tuple(e[road_rows] for e in ends[fill]))
                                        for order in rankings]
                else:
                    walk = faith.deletion if direction == "deletion" else faith.insertion
                    paths[direction] = [walk(score_fn, images, targets, order, fill_images[fill], step, ends=ends[fill])
                                        for order in rankings]
            fractions[fill] = paths["deletion"][0].fractions
            curves[fill][name] = OrderCurves(**{
                key: value for direction in DIRECTIONS for key, value in (
                    (direction, np.mean([c.logit for c in paths[direction]], axis=0).astype(np.float32)),
                    (f"{direction}_area", np.mean([faith.normalised_auc(c, "logit") for c in paths[direction]],
                                                  axis=0)))})
    def end_scores(fill: str, end: int) -> np.ndarray:
        return ends[fill][end][rows[fill], np.asarray(targets)[rows[fill]]].astype(np.float64)

    return {fill: FillEvidence(rows[fill], fractions[fill], end_scores(fill, 0), end_scores(fill, 1), curves[fill])
            for fill in FILLS}


def trust_sample(published: Sequence[int], size: int, seed: int) -> np.ndarray:
    """``size`` of the published test indices (all if fewer), seeded, in increasing order."""
    published = np.unique(np.asarray(published, dtype=np.int64))
    if len(published) <= size:
        return published
    return np.sort(np.random.default_rng(seed).choice(published, size=size, replace=False))


def measure_trust(model: object, dataset: object, predictions: np.ndarray, published: Sequence[int],
                  baselines: np.ndarray, settings: Settings, log: Log,
                  input_scale: InputScale = UNIT) -> TrustEvidence:
    """The per-image numbers of every check (what the stage caches); see :func:`summarise`.
    ``baselines``: the images Expected Gradients draws from, as in the gallery; ``input_scale``: ``model``'s."""
    from generator.stages.data import to_model_input
    from generator.stages.model_output import score_words

    trust, seed = settings.trust, settings.seed
    sample = trust_sample(published, trust.sanity_images, seed)
    faithful = np.sort(np.random.default_rng(seed + 1).choice(
        len(dataset.y_test), size=min(trust.faithfulness_images, len(dataset.y_test)), replace=False))
    from generator.stages.random_labels import random_label_network

    random_label_fn, random_labels = random_label_network(model, dataset, settings, log, input_scale)
    sanity = sanity_evidence(model, to_model_input(dataset.x_test[sample]), np.asarray(predictions)[sample],
                             random_label_fn, settings, baselines, log, input_scale)
    fills = faithfulness_evidence(model, to_model_input(dataset.x_test[faithful]), np.asarray(predictions)[faithful],
                                  trust.random_orders, settings, baselines, log, input_scale)
    fills = {fill: dataclasses.replace(value, sample=faithful[value.sample]) for fill, value in fills.items()}
    return TrustEvidence(
        sample=np.asarray(sample, dtype=np.int64), faithfulness_sample=np.asarray(faithful, dtype=np.int64),
        smooth_sample=sanity.smooth_sample, layers=sanity.layers, skipped_layers=sanity.skipped_layers,
        methods=sanity.methods, fills=fills, random_labels=random_labels, unreachable_share=sanity.unreachable_share,
        grid=sanity.grid, curve_score=score_words(settings.model.output).noun, random_orders=trust.random_orders,
        smooth_samples=SMOOTH_MPRT_SAMPLES, smooth_noise=SMOOTH_MPRT_NOISE,
        randomisation_skipped=sanity.randomisation_skipped)
