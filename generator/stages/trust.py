"""The trust stage: evidence, measured on this model, of which maps to believe.

Four checks, for every method the report shows (computing only; the page and its figures
read the :class:`Trust` this returns):

- **Model randomisation** (Adebayo et al. 2018, "Sanity Checks for Saliency Maps"): the
  weighted layers are re-initialised from the logits down, cumulatively (cascade) and one at a
  time (independent); a method whose maps stay similar does not depend on what those layers
  learned.
- **Data randomisation** (same paper): the same network trained on permuted labels; its maps
  should not look like the trained model's.
- **Faithfulness** (Samek et al. 2017; Petsiuk et al. 2018): deleting the pixels a map ranks
  highest should make the score fall fast, inserting them should make it rise fast, faster
  than a random order and an image-only (edge) order.
- **Random target**: a map should change when the class it explains changes.

Each trained map, and each map of the fully randomised model, is also compared with the image's
Sobel edge magnitude, a map with no model in it: what two maps of one image can share without
sharing anything the network learned.

A model with no layer to randomise (:func:`~generator.stages.randomisation.randomised_models`)
skips the model randomisation, with its reason logged and kept (``Trust.randomisation_skipped``);
the other checks run as usual.

Per-image numbers are cached by the hashes of the data, the model and the settings (they
cost more than the rest of the report's attributions); the intervals are bootstrapped from
them when read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from generator import attributions as attr
from generator.plumbing.input_scale import UNIT, InputScale
from generator.plumbing.settings import Settings
from generator.stages import faithfulness as faith
from generator.stages.method_maps import METHOD_KEYS, every_method_maps
from generator.stages.intervals import NOT_MEASURED, Interval, interval
from generator.stages.similarity import similarity

Log = Callable[[str], None]
TRUST_FORMAT = 8
"""Bump when this stage changes what it computes, so cached results are dropped."""
METRICS = ("spearman_abs", "spearman", "ssim")
FILLS = ("black", "blur")
DIRECTIONS = ("deletion", "insertion")


def random_other_classes(targets: np.ndarray, classes: int, seed: int) -> np.ndarray:
    """For each target, a class drawn uniformly from the other ``classes − 1`` (seeded)."""
    shift = np.random.default_rng(seed).integers(1, classes, size=len(targets))
    return (np.asarray(targets) + shift) % classes


def sanity_arrays(model: object, images: np.ndarray, targets: np.ndarray, random_label_model: object,
                  settings: Settings, baselines: np.ndarray, log: Log,
                  input_scale: InputScale = UNIT) -> dict[str, np.ndarray]:
    """Per-image similarities of every method's maps: trained model against each randomised copy
    (cascade and independent), against the random-label model, and against a random target.
    ``model`` and its copies read ``input_scale`` and output ``settings.model.output``; the
    random-label model, trained here, reads pixel/255 and outputs logits (its maps are of log p_t
    too when the model's are). Without a layer to randomise, the randomised copies are left out
    and ``randomisation_skipped`` says why."""
    from generator.stages.randomisation import randomised_models, weighted_layers

    attribution, seed, output = settings.attribution, settings.seed, settings.model.output
    trained_fn = attr.GradientFunction(model, chunk_size=attribution.chunk_size, input_scale=input_scale,
                                       output=output)
    trained_fn(images[:1], targets[:1])  # compile before timing
    trained, ms = every_method_maps(trained_fn, images, targets, attribution, seed, baselines)
    layers, skipped = weighted_layers(model)
    out: dict[str, np.ndarray] = {"layers": np.array(layers, dtype=str), "skipped": np.array(skipped, dtype=str)}
    out.update({f"ms.{key}": np.array(value) for key, value in ms.items()})

    def compare(name: str, other: dict[str, np.ndarray], reference: dict[str, np.ndarray] = trained) -> None:
        for key in METHOD_KEYS:
            for metric, values in similarity(reference[key], other[key]).items():
                out.setdefault(f"{name}.{key}.{metric}", []).append(values)  # type: ignore[union-attr]

    fully_randomised: dict[str, np.ndarray] = {}
    done: dict[frozenset[str], dict[str, np.ndarray]] = {}  # the same layers randomised give the same model
    variants, reason = randomised_models(model, seed)
    if reason is not None:
        log(f"trust: model randomisation skipped: {reason}")
        out["randomisation_skipped"] = np.array(reason)
    for variant, copies in variants:
        for position, (layer, copy) in enumerate(copies):
            randomised = frozenset(layers[:position + 1] if variant == "cascade" else [layer])
            log(f"trust: {variant} randomisation up to {layer}" if variant == "cascade" else
                f"trust: {variant} randomisation of {layer}")
            if randomised not in done:
                copy_fn = attr.GradientFunction(copy, chunk_size=attribution.chunk_size, input_scale=input_scale,
                                                output=output)
                done[randomised], _ = every_method_maps(copy_fn, images, targets, attribution, seed, baselines)
            maps = done[randomised]
            compare(variant, maps)
            if variant == "cascade":
                out.setdefault("grid", []).append(np.stack([maps[k][:2] for k in METHOD_KEYS]))  # type: ignore[union-attr]
                fully_randomised = maps
    random_label_fn = attr.GradientFunction(random_label_model if output == "logits" else
                                            attr.with_softmax(random_label_model), chunk_size=attribution.chunk_size,
                                            output=output)
    data_maps, _ = every_method_maps(random_label_fn, images, targets, attribution, seed, baselines)
    compare("data", data_maps)
    other_maps, _ = every_method_maps(trained_fn, images, random_other_classes(targets, trained_fn.classes, seed),
                                      attribution, seed, baselines)
    compare("target", other_maps)
    # A map of the image alone, no model: what any two maps of the same image may share.
    edge_map = faith.edge_magnitude(images)
    edges = {key: edge_map for key in METHOD_KEYS}
    compare("image_only", edges)
    trained_grid = np.stack([trained[k][:2] for k in METHOD_KEYS])[None]
    if reason is not None:
        out["unreachable_share"] = np.array(np.nan)
        out["grid"] = trained_grid  # (1, methods, 2, H, W): the trained maps only
    else:
        compare("image_only_randomised", edges, reference=fully_randomised)
        for key in METHOD_KEYS:  # where both maps are exactly zero they tie, whatever the weights
            out[f"both_zero.{key}"] = np.mean((trained[key] == 0) & (fully_randomised[key] == 0), axis=(1, 2))
        out["unreachable_share"] = np.array(np.mean(np.all(trained["gradient"] == 0, axis=0)
                                                    & np.all(fully_randomised["gradient"] == 0, axis=0)))
        out["grid"] = np.concatenate([trained_grid, np.stack(out["grid"])])  # (L + 1, methods, 2, H, W)
    return {key: np.asarray(value, dtype=np.float32) if isinstance(value, list) else value
            for key, value in out.items()}


def faithfulness_arrays(model: object, images: np.ndarray, targets: np.ndarray, random_orders: int,
                        settings: Settings, baselines: np.ndarray, log: Log,
                        input_scale: InputScale = UNIT) -> dict[str, np.ndarray]:
    """Deletion and insertion curves (softmax probability of the target) and their areas, for
    every method's ranking, for ``random_orders`` random rankings per image (each image its own,
    averaged per image) and for the image-only edge ranking, with a black and a blurred fill."""
    attribution, seed = settings.attribution, settings.seed
    grad_fn = attr.GradientFunction(model, chunk_size=attribution.chunk_size, input_scale=input_scale,
                                    output=settings.model.output)
    maps, _ = every_method_maps(grad_fn, images, targets, attribution, seed, baselines)
    logits_fn = grad_fn.logits
    pixels = int(np.prod(images.shape[1:3]))
    step = faith.step_pixels(pixels)
    orders: dict[str, list[np.ndarray]] = {key: [faith.ranking(maps[key])] for key in METHOD_KEYS}
    orders["random"] = list(faith.random_rankings(random_orders, len(images), pixels, seed))
    orders["image_only"] = [faith.edge_ranking(images[..., 0])]
    fills = {"black": np.zeros_like(images), "blur": faith.blur(images)}
    ends = {name: faith.end_logits(logits_fn, images, fill) for name, fill in fills.items()}  # shared by every order
    out: dict[str, np.ndarray] = {}
    for name, rankings in orders.items():
        log(f"trust: deletion and insertion curves of {name} ({len(rankings)} order(s) per image)")
        for fill_name, fill in fills.items():
            for direction, curve_fn in (("deletion", faith.deletion), ("insertion", faith.insertion)):
                curves = [curve_fn(logits_fn, images, targets, order, fill, step, ends=ends[fill_name])
                          for order in rankings]
                probability = np.mean([c.probability for c in curves], axis=0)
                out[f"curve.{name}.{direction}.{fill_name}"] = probability.astype(np.float32)
                out[f"auc.{name}.{direction}.{fill_name}"] = np.mean(
                    [faith.normalised_auc(c) for c in curves], axis=0).astype(np.float32)
                out["fractions"] = curves[0].fractions
    return out


@dataclass(frozen=True)
class MethodTrust:
    """One method's evidence. Similarities compare with the trained model's maps."""

    cascade: dict[str, tuple[Interval, ...]]  # metric → one interval per layer (Trust.layers order)
    independent: dict[str, tuple[Interval, ...]]
    data_randomisation: dict[str, Interval]  # metric → interval
    random_target: dict[str, Interval]
    image_only: dict[str, Interval]  # the trained map against the image's Sobel edge magnitude
    image_only_randomised: dict[str, Interval]  # the fully randomised model's map against it
    both_zero: float  # share of pixels exactly zero in both the trained and the fully randomised map
    deletion_auc: dict[str, Interval]  # fill → interval
    insertion_auc: dict[str, Interval]
    ms_per_image: float


@dataclass(frozen=True)
class Trust:
    """Everything the trust section shows.

    Attributes:
        sample: test indices of the sanity-check sample (published examples, predicted class).
        faithfulness_sample: test indices of the faithfulness sample.
        layers: weighted layers in cascade order (logits first); skipped: layers without weights.
        methods: method key → its evidence.
        controls: "random" / "image_only" → {"deletion_auc" | "insertion_auc": fill → interval}.
        random_labels: the data-randomisation model: epochs, share of its random training labels
            it fits, whether it reached the target fit, accuracy on the real test labels, seconds;
            and how it was trained: images, learning rate, batch size, epoch budget.
        unreachable_share: share of pixel positions whose gradient is exactly 0 in every image of
            the sample, for the trained and the fully randomised model alike (positions the
            architecture lets reach no output); NaN when the model randomisation was skipped.
        arrays: the raw per-image numbers and curves (published as data/trust.npz).
        randomisation_skipped: why the model randomisation did not run (no layer to randomise),
            or None when it ran; when it did not, ``cascade`` and ``independent`` are empty and
            the fully randomised model's numbers are NaN.
    """

    sample: np.ndarray
    faithfulness_sample: np.ndarray
    layers: tuple[str, ...]
    skipped: tuple[str, ...]
    methods: dict[str, MethodTrust]
    controls: dict[str, dict[str, dict[str, Interval]]]
    random_labels: dict[str, float]
    unreachable_share: float
    arrays: dict[str, np.ndarray]
    randomisation_skipped: str | None = None


def summarise(arrays: dict[str, np.ndarray], seed: int) -> Trust:
    """The intervals and means of the cached per-image numbers."""
    def areas(name: str, direction: str) -> dict[str, Interval]:
        return {fill: interval(arrays[f"auc.{name}.{direction}.{fill}"], seed) for fill in FILLS}

    def per_layer(name: str) -> tuple[Interval, ...]:  # none when the model randomisation was skipped
        return tuple(interval(row, seed) for row in arrays.get(name, ()))

    def randomised(name: str) -> Interval:
        return interval(arrays[name][0], seed) if name in arrays else NOT_MEASURED

    methods = {key: MethodTrust(
        cascade={m: per_layer(f"cascade.{key}.{m}") for m in METRICS},
        independent={m: per_layer(f"independent.{key}.{m}") for m in METRICS},
        data_randomisation={m: interval(arrays[f"data.{key}.{m}"][0], seed) for m in METRICS},
        random_target={m: interval(arrays[f"target.{key}.{m}"][0], seed) for m in METRICS},
        image_only={m: interval(arrays[f"image_only.{key}.{m}"][0], seed) for m in METRICS},
        image_only_randomised={m: randomised(f"image_only_randomised.{key}.{m}") for m in METRICS},
        both_zero=float(np.mean(arrays[f"both_zero.{key}"])) if f"both_zero.{key}" in arrays else float("nan"),
        deletion_auc=areas(key, "deletion"), insertion_auc=areas(key, "insertion"),
        ms_per_image=float(arrays[f"ms.{key}"])) for key in METHOD_KEYS}
    controls = {name: {"deletion_auc": areas(name, "deletion"), "insertion_auc": areas(name, "insertion")}
                for name in ("random", "image_only")}
    epochs, fit, reached, accuracy, seconds = (float(v) for v in arrays["random_labels"])
    images, learning_rate, batch_size, budget = (float(v) for v in arrays["random_label_settings"])
    return Trust(np.asarray(arrays["sample"]), np.asarray(arrays["faithfulness_sample"]),
                 tuple(str(s) for s in arrays["layers"]), tuple(str(s) for s in arrays["skipped"]), methods, controls,
                 {"epochs": epochs, "train_fit": fit, "reached_target": bool(reached), "test_accuracy": accuracy,
                  "seconds": seconds, "images": images, "learning_rate": learning_rate, "batch_size": batch_size,
                  "epoch_budget": budget}, float(arrays["unreachable_share"]),
                 arrays, str(arrays["randomisation_skipped"]) if "randomisation_skipped" in arrays else None)


def trust_sample(published: Sequence[int], size: int, seed: int) -> np.ndarray:
    """``size`` of the published test indices (all if fewer), seeded, in increasing order."""
    published = np.unique(np.asarray(published, dtype=np.int64))
    if len(published) <= size:
        return published
    return np.sort(np.random.default_rng(seed).choice(published, size=size, replace=False))


def measure_trust(model: object, dataset: object, predictions: np.ndarray, published: Sequence[int],
                  baselines: np.ndarray, settings: Settings, log: Log,
                  input_scale: InputScale = UNIT) -> dict[str, np.ndarray]:
    """The per-image numbers of every check (what the stage caches); see :func:`summarise`.
    ``baselines``: the images Expected Gradients draws from, as in the gallery; ``input_scale``: ``model``'s."""
    from generator.stages.data import to_model_input
    from generator.stages.randomisation import train_on_random_labels

    trust, seed = settings.trust, settings.seed
    sample = trust_sample(published, trust.sanity_images, seed)
    faithful = np.sort(np.random.default_rng(seed + 1).choice(
        len(dataset.y_test), size=min(trust.faithfulness_images, len(dataset.y_test)), replace=False))
    log(f"trust: training the same network on {trust.random_label_images:,} images with permuted labels")
    random_labels = train_on_random_labels(
        dataset, images=trust.random_label_images, learning_rate=trust.random_label_learning_rate,
        batch_size=trust.random_label_batch_size, max_epochs=trust.random_label_epochs, seed=seed, log=log)
    log(f"trust: it fits {random_labels.train_fit:.0%} of its random labels after {random_labels.epochs} epochs; "
        f"test accuracy {random_labels.test_accuracy:.1%}")
    out = sanity_arrays(model, to_model_input(dataset.x_test[sample]), np.asarray(predictions)[sample],
                        random_labels.model, settings, baselines, log, input_scale)
    out.update(faithfulness_arrays(model, to_model_input(dataset.x_test[faithful]), np.asarray(predictions)[faithful],
                                   trust.random_orders, settings, baselines, log, input_scale))
    out["sample"], out["faithfulness_sample"] = sample, faithful
    out["random_orders"] = np.array(trust.random_orders)
    out["random_label_settings"] = np.array([min(trust.random_label_images, len(dataset.y_train)),
                                             trust.random_label_learning_rate, trust.random_label_batch_size,
                                             trust.random_label_epochs], dtype=np.float64)
    out["random_labels"] = np.array([random_labels.epochs, random_labels.train_fit, random_labels.reached_target,
                                     random_labels.test_accuracy, random_labels.seconds], dtype=np.float64)
    return out
