"""The sweep of :mod:`generator.attributions.engine.switch_sweep`: the second convolution updated only
where a unit of the first pooled layer switches gives the same path-gradient sums as
TensorFlow's own gradient taken at every node, and applies only where its algebra holds."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from tests.helpers.keras_models import functional_copy  # noqa: E402
from generator.attributions import GradientFunction, completeness_check, integrated_gradients  # noqa: E402
from generator.attributions.path_sums import path_sums_for  # noqa: E402
from generator.attributions.quadrature import quadrature  # noqa: E402

RNG = np.random.default_rng(23)
layers = keras.layers


def cnn(second_pool=2, second_padding="valid", head=(), size=16):
    model = keras.Sequential([
        keras.Input((size, size, 1)),
        layers.Conv2D(5, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(6, 3, activation="relu", padding=second_padding),
        layers.MaxPooling2D(second_pool),
        layers.Flatten(),
        *head,
        layers.Dense(4),
    ])
    # Biases of both signs: units that start on and switch off, and units that start off and switch on.
    model.set_weights([RNG.normal(scale=0.5, size=w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def sums(grad_fn, images, weights_or_targets, baseline, alphas, weights, chunk_size=5):
    baselines = np.full_like(images, baseline)
    return path_sums_for(grad_fn, baselines)(images, baselines, weights_or_targets, alphas, weights, chunk_size)


def point_by_point(model, *arguments):
    plain = GradientFunction(functional_copy(model))
    assert plain.path == "general"
    return sums(plain, *arguments)


def assert_same(got, expected):
    scale = np.abs(expected).max()
    assert scale > 0
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=2e-5 * scale)


@pytest.mark.parametrize("baseline", [0.0, 0.5, 1.0])
def test_sums_equal_tensorflows_gradient_at_every_node(baseline):
    model = cnn()
    fast = GradientFunction(model)
    assert fast.path == "sweep"
    images, targets = RNG.uniform(size=(12, 16, 16, 1)).astype(np.float32), RNG.integers(0, 4, size=12)
    alphas, weights = quadrature("gauss_legendre", 33)
    got = sums(fast, images, targets, baseline, alphas, weights)
    assert fast.straight_path_sums.switches.max() > 0  # the switch updates ran
    assert_same(got, point_by_point(model, images, targets, baseline, alphas, weights))


def test_nodes_at_both_ends_as_the_straight_paths_compiled_calls():
    # At α = 0 every window of the first pooling ties; the straight path routes it as α → 0+
    # (see generator.attributions.engine.straight_path), by its compiled calls and by the sweep alike.
    model = cnn()
    swept, straight = GradientFunction(model, path="sweep"), GradientFunction(model, path="straight")
    images, targets = RNG.uniform(size=(12, 16, 16, 1)).astype(np.float32), RNG.integers(0, 4, size=12)
    alphas, weights = quadrature("trapezoid", 33)
    assert_same(sums(swept, images, targets, 0.0, alphas, weights), sums(straight, images, targets, 0.0, alphas, weights))


def test_windows_that_leave_rows_unread_and_nodes_in_any_order():
    model = cnn(second_pool=3, size=20)  # second convolution 7 × 7, pooled by 3 × 3: one row and column unread
    fast = GradientFunction(model)
    assert fast.path == "sweep"
    images = RNG.uniform(size=(6, 20, 20, 1)).astype(np.float32)
    contrast = np.zeros((6, 4), np.float32)
    contrast[:, 0], contrast[:, 3] = 1.0, -1.0
    alphas, weights = quadrature("gauss_legendre", 17)
    shuffled = RNG.permutation(17)
    got = sums(fast, images, contrast, 0.0, alphas[shuffled], weights[shuffled])
    assert_same(got, point_by_point(model, images, contrast, 0.0, alphas, weights))


def test_integrated_gradients_by_the_sweep_is_complete():
    model = cnn()
    images, targets = RNG.uniform(size=(10, 16, 16, 1)).astype(np.float32), RNG.integers(0, 4, size=10)
    error = completeness_check(model, images, targets, integrated_gradients(model, images, targets, steps=512))
    assert np.median(error.relative_error) < 2e-3


@pytest.mark.parametrize("model", [
    lambda: cnn(head=(layers.Dense(8, activation="relu"),)),  # the score's gradient is not constant after the pooling
    lambda: cnn(second_padding="same"),
])
def test_the_sweep_needs_a_valid_second_convolution_and_a_linear_head(model):
    model = model()
    assert GradientFunction(model).path == "straight"
    with pytest.raises(ValueError, match="does not apply"):
        GradientFunction(model, path="sweep")


def test_adaptive_ig_starts_with_more_nodes_where_the_sweep_makes_them_cheap():
    from generator.attributions.adaptive import DEFAULT_START, SWEEP_START, adaptive_integrated_gradients

    model = cnn()
    images, targets = RNG.uniform(size=(3, 16, 16, 1)).astype(np.float32), RNG.integers(0, 4, size=3)
    checks = dict(tolerance=np.inf, map_tolerance=np.inf)  # every map stops at its first level
    swept = adaptive_integrated_gradients(GradientFunction(model), images, targets, **checks)
    plain = adaptive_integrated_gradients(GradientFunction(functional_copy(model)), images, targets, **checks)
    noise = adaptive_integrated_gradients(GradientFunction(model), images, targets,
                                          baseline=RNG.uniform(size=images.shape).astype(np.float32), **checks)
    assert swept.evaluations.tolist() == [SWEEP_START + 1] * 3
    assert plain.evaluations.tolist() == noise.evaluations.tolist() == [DEFAULT_START + 1] * 3
    # The same integral: the sweep's 65-node maps are closer to 1,025 nodes than 17-node ones.
    fine = integrated_gradients(model, images, targets, steps=1025, method="trapezoid")
    assert np.abs(swept.maps - fine).sum() < np.abs(plain.maps - fine).sum()
