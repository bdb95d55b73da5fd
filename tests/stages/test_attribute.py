"""The attribution stage: completeness is enforced by doubling the steps, up to a cap."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator.stages import attribute as explain  # noqa: E402
from generator.stages import checked_maps  # noqa: E402
from generator.plumbing.settings import COMPLETENESS_FLOOR  # noqa: E402
from generator.plumbing.settings import AttributionSettings  # noqa: E402


def kinked_model():
    """logit_0 = relu(w·x − c): a kink on the path that coarse quadrature misses."""
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1, activation="relu"), keras.layers.Dense(2, use_bias=False)])
    model.layers[1].set_weights([np.full((16, 1), 0.5, np.float32), np.array([-3.3], np.float32)])
    model.layers[2].set_weights([np.array([[1.0, -1.0]], np.float32)])
    return model


BASELINES = np.linspace(0.0, 0.5, 3)[:, None, None, None] * np.ones((3, 4, 4, 1), np.float32)
"""Expected Gradients draws its baselines from these three flat images."""


def test_rows_above_tolerance_are_recomputed_with_more_steps():
    images = np.linspace(0.6, 1.0, 3)[:, None, None, None] * np.ones((3, 4, 4, 1), np.float32)
    images = images.astype(np.float32)
    settings = AttributionSettings(steps=2, method="riemann_left", chunk_size=16)
    messages = []
    arrays = explain.compute_attributions(kinked_model(), images, np.arange(3), np.zeros(3, int), np.zeros((0, 2), int),
                                          settings, seed=0, baselines=BASELINES, log=messages.append)
    ig = arrays.ig
    assert np.all(ig.relative_error <= COMPLETENESS_FLOOR)
    assert np.all(ig.steps > 2)
    assert any("retrying with 4 steps" in m for m in messages)
    np.testing.assert_allclose(ig.attribution_sum, ig.logit_delta, rtol=COMPLETENESS_FLOOR)
    np.testing.assert_allclose(arrays.saliency, np.abs(arrays.gradient))
    np.testing.assert_allclose(arrays.gradient_x_input, images * arrays.gradient)


def test_rows_still_missing_at_the_cap_stay_flagged(monkeypatch):
    monkeypatch.setattr(checked_maps, "MAX_REFINED_STEPS", 4)
    images = np.full((2, 4, 4, 1), 0.8, np.float32)
    settings = AttributionSettings(steps=2, method="riemann_left", chunk_size=16)
    arrays = explain.compute_attributions(kinked_model(), images, np.arange(2), np.zeros(2, int), np.zeros((0, 2), int),
                                          settings, seed=0, baselines=BASELINES, log=lambda m: None)
    assert np.all(arrays.ig.steps == 4)
    assert np.all(arrays.ig.relative_error > COMPLETENESS_FLOOR)


def test_contrast_maps_explain_the_logit_difference():
    """Rows (predicted 1, true 0) of one image: the contrast IG sums to Δ(logit_1 − logit_0)."""
    images = np.full((2, 4, 4, 1), 0.9, np.float32)
    settings = AttributionSettings(steps=64, chunk_size=64)
    arrays = explain.compute_attributions(kinked_model(), images, np.array([5, 5]), np.array([1, 0]),
                                          np.array([[0, 1]]), settings, seed=0, baselines=BASELINES, log=lambda m: None)
    assert arrays.contrast_index.tolist() == [5]
    contrast = arrays.contrast
    # logit_1 = −logit_0, so the difference is −2·logit_0 and its IG is −2 × the class-0 IG.
    np.testing.assert_allclose(contrast.maps[0], -2 * arrays.ig.maps[1], rtol=1e-4, atol=1e-6)
    assert contrast.logit_delta[0] == pytest.approx(-2 * arrays.ig.logit_delta[1], rel=1e-5)


def test_expected_gradients_records_its_completeness_against_its_drawn_baselines():
    images = np.full((2, 4, 4, 1), 0.9, np.float32)
    settings = AttributionSettings(steps=64, chunk_size=64, expected_gradients_samples=256)
    arrays = explain.compute_attributions(kinked_model(), images, np.array([5, 5]), np.array([1, 0]),
                                          np.array([[0, 1]]), settings, seed=0, baselines=BASELINES,
                                          log=lambda m: None)
    eg = arrays.eg
    assert eg.steps.tolist() == [256, 256]
    np.testing.assert_allclose(eg.maps.sum(axis=(1, 2, 3)), eg.attribution_sum, rtol=1e-5)
    # The logit at 0.9 is relu(7.2 − 3.3) = 3.9; the baselines' are relu(8·b − 3.3): 0, 0, 0.7.
    # The reference is 3.9 minus the mean over the drawn ones, so it lies in [3.2, 3.9].
    assert np.all((eg.logit_delta[1] >= 3.2 - 1e-5) & (eg.logit_delta[1] <= 3.9 + 1e-5))
    assert eg.relative_error[1] < 0.05
    # Same image, same draws: the contrast logit_1 − logit_0 = −2 logit_0 has −2 × its EG.
    np.testing.assert_allclose(arrays.contrast_eg.maps[0], -2 * eg.maps[1], rtol=1e-4, atol=1e-6)


def test_the_contrast_eg_map_is_the_expected_gradients_of_the_logit_difference():
    """Two independent logits: the contrast map (the difference of the rows' maps) equals EG of
    logit_1 − logit_0 computed directly, with the same draws."""
    from generator import attributions as attr

    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(5, activation="relu"),
                              keras.layers.Dense(2)])
    image = np.random.default_rng(1).uniform(size=(1, 4, 4, 1)).astype(np.float32)
    images = np.repeat(image, 2, axis=0)
    settings = AttributionSettings(steps=16, expected_gradients_samples=32, chunk_size=64)
    arrays = explain.compute_attributions(model, images, np.array([5, 5]), np.array([1, 0]), np.array([[0, 1]]),
                                          settings, seed=4, baselines=BASELINES, log=lambda m: None)
    direct = attr.expected_gradients(model, image, attr.contrast_weights([1], [0], 2), baselines=BASELINES,
                                     samples=32, seed=4)
    assert np.abs(direct).max() > 0
    np.testing.assert_allclose(arrays.contrast_eg.maps, direct, rtol=1e-4, atol=1e-6)
    assert arrays.contrast.logit_delta[0] == pytest.approx(
        arrays.ig.logit_delta[0] - arrays.ig.logit_delta[1], rel=1e-5)


def test_adaptive_contrast_maps_are_ig_of_the_logit_difference_at_the_rows_nodes():
    from generator import attributions as attr

    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2)])
    image = np.random.default_rng(2).uniform(size=(1, 4, 4, 1)).astype(np.float32)
    images = np.repeat(image, 3, axis=0)
    settings = AttributionSettings(steps=0, tolerance=1e-3, map_tolerance=1e-3, chunk_size=64)
    arrays = explain.compute_attributions(model, images, np.array([5, 5, 5]), np.array([1, 0, 1]), np.array([[0, 1]]),
                                          settings, seed=0, baselines=BASELINES, log=lambda m: None)
    contrast = arrays.contrast
    nodes = int(contrast.steps[0])
    assert nodes == arrays.ig.steps[0] == arrays.ig.steps[1] >= 17
    direct = attr.integrated_gradients(model, image, attr.contrast_weights([1], [0], 2), steps=nodes,
                                       method="trapezoid")
    np.testing.assert_allclose(contrast.maps, direct, rtol=1e-4, atol=1e-6)
    assert contrast.relative_error[0] <= 1e-3 and contrast.spread[0] <= 1e-3
    np.testing.assert_allclose(contrast.logit_delta, arrays.ig.logit_delta[0] - arrays.ig.logit_delta[1], rtol=1e-5)


@pytest.mark.parametrize("channels", [1, 3])
def test_examples_show_a_grey_image_without_its_channel_and_a_colour_one_in_colour(channels):
    from dataclasses import replace

    from generator.stages.results import Evaluation
    from tests.helpers.baselines import published

    arrays = published()
    arrays = replace(arrays, image=np.repeat(arrays.image, channels, axis=-1) * np.linspace(0.5, 1.0, channels))
    labels, predictions = np.array([0, 2, 0]), np.array([0, 1, 2])
    evaluation = Evaluation(1 / 3, np.full(3, 0.5), np.eye(3, dtype=int), predictions, np.full(3, 0.9), np.ones(3))
    examples = explain.to_examples(arrays, labels, evaluation, COMPLETENESS_FLOOR)
    for example in examples:
        image = arrays.image[int(np.flatnonzero(arrays.index == example.test_index)[0])]
        np.testing.assert_array_equal(example.image, image if channels == 3 else image[..., 0])
        assert all(m.shape == image.shape[:2] for row in example.rows for m in row.maps.values())
