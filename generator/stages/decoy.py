"""Does a method find a cheating model? Decoy MNIST, a model whose reason is known in advance.

Ross, Hughes and Doshi-Velez (2017, "Right for the Right Reasons") put a small patch in a corner
of every image whose grey level encodes the label; a network trained on such images learns to
read the patch. Here (:func:`with_decoy`) the patch is ``size`` × ``size`` pixels, in a corner
chosen per image (seeded), at grey level 255 · y / 9 for label y, on every training and test
image. The same network, trained with the same settings on these images, is the *decoy model*.

The report's CNN does not take that shortcut by itself: with the digit as reliable as the patch
it learns the digit (measured, 2 epochs: 4×4 patch, accuracy 98.6% with the true patch and 98.0%
with the patch level shuffled; 8×8: 99.0% and 91.9%; 12×12: 98.9% and 76.0%). So, in a share
``mismatched`` of the training images (seeded), the digit is swapped for another training
image's while the patch keeps the label: only the patch always agrees with the label, and the
model reads it (half swapped: 98.5% and 51.0%). Test images are never swapped.

What this stage measures (computing only; :mod:`generator.pages.decoy` writes the page):

- the decoy model's accuracy on decoy test images, and on the same test images with the patch
  level drawn at random (it collapses if the model reads the patch);
- for each method, the share of |attribution| on the patch pixels, for the decoy model and for
  the report's normal model on the same decoy images: a method that finds the reason puts most
  of its mass on the patch for the decoy model and little for the normal one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from generator.plumbing.input_scale import UNIT, InputScale
from generator.stages.data import Dataset, arrays_sha256, to_model_input
from generator.stages.intervals import Interval, interval

DECOY_FORMAT = 1
"""Bump when this stage changes what it computes, so cached results are dropped."""
FINDS_CONCENTRATION = 10.0
"""A method *finds the decoy* when, for the decoy model, the share of its |attribution| on the
patch is at least this many times the patch's share of the image (what a map spread evenly would
put there), and for the normal model on the same images less than that even share. Not "most of
the mass": the decoy model still uses the digit as well (the page shows how much)."""
READS_PATCH_DROP = 0.5
"""The decoy model *reads the patch* when shuffling the patch level costs it more than half its accuracy."""
FINDS, BOTH, MISSES = "finds the decoy", "points to the patch for both models", "does not find the decoy"
"""The three readings of :func:`reading`."""
CORNERS = ("top left", "top right", "bottom left", "bottom right")
Log = Callable[[str], None]


def patch_slices(corner: int, size: int, side: int = 28) -> tuple[slice, slice]:
    """(rows, columns) of the ``size`` × ``size`` patch in corner 0–3 (see :data:`CORNERS`)."""
    rows = slice(0, size) if corner in (0, 1) else slice(side - size, side)
    columns = slice(0, size) if corner in (0, 2) else slice(side - size, side)
    return rows, columns


def patch_mask(corner: int, size: int, side: int = 28) -> np.ndarray:
    """(side, side) bool, True on the patch of :func:`patch_slices`."""
    mask = np.zeros((side, side), dtype=bool)
    mask[patch_slices(corner, size, side)] = True
    return mask


def with_decoy(images: np.ndarray, levels: np.ndarray, corners: np.ndarray, size: int) -> np.ndarray:
    """Copies of (N, H, W) uint8 ``images`` with a patch of grey 255 · level / 9 in each one's corner."""
    out = np.array(images, dtype=np.uint8, copy=True)
    grey = np.round(255.0 * np.asarray(levels) / 9.0).astype(np.uint8)
    for corner in range(len(CORNERS)):
        chosen = np.flatnonzero(np.asarray(corners) == corner)
        rows, columns = patch_slices(corner, size, images.shape[1])
        out[chosen, rows, columns] = grey[chosen][:, None, None]
    return out


def decoy_corners(train_images: int, test_images: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train corners, test corners): each image's corner 0–3, uniform and seeded."""
    rng = np.random.default_rng([seed, size])
    return rng.integers(0, len(CORNERS), size=train_images), rng.integers(0, len(CORNERS), size=test_images)


def swapped_digits(train_images: int, share: float, seed: int) -> np.ndarray:
    """(N,) for each training image the index of the image whose digit it shows: itself, or for a
    seeded share ``share`` of them another one (a seeded permutation among those chosen)."""
    rng = np.random.default_rng([seed, 23])
    source = np.arange(train_images)
    chosen = np.flatnonzero(rng.random(train_images) < share)
    source[chosen] = rng.permutation(chosen)
    return source


def decoy_dataset(dataset: Dataset, size: int, seed: int, mismatched: float = 0.0) -> tuple[Dataset, np.ndarray]:
    """Decoy MNIST from ``dataset``: every image gets its label's patch in a seeded corner, and a
    share ``mismatched`` of the training images another image's digit (see the module).

    Returns:
        (the decoy dataset, the (N_test,) corner of each test image).
    """
    train_corners, test_corners = decoy_corners(len(dataset.y_train), len(dataset.y_test), size, seed)
    digits = dataset.x_train[swapped_digits(len(dataset.y_train), mismatched, seed)]
    arrays = (with_decoy(digits, dataset.y_train, train_corners, size), dataset.y_train,
              with_decoy(dataset.x_test, dataset.y_test, test_corners, size), dataset.y_test)
    for array in arrays:
        array.setflags(write=False)
    return Dataset(*arrays, source=f"{dataset.source}, with a {size}×{size} decoy patch "
                                    f"({mismatched:.0%} of training images swapped)",
                   sha256=arrays_sha256(*arrays)), test_corners


def patch_share(maps: np.ndarray, corners: np.ndarray, size: int) -> np.ndarray:
    """(N,) share of each (H, W) map's |attribution| on its image's patch pixels (NaN if all zero)."""
    maps = np.abs(np.asarray(maps, dtype=np.float64))
    masks = np.stack([patch_mask(int(c), size, maps.shape[1]) for c in corners])
    total = maps.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (maps * masks).sum(axis=(1, 2)) / total, np.nan)


@dataclass(frozen=True)
class Decoy:
    """What the *Does it find a cheating model?* page shows.

    Attributes:
        size: patch side in pixels.
        accuracy: the decoy model's accuracy on decoy test images.
        shuffled_accuracy: its accuracy on the same images with the patch level drawn at random.
        normal_accuracy: the report's model's accuracy on decoy test images.
        sample: (n,) test indices whose maps were measured.
        share_decoy, share_normal: method key → the mean over the sample, with its 95% bootstrap
            interval, of each map's share of |attribution| on the patch, for the decoy and the
            normal model (each attributing its own predicted class).
        counts: method key → how many sampled images had a map with some attribution for both models.
        patch_pixels: share of the image the patch covers (a map spread evenly would put this much there).
        examples: (3, H, W) decoy inputs of the example grid; example_maps: (2, methods, 3, H, W)
            their maps by the decoy model (0) and the normal model (1).
    """

    size: int
    accuracy: float
    shuffled_accuracy: float
    normal_accuracy: float
    sample: np.ndarray
    share_decoy: dict[str, Interval]
    share_normal: dict[str, Interval]
    counts: dict[str, int]
    patch_pixels: float
    examples: np.ndarray
    example_maps: np.ndarray

    def reads_patch(self) -> bool:
        """Whether shuffling the patch level costs the decoy model more than :data:`READS_PATCH_DROP` of its accuracy."""
        return self.shuffled_accuracy < (1 - READS_PATCH_DROP) * self.accuracy

    def reading(self, key: str) -> str:
        """Method ``key``'s reading, by the rule of :data:`FINDS_CONCENTRATION`: one of
        :data:`FINDS`, :data:`BOTH` or :data:`MISSES`."""
        concentrated = self.share_decoy[key].mean >= FINDS_CONCENTRATION * self.patch_pixels
        if concentrated and self.share_normal[key].mean < self.patch_pixels:
            return FINDS
        return BOTH if concentrated else MISSES


def measure_decoy(decoy_model: object, normal_model: object, decoy: Dataset, test_corners: np.ndarray,
                  maps_of: Callable[[object, np.ndarray, np.ndarray], dict[str, np.ndarray]], images: int,
                  size: int, seed: int, log: Log, normal_input: InputScale = UNIT,
                  normal_output: str = "logits") -> dict[str, np.ndarray]:
    """The stage's arrays (what it caches); see :func:`from_arrays`.

    Args:
        decoy_model, normal_model: Keras models; the decoy model is the report's CNN trained here
            (it reads pixel/255 and outputs logits), ``normal_model`` reads ``normal_input`` and
            outputs ``normal_output`` (``model.output``: "logits" or "probabilities").
        decoy: the decoy dataset; test_corners: its test images' corners.
        maps_of: (model, images, targets) → method key → (n, H, W) maps, every method the report shows.
        images: how many decoy test images (seeded sample) to attribute.
        size: patch side; seed: seeds the sample and the shuffled levels.
        log: progress sink.
    """
    from generator import attributions as attr

    x_test = to_model_input(decoy.x_test)
    decoy_fn = attr.GradientFunction(decoy_model)
    normal_fn = attr.GradientFunction(normal_model, input_scale=normal_input, output=normal_output)
    decoy_predictions = np.argmax(decoy_fn.logits(x_test), axis=1)
    normal_predictions = np.argmax(normal_fn.logits(x_test), axis=1)
    shuffled_levels = np.random.default_rng([seed, 9]).integers(0, 10, size=len(decoy.y_test))
    shuffled = to_model_input(with_decoy(decoy.x_test, shuffled_levels, test_corners, size))
    out: dict[str, np.ndarray] = {
        "accuracy": np.array(np.mean(decoy_predictions == decoy.y_test)),
        "shuffled_accuracy": np.array(np.mean(np.argmax(decoy_fn.logits(shuffled), axis=1) == decoy.y_test)),
        "normal_accuracy": np.array(np.mean(normal_predictions == decoy.y_test)),
        "size": np.array(size),
    }
    log(f"decoy: accuracy {float(out['accuracy']):.1%} on decoy test images, "
        f"{float(out['shuffled_accuracy']):.1%} with the patch level shuffled")
    sample = np.sort(np.random.default_rng([seed, 17]).choice(len(decoy.y_test), size=min(images, len(decoy.y_test)),
                                                              replace=False))
    x = x_test[sample]
    decoy_maps = maps_of(decoy_fn, x, decoy_predictions[sample])
    normal_maps = maps_of(normal_fn, x, normal_predictions[sample])
    for key in decoy_maps:
        out[f"share_decoy.{key}"] = patch_share(decoy_maps[key], test_corners[sample], size)
        out[f"share_normal.{key}"] = patch_share(normal_maps[key], test_corners[sample], size)
    out["sample"] = sample
    out["methods"] = np.array(list(decoy_maps))
    shown = np.arange(min(3, len(sample)))
    out["examples"] = x[shown].sum(axis=-1)
    out["example_maps"] = np.stack([np.stack([maps[key][shown] for key in decoy_maps])
                                    for maps in (decoy_maps, normal_maps)]).astype(np.float32)
    return out


def from_arrays(stored: dict[str, np.ndarray], seed: int) -> Decoy:
    """The stage's result from its cached arrays; ``seed`` seeds the bootstrap intervals."""
    methods = [str(m) for m in stored["methods"]]
    size = int(stored["size"])
    return Decoy(size, float(stored["accuracy"]), float(stored["shuffled_accuracy"]), float(stored["normal_accuracy"]),
                 np.asarray(stored["sample"]), {m: interval(stored[f"share_decoy.{m}"], seed) for m in methods},
                 {m: interval(stored[f"share_normal.{m}"], seed) for m in methods},
                 {m: int(np.sum(np.isfinite(stored[f"share_decoy.{m}"]) & np.isfinite(stored[f"share_normal.{m}"])))
                  for m in methods},
                 size * size / float(np.prod(stored["examples"].shape[1:])), np.asarray(stored["examples"]),
                 np.asarray(stored["example_maps"]))
