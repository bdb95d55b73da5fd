"""ReLU moved after max pooling: the same logits and gradients as TensorFlow's own, ties included."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from tests.helpers.keras_models import functional_copy  # noqa: E402
from generator.attributions import GradientFunction  # noqa: E402
from generator.attributions.engine.relu_after_pooling import layer_steps  # noqa: E402
from generator.stages.model import build_cnn  # noqa: E402

RNG = np.random.default_rng(5)
layers = keras.layers


def test_steps_of_the_report_cnn_pool_before_each_relu():
    import tensorflow as tf

    steps = layer_steps(build_cnn().layers, first_affine=lambda x: x)
    # affine, pool, ReLU; affine, pool, ReLU; Flatten, Dropout, Dense
    assert len(steps) == 9 and steps[2] is tf.nn.relu and steps[5] is tf.nn.relu


def test_other_activations_and_followers_keep_the_layer_order():
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(2, 3, activation="tanh"), layers.MaxPooling2D(2),
                              layers.Conv2D(2, 2, activation="relu"), layers.AveragePooling2D(2),
                              layers.Flatten(), layers.Dense(2)])
    assert len(layer_steps(model.layers)) == len(model.layers)


def test_pooled_relu_gradient_matches_tensorflows_with_ties():
    """Constant patches give equal pre-activations in a pooling window (a tie, positive where the
    bias is): both orders route the gradient to the same first maximum."""
    model = keras.Sequential([
        keras.Input((14, 14, 1)),
        layers.Conv2D(6, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(4, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(3),
    ])
    model.set_weights([RNG.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])
    images = RNG.uniform(size=(12, 14, 14, 1)).astype(np.float32)
    images[:6, :8, :8] = 0.0  # flat regions: ties in the first pooling
    targets = RNG.integers(0, 3, size=12)
    fast, plain = GradientFunction(model), GradientFunction(functional_copy(model))
    assert fast._steps is not None and plain._steps is None
    (grads, scores), (plain_grads, plain_scores) = fast(images, targets), plain(images, targets)
    assert np.abs(plain_grads[:6, :8, :8]).max() > 0  # the tied region does pass gradient
    np.testing.assert_allclose(scores, plain_scores, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grads, plain_grads, rtol=1e-4, atol=1e-6 * np.abs(plain_grads).max())
