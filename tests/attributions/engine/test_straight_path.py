"""Gradient sums along straight paths with the first convolution and pooling taken once per image:
the same sums as TensorFlow's own gradient taken point by point, wherever the shortcut applies,
both by the compiled calls and by the sweep of :mod:`generator.attributions.engine.switch_sweep`."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from tests.helpers.keras_models import functional_copy  # noqa: E402
from generator.attributions import GradientFunction, completeness_check, integrated_gradients  # noqa: E402
from generator.attributions.path_sums import PointByPoint, path_sums_for  # noqa: E402
from generator.attributions.quadrature import quadrature  # noqa: E402
from generator.plumbing.input_scale import BYTE, InputScale  # noqa: E402

RNG = np.random.default_rng(11)
layers = keras.layers


def pooled_cnn(padding="valid", pool=True, rng=RNG):
    model = keras.Sequential([
        keras.Input((15, 15, 1)),
        layers.Conv2D(6, 3, activation="relu", padding=padding),
        *([layers.MaxPooling2D(2)] if pool else []),
        layers.Conv2D(4, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(3),
    ])
    model.set_weights([rng.normal(scale=0.5, size=w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def images_with_flat_patches(n=8):
    images = RNG.uniform(size=(n, 15, 15, 1)).astype(np.float32)
    images[: n // 2, :8, :8] = 0.0  # black patches: every pooling window there ties along the path
    return images


def both(model, sweep=True, **options):
    """The shortcut (by the sweep, or by its compiled calls) and TensorFlow's point-by-point gradient."""
    path = "sweep" if sweep else "straight"
    fast, plain = GradientFunction(model, path=path, **options), GradientFunction(functional_copy(model), **options)
    assert fast.path == path and plain.path == "general"
    return fast, plain


BY = pytest.mark.parametrize("sweep", [True, False], ids=["sweep", "compiled-calls"])


def sums(grad_fn, images, targets, baseline, alphas, weights, chunk_size=64):
    baselines = np.full_like(images, baseline) if np.ndim(baseline) == 0 else baseline
    return path_sums_for(grad_fn, baselines)(images, baselines, targets, alphas, weights, chunk_size)


def assert_same_sums(fast_sums, plain_sums):
    scale = np.abs(plain_sums).max()
    assert scale > 0
    np.testing.assert_allclose(fast_sums, plain_sums, rtol=1e-4, atol=2e-5 * scale)


@BY
@pytest.mark.parametrize("baseline", [0.0, 0.4, 1.0])
def test_sums_equal_tensorflows_point_by_point_gradient(baseline, sweep):
    model = pooled_cnn()
    fast, plain = both(model, sweep)
    images, targets = images_with_flat_patches(), RNG.integers(0, 3, size=8)
    alphas, weights = quadrature("gauss_legendre", 12)
    assert_same_sums(sums(fast, images, targets, baseline, alphas, weights),
                     sums(plain, images, targets, baseline, alphas, weights))


@BY
@pytest.mark.parametrize("scale", [BYTE, InputScale(mean=0.13, std=0.31)])
def test_sums_take_the_models_input_scale(scale, sweep):
    model = pooled_cnn()
    fast, plain = both(model, sweep, input_scale=scale)
    images, targets = images_with_flat_patches(), RNG.integers(0, 3, size=8)
    alphas, weights = quadrature("gauss_legendre", 9)
    assert_same_sums(sums(fast, images, targets, 0.0, alphas, weights),
                     sums(plain, images, targets, 0.0, alphas, weights))


@BY
def test_class_weights_and_any_chunking_give_the_same_sums(sweep):
    model = pooled_cnn()
    fast, plain = both(model, sweep)
    images = images_with_flat_patches(6)
    contrast = np.zeros((6, 3), np.float32)
    contrast[np.arange(6), RNG.integers(0, 3, size=6)] += 1.0
    contrast[:, 2] -= 1.0
    alphas, weights = quadrature("gauss_legendre", 20)
    reference = sums(plain, images, contrast, 0.0, alphas, weights)
    for chunk_size in (7, 20, 1000):  # a node split across calls, one image per call, all at once
        assert_same_sums(sums(fast, images, contrast, 0.0, alphas, weights, chunk_size), reference)


def test_baselines_of_more_than_one_colour_go_point_by_point():
    model = pooled_cnn()
    fast, plain = both(model)
    images, targets = images_with_flat_patches(), RNG.integers(0, 3, size=8)
    blurred = np.repeat(images.mean(axis=2, keepdims=True), 15, axis=2)  # varies down the rows
    assert path_sums_for(fast, np.full_like(images, 0.4)) is fast.straight_path_sums
    assert isinstance(path_sums_for(fast, blurred), PointByPoint)
    alphas, weights = quadrature("gauss_legendre", 8)
    assert_same_sums(sums(fast, images, targets, blurred, alphas, weights),
                     sums(plain, images, targets, blurred, alphas, weights))


def test_models_without_a_pooled_valid_first_convolution_have_no_shortcut():
    for model in (pooled_cnn(padding="same"), pooled_cnn(pool=False)):
        assert GradientFunction(model).path == "general"
        with pytest.raises(ValueError, match="does not apply"):
            GradientFunction(model, path="straight")


def test_integrated_gradients_by_the_shortcut_is_complete():
    model = pooled_cnn(rng=np.random.default_rng(11))  # its own weights, whichever tests ran before
    images, targets = images_with_flat_patches(), RNG.integers(0, 3, size=8)
    coarse = integrated_gradients(model, images, targets, steps=8)
    fine = integrated_gradients(model, images, targets, steps=256)
    error = completeness_check(model, images, targets, fine).relative_error
    assert np.median(error) < 5e-3
    assert np.median(error) < np.median(completeness_check(model, images, targets, coarse).relative_error)
