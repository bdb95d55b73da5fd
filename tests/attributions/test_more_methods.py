"""Gradient × Input, SmoothGrad and contrastive IG against closed forms."""

import numpy as np
import pytest

from generator.attributions import (
    completeness,
    contrast_weights,
    contrastive_integrated_gradients,
    gradient_x_input,
    image_noise,
    integrated_gradients,
    smoothgrad,
)

keras = pytest.importorskip("keras")
RNG = np.random.default_rng(11)
SHAPE = (6, 5, 1)


def linear_model(classes=4):
    weights = RNG.normal(size=(int(np.prod(SHAPE)), classes)).astype(np.float32)
    bias = RNG.normal(size=classes).astype(np.float32)
    model = keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten(), keras.layers.Dense(classes)])
    model.layers[-1].set_weights([weights, bias])
    return model, np.moveaxis(weights.reshape(*SHAPE, classes), -1, 0), bias


class Quadratic:
    """f(x) = Σ a_i x_i²: ∂f/∂x = 2 a ⊙ x, so E[∂f(x + ε)/∂x] = 2 a ⊙ x."""

    def __init__(self):
        self.a = RNG.normal(size=SHAPE).astype(np.float32)

    def __call__(self, images, targets):
        return (2 * self.a * images).astype(np.float32), np.sum(self.a * images**2, axis=(1, 2, 3))


def test_gradient_x_input_equals_black_baseline_ig_on_a_linear_model():
    model, w, _ = linear_model()
    images = RNG.uniform(size=(5, *SHAPE)).astype(np.float32)
    targets = np.array([0, 3, 1, 2, 0])
    expected = images * w[targets]
    np.testing.assert_allclose(gradient_x_input(model, images, targets), expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(integrated_gradients(model, images, targets, steps=3), expected, rtol=1e-5, atol=1e-6)


def test_smoothgrad_of_a_linear_model_is_its_weight_row_whatever_the_noise():
    model, w, _ = linear_model()
    images = RNG.uniform(size=(3, *SHAPE)).astype(np.float32)
    targets = np.array([2, 2, 1])
    np.testing.assert_allclose(smoothgrad(model, images, targets, samples=5, noise_level=0.5), w[targets], rtol=1e-5)


def test_smoothgrad_averages_the_gradient_over_gaussian_noise():
    model = Quadratic()
    images = RNG.uniform(size=(2, *SHAPE)).astype(np.float32)
    samples, level = 4, 0.2
    result = smoothgrad(model, images, np.zeros(2, int), samples=samples, noise_level=level, input_range=(0, 2), seed=5)
    noise_means = np.stack([image_noise(im, samples, level * 2, 5).mean(axis=0) for im in images])
    np.testing.assert_allclose(result, 2 * model.a * (images + noise_means), rtol=1e-5, atol=1e-6)
    assert not np.allclose(result, 2 * model.a * images, atol=1e-4)


def test_smoothgrad_noise_is_seeded_has_the_requested_scale_and_ignores_batch_order():
    image = RNG.uniform(size=SHAPE).astype(np.float32)
    noise = image_noise(image, 4000, 0.3, seed=1)
    assert noise.std() == pytest.approx(0.3, rel=0.02)
    np.testing.assert_array_equal(noise, image_noise(image, 4000, 0.3, seed=1))
    assert not np.array_equal(noise, image_noise(image, 4000, 0.3, seed=2))
    model = Quadratic()
    images = RNG.uniform(size=(5, *SHAPE)).astype(np.float32)
    targets = np.zeros(5, int)
    order = np.array([4, 2, 0, 1, 3])
    reference = smoothgrad(model, images, targets, samples=6, chunk_size=1000)
    shuffled = smoothgrad(model, images[order], targets, samples=6, chunk_size=4)
    np.testing.assert_allclose(shuffled, reference[order], rtol=1e-6)


def test_contrastive_ig_is_exact_for_a_linear_model_and_complete():
    model, w, b = linear_model()
    images = RNG.uniform(size=(4, *SHAPE)).astype(np.float32)
    predicted, true = np.array([1, 0, 3, 2]), np.array([0, 2, 1, 2])
    result = contrastive_integrated_gradients(model, images, predicted, true, steps=4, baseline=0.1)
    np.testing.assert_allclose(result, (images - 0.1) * (w[predicted] - w[true]), rtol=1e-4, atol=1e-6)
    score = lambda x: np.einsum("nhwc,nhwc->n", x, w[predicted] - w[true]) + b[predicted] - b[true]
    check = completeness(result, score(images), score(np.full_like(images, 0.1)))
    assert np.all(check.relative_error[:3] < 1e-4)
    np.testing.assert_allclose(result[3], 0.0)  # same class twice: nothing to contrast


def test_contrast_weights_rows():
    weights = contrast_weights(np.array([2, 0]), np.array([1, 0]), 3)
    np.testing.assert_array_equal(weights, [[0, -1, 1], [0, 0, 0]])
