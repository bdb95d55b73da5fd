"""The contract every method of the catalogue keeps (``generator.methods``), one test per promise,
parametrised over the catalogue: a method that joins it is held to all of them.

The model is a small ReLU network (a convolution, then a dense layer), so the maps are those of a
non-linear score; the settings are small (fixed-step IG, few samples) to keep the file fast.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator import attributions as attr  # noqa: E402
from generator.methods import MapRequest, Method, methods  # noqa: E402
from generator.plumbing.settings import AttributionSettings  # noqa: E402

SHAPE, CLASSES = (6, 5, 1), 3
SETTINGS = AttributionSettings(steps=8, smoothgrad_samples=6, expected_gradients_samples=8, chunk_size=512)
RNG = np.random.default_rng(7)
IMAGES = RNG.uniform(size=(5, *SHAPE)).astype(np.float32)
TARGETS = np.array([0, 2, 1, 1, 0])
BASELINES = RNG.uniform(size=(9, *SHAPE)).astype(np.float32)
METHODS = pytest.mark.parametrize("method", methods(), ids=lambda m: m.key)


def relu_network(activation: str | None = None) -> keras.Model:
    """Conv(2, 3×3, ReLU) → Flatten → Dense(3, ``activation``), seeded weights."""
    keras.utils.set_random_seed(3)
    return keras.Sequential([keras.Input(SHAPE), keras.layers.Conv2D(2, 3, activation="relu", padding="same"),
                             keras.layers.Flatten(), keras.layers.Dense(CLASSES, activation=activation)])


@pytest.fixture(scope="module")
def logits_network() -> keras.Model:
    return relu_network()


def maps_of(method: Method, model: object, images: np.ndarray = IMAGES, targets: np.ndarray = TARGETS, *,
            chunk_size: int = SETTINGS.chunk_size, seed: int = 0) -> np.ndarray:
    settings = dataclasses.replace(SETTINGS, chunk_size=chunk_size)
    grad_fn = attr.as_grad_fn(model, chunk_size)
    return method.compute(MapRequest(grad_fn, images, targets, settings, seed, BASELINES))


def tolerance(maps: np.ndarray) -> dict[str, float]:
    """Float32 sums regrouped: chunks change the order of the gradient sums over samples and
    path nodes (a few ulps of each term), so the maps agree to a relative 1e-5 of their scale;
    the maps with one gradient per image (gradient, saliency, gradient × input) agree to the bit
    in practice, but no method is promised more than float32 round-off."""
    return {"rtol": 1e-5, "atol": 1e-5 * float(np.max(np.abs(maps)) or 1.0)}


@METHODS
def test_maps_are_float32_and_shaped_like_the_images(method, logits_network):
    maps = maps_of(method, logits_network)
    assert maps.dtype == np.float32
    assert maps.shape == IMAGES.shape
    assert np.all(np.isfinite(maps))


@METHODS
def test_chunk_size_does_not_change_the_maps(method, logits_network):
    whole = maps_of(method, logits_network, chunk_size=512)
    chunked = maps_of(method, logits_network, chunk_size=3)  # not a divisor of any batch the methods form
    np.testing.assert_allclose(chunked, whole, **tolerance(whole))


@METHODS
def test_batch_order_does_not_change_the_maps(method, logits_network):
    order = np.array([3, 0, 4, 2, 1])
    forward = maps_of(method, logits_network)
    shuffled = maps_of(method, logits_network, IMAGES[order], TARGETS[order])
    np.testing.assert_allclose(shuffled, forward[order], **tolerance(forward))


@METHODS
def test_a_softmax_model_gives_the_maps_of_its_logits_model(method, logits_network):
    softmax = relu_network("softmax")
    softmax.set_weights(logits_network.get_weights())
    expected = maps_of(method, logits_network)
    for model in (softmax, attr.with_softmax(logits_network)):  # a softmax activation, a Softmax layer
        np.testing.assert_allclose(maps_of(method, model), expected, **tolerance(expected))


@pytest.mark.parametrize("method", [m for m in methods() if m.monte_carlo], ids=lambda m: m.key)
def test_seeded_methods_repeat_with_their_seed_and_change_with_another(method, logits_network):
    first = maps_of(method, logits_network, seed=11)
    np.testing.assert_array_equal(maps_of(method, logits_network, seed=11), first)
    assert not np.allclose(maps_of(method, logits_network, seed=12), first, **tolerance(first))


@pytest.mark.parametrize("method", [m for m in methods() if not m.monte_carlo], ids=lambda m: m.key)
def test_deterministic_methods_ignore_the_seed(method, logits_network):
    first = maps_of(method, logits_network, seed=11)
    np.testing.assert_allclose(maps_of(method, logits_network, seed=12), first, **tolerance(first))
