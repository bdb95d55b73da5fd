"""The input border a CNN never reads: its extent against the support of TensorFlow's gradient,
and the cropped fast path against TensorFlow's own gradient."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from tests.helpers.keras_models import functional_copy  # noqa: E402
from generator.attributions import GradientFunction  # noqa: E402
from generator.attributions.engine.unread_border import read_extent  # noqa: E402
from generator.stages.model import build_cnn  # noqa: E402

RNG = np.random.default_rng(11)
layers = keras.layers


def randomised(model):
    model.set_weights([RNG.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def sequential(shape, *hidden, classes=3):
    return randomised(keras.Sequential([keras.Input(shape), *hidden, layers.Flatten(), layers.Dense(classes)]))


def gradient_support(model, shape):
    """The bounding box (rows, columns) of the pixels with a nonzero gradient, from TensorFlow:
    the linear layers of ``model`` with random weights read a pixel iff its gradient is nonzero."""
    grads, _ = GradientFunction(functional_copy(model))(RNG.uniform(size=(4, *shape)).astype(np.float32),
                                                        np.array([0, 1, 2, 0]))
    rows, columns = np.nonzero(np.abs(grads).sum(axis=(0, 3)))
    return int(rows.max()) + 1, int(columns.max()) + 1


def test_report_cnn_reads_the_top_left_26_by_26_pixels():
    assert read_extent(build_cnn()) == (26, 26)


@pytest.mark.parametrize("shape, hidden", [
    ((28, 28, 1), lambda: [layers.Conv2D(4, 3), layers.MaxPooling2D(2), layers.Conv2D(5, 3), layers.MaxPooling2D(2)]),
    ((17, 14, 2), lambda: [layers.Conv2D(3, (3, 2), strides=2), layers.Dropout(0.5), layers.AveragePooling2D(3, strides=2)]),
    ((19, 19, 1), lambda: [layers.Conv2D(3, 3, dilation_rate=2), layers.MaxPooling2D((2, 3))]),
    ((12, 12, 1), lambda: [layers.Conv2D(3, 3), layers.MaxPooling2D(2)]),
])
def test_read_extent_is_the_support_of_the_gradient(shape, hidden):
    model = sequential(shape, *hidden())
    expected = gradient_support(model, shape)
    assert (read_extent(model) or shape[:2]) == expected


@pytest.mark.parametrize("shape, hidden", [
    ((11, 11, 1), lambda: [layers.Conv2D(3, 3, padding="same"), layers.MaxPooling2D(2)]),
    ((11, 11, 1), lambda: [layers.Conv2D(3, 3), layers.MaxPooling2D(2, padding="same")]),
    ((11, 11, 1), lambda: [layers.Conv2D(3, 3), layers.ZeroPadding2D(1), layers.MaxPooling2D(2)]),
])
def test_layers_that_read_borders_differently_keep_the_whole_image(shape, hidden):
    assert read_extent(sequential(shape, *hidden())) is None


def test_model_without_flatten_or_not_sequential_keeps_the_whole_image():
    pooled = randomised(keras.Sequential([keras.Input((9, 9, 1)), layers.Conv2D(3, 3), layers.MaxPooling2D(2),
                                          layers.GlobalAveragePooling2D(), layers.Dense(2)]))
    assert read_extent(pooled) is None
    assert read_extent(functional_copy(sequential((9, 9, 1), layers.Conv2D(3, 3), layers.MaxPooling2D(2)))) is None


def test_cropped_gradient_matches_tensorflows_and_is_zero_on_the_unread_border():
    model = sequential((15, 15, 1), layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2),
                       layers.Conv2D(3, 2, activation="relu"), layers.MaxPooling2D(2))
    assert read_extent(model) == (12, 12)
    images = RNG.uniform(size=(8, 15, 15, 1)).astype(np.float32)
    targets = RNG.integers(0, 3, size=8)
    fast, plain = GradientFunction(model), GradientFunction(functional_copy(model))
    assert fast._read == (12, 12) and plain._steps is None
    (grads, scores), (plain_grads, plain_scores) = fast(images, targets), plain(images, targets)
    np.testing.assert_allclose(scores, plain_scores, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grads, plain_grads, rtol=1e-4, atol=1e-6 * np.abs(plain_grads).max())
    assert not grads[:, 12:].any() and not grads[:, :, 12:].any()


def test_forward_logits_take_the_fast_path_and_equal_the_models():
    """``logits`` (the forward pass of the trust curves) runs the cropped, pooling-first path, which
    must give the model's own output and the gradient call's scores."""
    model = randomised(build_cnn())
    grad_fn = GradientFunction(model)
    assert grad_fn._read == (26, 26)
    images = np.random.default_rng(3).uniform(size=(9, 28, 28, 1)).astype(np.float32)
    logits = grad_fn.logits(images, chunk_size=4)
    np.testing.assert_allclose(logits, model(images).numpy(), rtol=1e-5, atol=1e-5)
    _, scores = grad_fn(images, np.arange(9) % 10)
    np.testing.assert_allclose(logits[np.arange(9), np.arange(9) % 10], scores, rtol=1e-6, atol=1e-6)
