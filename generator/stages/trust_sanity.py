"""The trust stage's randomisation and random-target checks on the sanity sample, measured until
their verdicts' effects are as precise as stated (computing only).

:func:`sanity_evidence` measures one set of images: every method's maps under each randomised
copy of the model (cascade and independent), the random-label network, a random other class and
the image's edge map, with Efficient and Smooth MPRT at the fully randomised copy.
:func:`precise_sanity` takes the published images in a seeded order, :data:`SANITY_BATCH` at a
time, until the 95% interval of every randomisation effect a verdict rests on (Spearman of
|map| on the support, each method, model and data randomisation) is at most
± ``trust.similarity_precision`` wide, or the sample runs out (:mod:`.precision`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from generator import attributions as attr
from generator.plumbing.settings import Settings
from generator.stages import faithfulness as faith
from generator.methods import GRADIENT, keys
from generator.stages.method_maps import every_method_maps
from generator.stages.mprt import discrete_entropy, relative_rise, smooth_mprt
from generator.stages.precision import Precision, StoppingRule, batch_seed, until_precise
from generator.stages.report_model import ReportModel
from generator.stages.similarity import METRICS, Comparison, similarity
from generator.stages.trust_records import MethodSanity

Log = Callable[[str], None]
SANITY_BATCH = 25
"""Published images added to the sanity sample between two looks at its precision."""

SMOOTH_MPRT_SAMPLES = 6
"""Noisy copies per image whose maps Smooth MPRT averages (Hedström et al. use 50 on ImageNet;
each copy costs every method's maps again, under two models)."""
SMOOTH_MPRT_NOISE = 0.1
"""σ of Smooth MPRT's Gaussian input noise, as a share of each image's range (their default)."""
SMOOTH_MPRT_IMAGES = 8
"""Images of the sanity sample (seeded subset) Smooth MPRT is measured on: its intervals stay
narrow at this size, and twice as many cost twice as much (docs/performance.md)."""


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
    smooth_sample: np.ndarray
    randomisation_skipped: str | None
    unreachable: np.ndarray | None  # (H, W): no output depends on the pixel, trained or randomised

    @property
    def unreachable_share(self) -> float:
        """Share of pixel positions no output depends on (NaN when the randomisation was skipped)."""
        return float("nan") if self.unreachable is None else float(np.mean(self.unreachable))


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
                    settings: Settings, baselines: np.ndarray, log: Log, start: int = 0) -> Sanity:
    """Every method's maps of the sanity sample compared with the trained model's: under each
    randomised copy (cascade and independent), the random-label network (``random_label_fn``; NaN
    when None), a random target and the image's edge map; Efficient and Smooth MPRT at the fully
    randomised copy. Without a layer to randomise, the randomised comparisons are NaN and
    ``randomisation_skipped`` says why. ``start``: the images' position in a longer sample taken
    in batches; a later batch (``start`` > 0) draws its own random classes and measures no Smooth
    MPRT (the first batch's images are its sample) and no figure grid. ``model``: a
    :class:`~generator.stages.report_model.ReportModel`, or a Keras model read as ``settings`` say."""
    from generator.stages.randomisation import randomised_models, weighted_layers

    attribution, seed = settings.attribution, settings.seed
    report_model = ReportModel.of(model, settings)
    model, gradient_function = report_model.model, report_model.function_of

    def maps_of(fn: attr.GradFn, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        return every_method_maps(fn, x, t, attribution, seed, baselines).maps

    n = len(images)
    trained_fn = report_model.grad_fn
    trained_fn(images[:1], targets[:1])  # compile before timing
    measured = every_method_maps(trained_fn, images, targets, attribution, seed, baselines)
    trained, ms = measured.maps, measured.ms_per_image
    layers, skipped = weighted_layers(model)
    comparisons: dict[str, dict[str, list[Comparison]]] = {"cascade": {k: [] for k in keys()},
                                                           "independent": {k: [] for k in keys()}}
    done: dict[frozenset[str], dict[str, np.ndarray]] = {}  # the same layers randomised give the same model
    grid = [np.stack([trained[k][:2] for k in keys()])]
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
            for key in keys():
                comparisons[variant][key].append(similarity(trained[key], maps[key]))
            if variant == "cascade":
                grid.append(np.stack([maps[k][:2] for k in keys()]))
                fully_randomised, full_copy = maps, copy
    data_maps = None if random_label_fn is None else maps_of(random_label_fn, images, targets)
    other_maps = maps_of(trained_fn, images, random_other_classes(targets, trained_fn.classes,
                                                                  seed if start == 0 else batch_seed(seed, start)))
    edge_map = faith.edge_magnitude(images)  # a map of the image alone, no model
    smooth_sample = (np.sort(np.random.default_rng(seed + 2).choice(n, size=min(SMOOTH_MPRT_IMAGES, n),
                                                                    replace=False))
                     if start == 0 else np.zeros(0, np.int64))
    smooth = {key: np.full(len(smooth_sample), np.nan) for key in keys()}
    if full_copy is not None and len(smooth_sample):
        log(f"trust: Smooth MPRT, {SMOOTH_MPRT_SAMPLES} noisy copies of {len(smooth_sample)} images, trained "
            "and fully randomised")
        noisy = noisy_copies(images[smooth_sample], SMOOTH_MPRT_SAMPLES, SMOOTH_MPRT_NOISE, seed + 3)
        flat = noisy.reshape(-1, *images.shape[1:])
        repeated = np.tile(targets[smooth_sample], SMOOTH_MPRT_SAMPLES)
        before = maps_of(trained_fn, flat, repeated)
        after = maps_of(gradient_function(full_copy), flat, repeated)
        shape = (SMOOTH_MPRT_SAMPLES, len(smooth_sample), *images.shape[1:3])
        smooth = {key: smooth_mprt(before[key].reshape(shape), after[key].reshape(shape)) for key in keys()}

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

    unreachable = (None if fully_randomised is None else
                   np.all(trained[GRADIENT] == 0, axis=0) & np.all(fully_randomised[GRADIENT] == 0, axis=0))
    return Sanity({key: method(key) for key in keys()}, tuple(layers), tuple(skipped),
                  np.stack(grid).astype(np.float32), smooth_sample, reason, unreachable)


def _joined_comparison(parts: list[Comparison]) -> Comparison:
    return Comparison(**{m: np.concatenate([getattr(p, m) for p in parts], axis=-1) for m in METRICS})


def joined(parts: list[Sanity]) -> Sanity:
    """One :class:`Sanity` of consecutive batches: per-image numbers joined in order; Smooth MPRT,
    the figure grid and the layers from the first batch; a pixel unreachable only if it is in every
    batch; each method's milliseconds per image averaged over the images."""
    first = parts[0]
    sizes = [len(p.methods[keys()[0]].target.ssim) for p in parts]

    def method(key: str) -> MethodSanity:
        ours = [p.methods[key] for p in parts]
        comparisons = {name: _joined_comparison([getattr(m, name) for m in ours]) for name in (
            "cascade", "independent", "data", "target", "image_only", "image_only_randomised")}
        arrays = {name: np.concatenate([getattr(m, name) for m in ours]) for name in (
            "both_zero", "entropy_trained", "entropy_randomised", "efficient_mprt")}
        ms = float(np.average([m.ms_per_image for m in ours], weights=sizes))
        return MethodSanity(**comparisons, **arrays, smooth_mprt=ours[0].smooth_mprt, ms_per_image=ms)

    masks = [p.unreachable for p in parts]
    unreachable = None if any(mask is None for mask in masks) else np.logical_and.reduce(masks)
    return Sanity({key: method(key) for key in keys()}, first.layers, first.skipped_layers, first.grid,
                  first.smooth_sample, first.randomisation_skipped, unreachable)


def headline(sanity: Sanity) -> list[np.ndarray]:
    """The per-image effects the randomisation verdicts rest on, of the checks that ran."""
    effects = []
    for method in sanity.methods.values():
        if method.cascade.spearman_abs_support.shape[0]:
            effects.append(method.cascade.spearman_abs_support[-1])
        if np.isfinite(method.data.spearman_abs_support).any():
            effects.append(method.data.spearman_abs_support)
    return effects


def precise_sanity(model: object, images: np.ndarray, targets: np.ndarray, random_label_fn: attr.GradFn | None,
                   settings: Settings, baselines: np.ndarray, log: Log) -> tuple[Sanity, Precision]:
    """:func:`sanity_evidence` of the first n of ``images`` (in the seeded order they are taken
    in), n growing by :data:`SANITY_BATCH` until every verdict's effect is as precise as
    ``trust.similarity_precision`` asks, or every image is taken."""
    parts: list[Sanity] = []
    taken: Sanity | None = None  # the batches so far, joined: the last look's is the result

    def extend(n: int) -> list[np.ndarray]:
        nonlocal taken
        start = sum(len(p.methods[keys()[0]].target.ssim) for p in parts)
        parts.append(sanity_evidence(model, images[start:n], targets[start:n], random_label_fn, settings, baselines,
                                     log if start == 0 else (lambda line: None), start=start))
        taken = joined(parts)
        return headline(taken)

    stop = until_precise(StoppingRule(settings.trust.similarity_precision, SANITY_BATCH, len(images)), len(images),
                         extend)
    log(f"trust: randomisation checks on {stop.images} images, widest 95% half-width {stop.half_width:.3f} "
        f"(target {stop.target:g})")
    assert taken is not None  # until_precise looks at least once or raises
    return taken, stop
