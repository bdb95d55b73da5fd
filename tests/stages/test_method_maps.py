"""The evidence stages' maps: Expected Gradients takes its baselines' logits once per model."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator import attributions as attr  # noqa: E402
from generator.attributions.expected_gradients import draws  # noqa: E402
from generator.plumbing.settings import AttributionSettings  # noqa: E402
from generator.stages.method_maps import baseline_logits, every_method_maps  # noqa: E402

SHAPE = (8, 8, 1)


def small_cnn():
    keras.utils.set_random_seed(5)
    return keras.Sequential([keras.Input(SHAPE), keras.layers.Conv2D(3, 3, activation="relu"), keras.layers.Flatten(),
                             keras.layers.Dense(4)])


class CountingForward(attr.GradientFunction):
    """A gradient function that counts the images its forward pass scores."""

    def __init__(self, model):
        super().__init__(model, chunk_size=64)
        self.forwarded = 0

    def logits(self, images, chunk_size=4096):
        self.forwarded += len(images)
        return super().logits(images, chunk_size)


def test_the_maps_are_expected_gradients_own_and_a_second_call_forwards_no_baseline():
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(3, *SHAPE)).astype(np.float32)
    baselines = rng.uniform(size=(40, *SHAPE)).astype(np.float32)
    targets = np.array([0, 3, 1])
    settings = AttributionSettings(steps=4, chunk_size=64, smoothgrad_samples=4, expected_gradients_samples=16)
    fn = CountingForward(small_cnn())
    maps = every_method_maps(fn, images, targets, settings, 2, baselines).maps
    alone = attr.expected_gradients(attr.GradientFunction(fn.model, chunk_size=64), images, targets,
                                    baselines=baselines, samples=16, seed=2)
    np.testing.assert_allclose(maps["expected_gradients"], alone.sum(-1), rtol=1e-5, atol=1e-6)
    drawn = np.unique(np.concatenate([draws(x, 40, 16, 2)[0] for x in images]))
    assert fn.forwarded == len(drawn) < len(baselines)  # only the baselines drawn, once each
    again = every_method_maps(fn, images, np.array([1, 2, 0]), settings, 2, baselines).maps  # another class
    assert fn.forwarded == len(drawn)
    np.testing.assert_allclose(again["expected_gradients"], attr.expected_gradients(
        attr.GradientFunction(fn.model, chunk_size=64), images, np.array([1, 2, 0]), baselines=baselines, samples=16,
        seed=2).sum(-1), rtol=1e-5, atol=1e-6)
    # Another baselines array (or another model) starts afresh.
    every_method_maps(fn, images, targets, settings, 2, baselines.copy())
    assert fn.forwarded == 2 * len(drawn)


def test_no_logits_when_expected_gradients_needs_none_or_cannot_take_them():
    rng = np.random.default_rng(1)
    images = rng.uniform(size=(2, *SHAPE)).astype(np.float32)
    baselines = rng.uniform(size=(10, *SHAPE)).astype(np.float32)
    fn = CountingForward(small_cnn())
    assert baseline_logits(fn, images, baselines, 15, 0) is None  # a half of 7 draws: no control variate
    assert fn.forwarded == 0
    assert baseline_logits(lambda x, t: (np.zeros_like(x), np.zeros(len(x))), images, baselines, 64, 0) is None
    logits = baseline_logits(fn, images, baselines, 64, 0)
    assert fn.forwarded == len(baselines)  # 128 draws of 10 baselines draw every one
    np.testing.assert_allclose(logits, attr.GradientFunction(fn.model).logits(baselines), rtol=1e-5, atol=1e-6)
