"""Opt-in bfloat16 input gradients of inner convolutions: float32 scores, gradients near TensorFlow's."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from tests.helpers.keras_models import functional_copy  # noqa: E402
from generator.attributions import GradientFunction  # noqa: E402
from generator.attributions.engine.bfloat16_convolution import bfloat16_gradient_affine  # noqa: E402

RNG = np.random.default_rng(3)
layers = keras.layers


def small_cnn(padding="valid"):
    model = keras.Sequential([
        keras.Input((13, 13, 1)),
        layers.Conv2D(8, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(16, 3, activation="relu", padding=padding),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(3),
    ])
    model.set_weights([RNG.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])
    return model


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_bfloat16_gradient_is_near_tensorflows_and_scores_are_float32(padding):
    model = small_cnn(padding)
    images = RNG.uniform(size=(16, 13, 13, 1)).astype(np.float32)
    targets = RNG.integers(0, 3, size=16)
    low = GradientFunction(model, bfloat16_gradients=True)
    grads, scores = low(images, targets)
    plain_grads, plain_scores = GradientFunction(functional_copy(model))(images, targets)
    _, fast_scores = GradientFunction(model)(images, targets)
    np.testing.assert_array_equal(scores, fast_scores)  # the forward pass is the float32 one
    np.testing.assert_allclose(scores, plain_scores, rtol=1e-5, atol=1e-5)
    error = np.abs(grads - plain_grads).max() / np.abs(plain_grads).max()
    assert 0 < error < 1e-2  # bfloat16 rounding: visible, small


def test_only_plain_inner_convolutions_take_the_bfloat16_gradient():
    assert bfloat16_gradient_affine(layers.Conv2D(4, 3)) is not None
    assert bfloat16_gradient_affine(layers.Conv2D(4, 3, strides=2)) is None
    assert bfloat16_gradient_affine(layers.Conv2D(4, 3, dtype="mixed_bfloat16")) is None
    assert bfloat16_gradient_affine(layers.Dense(4)) is None
