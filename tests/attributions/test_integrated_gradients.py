"""Integrated Gradients against closed forms, with pure-NumPy gradient functions.

Each test draws from its own seeded generator (the models take it too), so no test depends on
which tests ran before it. The models are in tests/helpers/closed_forms.py (Expected Gradients
uses them too).
"""

import numpy as np
import pytest

from generator.attributions import METHODS, completeness, integrated_gradients
from tests.helpers.closed_forms import SHAPE, LinearLogits, QuadraticLogit

@pytest.mark.parametrize("method", METHODS)
def test_linear_model_ig_is_exact_for_every_rule(method):
    rng = np.random.default_rng(0)
    model = LinearLogits(rng)
    images = rng.uniform(size=(6, *SHAPE)).astype(np.float32)
    targets = np.array([0, 1, 2, 2, 1, 0])
    baseline = 0.25
    ig = integrated_gradients(model, images, targets, steps=3, method=method, baseline=baseline)
    expected = (images - baseline) * model.w[targets]
    np.testing.assert_allclose(ig, expected, rtol=1e-5, atol=1e-6)
    assert ig.dtype == np.float32 and ig.shape == images.shape


def test_quadratic_model_ig_matches_closed_form_with_two_gauss_nodes():
    rng = np.random.default_rng(1)
    model = QuadraticLogit(rng)
    images = rng.uniform(size=(3, *SHAPE)).astype(np.float32)
    baseline = rng.uniform(size=SHAPE).astype(np.float32)
    ig = integrated_gradients(model, images, np.zeros(3, int), steps=2, baseline=baseline)
    np.testing.assert_allclose(ig, model.a * (images**2 - baseline**2), rtol=1e-5, atol=1e-6)


def test_completeness_holds_and_reports_relative_error():
    rng = np.random.default_rng(2)
    model = QuadraticLogit(rng)
    images = rng.uniform(size=(3, *SHAPE)).astype(np.float32)
    targets = np.zeros(3, int)
    ig = integrated_gradients(model, images, targets, steps=4)
    _, at_x = model(images, targets)
    _, at_0 = model(np.zeros_like(images), targets)
    check = completeness(ig, at_x, at_0)
    np.testing.assert_allclose(check.attribution_sum, check.logit_delta, rtol=1e-5)
    assert np.all(check.relative_error < 1e-5)
    wrong = completeness(ig * 0.9, at_x, at_0)
    np.testing.assert_allclose(wrong.relative_error, 0.1, rtol=1e-4)


def test_missing_x_minus_baseline_factor_would_break_completeness():
    """Guards the formula itself: the path average of gradients alone is not IG. With a_i > 0
    and x_i in [0.5, 0.9] it sums to Σ a_i x_i ≥ Σ a_i x_i² / 0.9, at least 11% off whatever the
    draw (with signed a_i the two sums could agree by chance)."""
    rng = np.random.default_rng(3)
    model = QuadraticLogit(rng)
    model.a = np.abs(model.a)
    images = rng.uniform(0.5, 0.9, size=(2, *SHAPE)).astype(np.float32)
    targets = np.zeros(2, int)
    ig = integrated_gradients(model, images, targets, steps=8)
    average_gradient = ig / images
    _, at_x = model(images, targets)
    _, at_0 = model(np.zeros_like(images), targets)
    assert np.all(completeness(ig, at_x, at_0).relative_error < 1e-5)
    assert np.all(completeness(average_gradient, at_x, at_0).relative_error > 1e-2)


@pytest.mark.parametrize("chunk_size", [1, 5, 7, 24, 1000])
def test_chunk_size_does_not_change_results_and_bounds_calls(chunk_size):
    rng = np.random.default_rng(4)
    model = QuadraticLogit(rng)
    images = rng.uniform(size=(5, *SHAPE)).astype(np.float32)
    targets = np.zeros(5, int)
    reference = integrated_gradients(model, images, targets, steps=12, chunk_size=10_000)
    linear = LinearLogits(rng)
    result = integrated_gradients(model, images, targets, steps=12, chunk_size=chunk_size)
    np.testing.assert_allclose(result, reference, rtol=1e-6, atol=1e-7)
    integrated_gradients(linear, images, targets, steps=12, chunk_size=chunk_size)
    assert max(linear.calls) <= chunk_size
    assert sum(linear.calls) == 5 * 12


def test_batch_order_does_not_change_results():
    rng = np.random.default_rng(5)
    model = LinearLogits(rng)
    images = rng.uniform(size=(7, *SHAPE)).astype(np.float32)
    targets = rng.integers(0, 3, size=7)
    order = rng.permutation(7)
    ig = integrated_gradients(model, images, targets, steps=5, chunk_size=9)
    shuffled = integrated_gradients(model, images[order], targets[order], steps=5, chunk_size=9)
    np.testing.assert_allclose(shuffled, ig[order], rtol=1e-6)


def test_target_is_fixed_along_the_path():
    """Each image's gradients are requested for its own target at every step."""
    seen = []

    def recording(images, targets):
        seen.append(np.array(targets))
        return np.ones_like(images), np.zeros(len(images), np.float32)

    integrated_gradients(recording, np.ones((3, *SHAPE), np.float32), np.array([4, 1, 7]), steps=6, chunk_size=4)
    assert np.concatenate(seen).tolist() == [4] * 6 + [1] * 6 + [7] * 6


def test_colour_ig_per_pixel_is_the_channel_sum_and_completeness_holds_on_it():
    """A linear model of (H, W, 3) images: IG summed over channels (how the pages show it) is
    Σ_c (x − x′)_c w_c at each pixel, and over all pixels f(x) − f(x′), which the completeness
    check sums over every axis, channels included."""
    from generator.methods import INTEGRATED_GRADIENTS, method

    rng = np.random.default_rng(7)
    shape = (5, 6, 3)
    model = LinearLogits(rng, classes=4, shape=shape)
    images = rng.uniform(size=(3, *shape)).astype(np.float32)
    baseline = rng.uniform(size=shape).astype(np.float32)
    targets = np.array([3, 0, 2])
    ig = integrated_gradients(model, images, targets, steps=2, baseline=baseline)
    per_pixel = method(INTEGRATED_GRADIENTS).reduced(ig)
    assert per_pixel.shape == (3, 5, 6)
    np.testing.assert_allclose(per_pixel, np.einsum("nhwc,nhwc->nhw", images - baseline, model.w[targets]),
                               rtol=1e-5, atol=1e-6)
    at_x = model.logits(images, targets)
    at_baseline = model.logits(np.broadcast_to(baseline, images.shape), targets)
    check = completeness(ig, at_x, at_baseline)
    np.testing.assert_allclose(check.attribution_sum, at_x - at_baseline, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(per_pixel.sum(axis=(1, 2)), at_x - at_baseline, rtol=1e-5, atol=1e-5)
    one_channel = completeness(ig[..., :1], at_x, at_baseline)  # a check that dropped channels would fail
    assert np.all(one_channel.relative_error > 1e-3)
