"""Expected Gradients against closed forms, with pure-NumPy gradient functions."""

import numpy as np
import pytest

from generator.attributions import baseline_scores, expected_gradients, integrated_gradients
from generator.attributions import quadrature
from generator.attributions.expected_gradients import draws, expected_gradients_at
from test_attributions_numpy import SHAPE, LinearLogits, QuadraticLogit

RNG = np.random.default_rng(7)


def test_linear_model_eg_is_the_mean_difference_to_the_drawn_baselines_times_the_weights():
    model = LinearLogits()
    images = RNG.uniform(size=(5, *SHAPE)).astype(np.float32)
    baselines = RNG.uniform(size=(9, *SHAPE)).astype(np.float32)
    targets = np.array([0, 1, 2, 1, 0])
    eg = expected_gradients(model, images, targets, baselines=baselines, samples=6, seed=3, chunk_size=7)
    for n, image in enumerate(images):
        which, _ = draws(image, len(baselines), 6, 3)
        expected = (image - baselines[which]).mean(axis=0) * model.w[targets[n]]
        np.testing.assert_allclose(eg[n], expected, rtol=1e-5, atol=1e-6)
    # Completeness is exact for a linear model: Σ EG = f(x) − mean_j f(x′_j).
    logits = np.stack([model.logits(baselines, np.full(len(baselines), k)) for k in range(3)], axis=1)
    expected_sum = model.logits(images, targets) - baseline_scores(logits, images, targets, len(baselines), 6, 3)
    np.testing.assert_allclose(eg.sum(axis=(1, 2, 3)), expected_sum, rtol=1e-5, atol=1e-5)
    assert eg.dtype == np.float32 and eg.shape == images.shape


def test_with_one_baseline_eg_is_integrated_gradients_with_random_nodes():
    """A quadratic f: each draw's term integrates over α to a(x² − x′²), IG's exact answer."""
    model = QuadraticLogit()
    images = RNG.uniform(size=(3, *SHAPE)).astype(np.float32)
    baseline = RNG.uniform(size=(1, *SHAPE)).astype(np.float32)
    exact = integrated_gradients(model, images, np.zeros(3, int), steps=2, baseline=baseline[0])
    errors = {}
    for samples in (16, 4096):
        eg = expected_gradients(model, images, np.zeros(3, int), baselines=baseline, samples=samples, seed=1)
        errors[samples] = np.abs(eg.sum(axis=(1, 2, 3)) - exact.sum(axis=(1, 2, 3))).max()
        assert np.abs(eg - exact).max() < 3.0 / np.sqrt(samples)  # Monte Carlo over α only
    assert errors[4096] < errors[16] / 4  # the error shrinks like 1/√n


def test_results_do_not_depend_on_chunk_size_or_batch_order():
    model = QuadraticLogit()
    images = RNG.uniform(size=(6, *SHAPE)).astype(np.float32)
    baselines = RNG.uniform(size=(4, *SHAPE)).astype(np.float32)
    targets = np.zeros(6, int)
    reference = expected_gradients(model, images, targets, baselines=baselines, samples=5, seed=2, chunk_size=1000)
    for chunk in (1, 4, 7):
        again = expected_gradients(model, images, targets, baselines=baselines, samples=5, seed=2, chunk_size=chunk)
        np.testing.assert_allclose(again, reference, rtol=1e-6, atol=1e-7)
    order = np.array([3, 0, 5, 1, 4, 2])
    shuffled = expected_gradients(model, images[order], targets, baselines=baselines, samples=5, seed=2)
    np.testing.assert_allclose(shuffled, reference[order], rtol=1e-6, atol=1e-7)
    other_seed = expected_gradients(model, images, targets, baselines=baselines, samples=5, seed=3)
    assert not np.allclose(other_seed, reference)


def test_draws_are_uniform_over_the_baselines_and_the_unit_interval():
    image = RNG.uniform(size=SHAPE).astype(np.float32)
    which, alpha = draws(image, population=10, samples=20_000, seed=0)
    assert which.min() == 0 and which.max() == 9
    np.testing.assert_allclose(np.bincount(which) / 20_000, 0.1, atol=0.01)
    assert 0.0 <= alpha.min() and alpha.max() < 1.0 and abs(alpha.mean() - 0.5) < 0.01
    assert np.array_equal(np.sort(np.floor(alpha * 20_000)), np.arange(20_000))  # one α per stratum
    assert abs(np.corrcoef(which, alpha)[0, 1]) < 0.03  # strata shuffled among the baselines
    again, _ = draws(image, population=10, samples=20_000, seed=0)
    assert np.array_equal(which, again)


def test_bad_arguments_fail_with_a_message():
    model, images = LinearLogits(), RNG.uniform(size=(2, *SHAPE)).astype(np.float32)
    with pytest.raises(ValueError, match="baselines must be"):
        expected_gradients(model, images, np.zeros(2, int), baselines=images[0])
    with pytest.raises(ValueError, match="samples must be"):
        expected_gradients(model, images, np.zeros(2, int), baselines=images, samples=0)


def test_one_baseline_repeated_with_alpha_on_the_quadrature_nodes_is_integrated_gradients():
    model = QuadraticLogit()
    images = RNG.uniform(size=(3, *SHAPE)).astype(np.float32)
    baseline = RNG.uniform(size=(1, *SHAPE)).astype(np.float32)
    nodes, weights = quadrature("gauss_legendre", 5)
    eg = expected_gradients_at(model, images, np.zeros(3, int), baseline, np.zeros((3, 5), np.int64),
                               np.tile(nodes, (3, 1)), weights)
    ig = integrated_gradients(model, images, np.zeros(3, int), steps=5, baseline=baseline[0])
    np.testing.assert_allclose(eg, ig, rtol=1e-5, atol=1e-6)


def test_linear_model_eg_approaches_the_difference_to_the_mean_baseline_times_the_weights():
    """E[EG] = (x − E[x′]) ⊙ w; with n draws each pixel is off by at most 4 standard errors."""
    model = LinearLogits()
    images = RNG.uniform(size=(2, *SHAPE)).astype(np.float32)
    baselines = RNG.uniform(size=(50, *SHAPE)).astype(np.float32)
    targets = np.array([0, 2])
    samples = 2000
    eg = expected_gradients(model, images, targets, baselines=baselines, samples=samples, seed=5)
    expected = (images - baselines.mean(axis=0)) * model.w[targets]
    standard_error = baselines.std(axis=0) * np.abs(model.w[targets]) / np.sqrt(samples)
    assert np.all(np.abs(eg - expected) <= 4 * standard_error + 1e-6)


def test_the_noise_of_a_map_estimates_its_distance_to_the_expectation():
    """A linear model: EG over the whole baseline set is exactly (x − mean x′) ⊙ w, so each map's
    true error is known; the split-half estimate must match it in the median over many maps."""
    from generator.attributions.expected_gradients import expected_gradients_halves

    model = LinearLogits()
    images = RNG.uniform(size=(200, *SHAPE)).astype(np.float32)
    baselines = RNG.uniform(size=(500, *SHAPE)).astype(np.float32)
    targets = np.arange(200) % 3
    halves = expected_gradients_halves(model, images, targets, baselines=baselines, samples=64, seed=5)
    exact = (images - baselines.mean(axis=0)) * model.w[targets]
    true = np.abs(halves.maps - exact).sum(axis=(1, 2, 3)) / np.abs(halves.maps).sum(axis=(1, 2, 3))
    ratio = np.median(halves.noise()) / np.median(true)
    assert 0.85 < ratio < 1.2
    np.testing.assert_allclose(halves.maps, expected_gradients(model, images, targets, baselines=baselines, samples=64,
                                                               seed=5), rtol=1e-5, atol=1e-6)


def test_one_baseline_has_no_noise_and_one_draw_no_estimate():
    from generator.attributions.expected_gradients import expected_gradients_halves

    model = LinearLogits()
    images = RNG.uniform(size=(4, *SHAPE)).astype(np.float32)
    one = RNG.uniform(size=(1, *SHAPE)).astype(np.float32)
    halves = expected_gradients_halves(model, images, np.zeros(4, int), baselines=one, samples=8, seed=0)
    np.testing.assert_allclose(halves.noise(), 0.0, atol=1e-6)  # every draw's term is the same
    single = expected_gradients_halves(model, images, np.zeros(4, int), baselines=one, samples=1, seed=0)
    assert np.isnan(single.noise()).all()
    np.testing.assert_allclose(single.maps, (images - one) * model.w[0], rtol=1e-5, atol=1e-6)
