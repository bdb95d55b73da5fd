"""Adaptive Integrated Gradients (nested trapezoid doubling) against closed forms."""

import numpy as np
import pytest

from generator.attributions import integrated_gradients
from generator.attributions.adaptive import adaptive_integrated_gradients


class Cubic:
    """score_t(x) = c_t · Σ x³: the path gradient is quadratic in α, so the trapezoid rule on n
    intervals from a black baseline gives exactly x³ · c_t · (1 + 1 / (2n²)), a completeness
    error of 1 / (2n²). Counts the rows it evaluates."""

    classes = 2

    def __init__(self):
        self.rows = 0
        self.c = np.array([1.0, 3.0])

    def __call__(self, images, targets):
        images = np.asarray(images, np.float64)
        self.rows += len(images)
        weights = np.eye(self.classes)[np.asarray(targets)] if np.ndim(targets) == 1 else np.asarray(targets)
        scale = (weights @ self.c).reshape(-1, 1, 1, 1)
        return (scale * 3 * images**2).astype(np.float32), (scale[:, 0, 0, 0] * (images**3).sum(axis=(1, 2, 3)))


class Linear(Cubic):
    def __call__(self, images, targets):
        images = np.asarray(images, np.float64)
        self.rows += len(images)
        w = np.linspace(-1, 1, images[0].size).reshape(images.shape[1:])
        return np.broadcast_to(w, images.shape).astype(np.float32), (images * w).sum(axis=(1, 2, 3))


class Balanced(Cubic):
    """score(x) = Σ_i a_i x_i³ + Σ_i x_i with a = +1 on half the pixels and −1 on the other half.

    On an all-ones image from a black baseline, the trapezoid rule on n intervals gives each
    pixel a_i (1 + 1/(2n²)) + 1: the cubic part's errors cancel in the sum, so completeness
    holds exactly at every n, but the map is off. Between n/2 and n intervals every pixel moves by
    3/(2n²), a relative L1 change of 16 · 3/(2n²) / (16 + 8/n²) = 24 / (16n² + 8) on 16 pixels."""

    def __call__(self, images, targets):
        images = np.asarray(images, np.float64)
        self.rows += len(images)
        a = np.where(np.arange(images[0].size) % 2 == 0, 1.0, -1.0).reshape(images.shape[1:])
        return (3 * a * images**2 + 1).astype(np.float32), (a * images**3 + images).sum(axis=(1, 2, 3))


def images(n=3, seed=0):
    return np.random.default_rng(seed).uniform(0.1, 1.0, size=(n, 4, 4, 1)).astype(np.float32)


def test_each_map_is_refined_until_its_completeness_error_is_within_the_tolerance():
    x = images()
    result = adaptive_integrated_gradients(Cubic(), x, np.array([0, 1, 0]), tolerance=1e-3, start=4)
    # 1/(2n²) ≤ 1e-3 first at n = 32 (16 gives 1.95e-3): 33 nodes.
    assert result.evaluations.tolist() == [33, 33, 33]
    expected = x.astype(np.float64) ** 3 * np.array([1.0, 3.0, 1.0]).reshape(-1, 1, 1, 1) * (1 + 1 / (2 * 32**2))
    np.testing.assert_allclose(result.maps, expected, rtol=1e-5)
    np.testing.assert_allclose(result.relative_error, 1 / (2 * 32**2), rtol=1e-3)
    assert np.all(result.relative_error <= 1e-3)


def test_refining_evaluates_every_node_once():
    fn = Cubic()
    result = adaptive_integrated_gradients(fn, images(2), np.array([0, 1]), tolerance=1e-3, start=4)
    assert fn.rows == result.evaluations.sum() == 2 * 33  # 5 + 4 + 8 + 16 per map


def test_a_map_that_is_exact_at_once_is_not_refined_and_others_do_not_change_it():
    x = images(3)
    linear = adaptive_integrated_gradients(Linear(), x, np.array([0, 0, 0]), tolerance=1e-5, start=4)
    assert linear.evaluations.tolist() == [5, 5, 5]  # a constant gradient: the trapezoid rule is exact
    alone = adaptive_integrated_gradients(Cubic(), x[1:2], np.array([1]), tolerance=1e-3, start=4, chunk_size=7)
    together = adaptive_integrated_gradients(Cubic(), x, np.array([0, 1, 0]), tolerance=1e-3, start=4)
    np.testing.assert_array_equal(alone.maps[0], together.maps[1])


def test_a_level_equals_the_fixed_trapezoid_rule_with_as_many_nodes():
    x, t = images(2), np.array([1, 0])
    result = adaptive_integrated_gradients(Cubic(), x, t, tolerance=0.0, start=2, max_intervals=16)
    assert result.evaluations.tolist() == [17, 17]  # never within 0: stops at max_intervals
    fixed = integrated_gradients(Cubic(), x, t, steps=17, method="trapezoid")
    np.testing.assert_allclose(result.maps, fixed, rtol=1e-6)


def test_bad_levels_are_refused():
    with pytest.raises(ValueError, match="start"):
        adaptive_integrated_gradients(Cubic(), images(1), np.array([0]), start=0)


def test_without_steps_integrated_gradients_is_the_adaptive_method():
    from generator.attributions.adaptive import DEFAULT_TOLERANCE

    x, t = images(2), np.array([0, 1])
    adaptive = integrated_gradients(Cubic(), x, t)
    expected = adaptive_integrated_gradients(Cubic(), x, t, tolerance=DEFAULT_TOLERANCE)
    np.testing.assert_array_equal(adaptive, expected.maps)
    assert np.all(expected.relative_error <= DEFAULT_TOLERANCE)
    assert not np.array_equal(integrated_gradients(Cubic(), x, t, steps=5, method="trapezoid"), adaptive)


def test_no_images_give_no_maps():
    result = adaptive_integrated_gradients(Cubic(), images(1)[:0], np.zeros(0, int))
    assert result.maps.shape == (0, 4, 4, 1) and result.evaluations.shape == (0,)


def test_refinement_stops_at_max_intervals():
    x, t = images(2), np.array([0, 1])
    capped = integrated_gradients(Cubic(), x, t, tolerance=1e-12, max_intervals=32)
    np.testing.assert_allclose(capped, integrated_gradients(Cubic(), x, t, steps=33, method="trapezoid"), rtol=1e-6)


def test_a_map_whose_sum_is_exact_is_refined_until_it_stops_changing():
    ones = np.ones((1, 4, 4, 1), np.float32)
    only_sum = adaptive_integrated_gradients(Balanced(), ones, np.array([0]), tolerance=1e-3, map_tolerance=np.inf,
                                             start=4)
    assert only_sum.evaluations.tolist() == [5] and only_sum.relative_error[0] < 1e-9
    # 24 / (16n² + 8): 9.1% at n = 4, 2.3% at 8, 0.58% at 16, so 16 intervals meet 1%.
    converged = adaptive_integrated_gradients(Balanced(), ones, np.array([0]), tolerance=1e-3, map_tolerance=0.01,
                                              start=4)
    assert converged.evaluations.tolist() == [17]
    np.testing.assert_allclose(converged.change, 24 / (16 * 16**2 + 8), rtol=1e-6)
    a = np.where(np.arange(16) % 2 == 0, 1.0, -1.0).reshape(1, 4, 4, 1)
    np.testing.assert_allclose(converged.maps, a * (1 + 1 / (2 * 16**2)) + 1, rtol=1e-6)


def test_the_first_even_level_already_knows_its_change():
    x = images(2)
    result = adaptive_integrated_gradients(Linear(), x, np.array([0, 0]), tolerance=1e-6, map_tolerance=1e-6, start=4)
    assert result.evaluations.tolist() == [5, 5]  # 2 intervals, doubled once to 4: the change is 0
    assert result.change.tolist() == [0.0, 0.0]
    odd = adaptive_integrated_gradients(Linear(), x, np.array([0, 0]), tolerance=1e-6, map_tolerance=1e-6, start=3)
    assert odd.evaluations.tolist() == [7, 7]  # an odd start has no change yet: it is doubled once


class LinearAndCubic(Cubic):
    """logit_0 = Σ x + ε Σ x³ and logit_1 = Σ x − ε Σ x³: each logit is nearly linear, so the
    trapezoid rule gets each almost right at once, but their difference 2ε Σ x³ has the cubic's
    relative error 1/(2n²) (see :class:`Cubic`)."""

    epsilon = 0.1

    def __call__(self, images, targets):
        images = np.asarray(images, np.float64)
        self.rows += len(images)
        weights = np.eye(2)[np.asarray(targets)] if np.ndim(targets) == 1 else np.asarray(targets)
        linear = weights.sum(axis=1).reshape(-1, 1, 1, 1)
        cubic = (self.epsilon * (weights[:, 0] - weights[:, 1])).reshape(-1, 1, 1, 1)
        gradient = linear + cubic * 3 * images**2
        score = linear[:, 0, 0, 0] * images.sum(axis=(1, 2, 3)) + cubic[:, 0, 0, 0] * (images**3).sum(axis=(1, 2, 3))
        return gradient.astype(np.float32), score


def test_a_pair_is_refined_together_until_its_difference_passes_too():
    x = np.repeat(images(1), 3, axis=0)
    targets = np.array([0, 1, 0])
    options = dict(tolerance=1e-2, map_tolerance=np.inf, start=4)
    alone = adaptive_integrated_gradients(LinearAndCubic(), x, targets, **options)
    assert alone.evaluations.tolist() == [5, 5, 5] and alone.differences is None
    fn = LinearAndCubic()
    paired = adaptive_integrated_gradients(fn, x, targets, pairs=np.array([[0, 1]]), **options)
    # The difference's error 1/(2n²) is within 1% first at n = 8: both rows take 9 nodes, row 2 keeps 5.
    assert paired.evaluations.tolist() == [9, 9, 5] and fn.rows == 9 + 9 + 5
    np.testing.assert_array_equal(paired.maps[2], alone.maps[2])
    contrast = paired.differences
    assert contrast.evaluations.tolist() == [9]
    expected = 2 * LinearAndCubic.epsilon * x[:1].astype(np.float64) ** 3 * (1 + 1 / (2 * 8**2))
    np.testing.assert_allclose(contrast.maps, expected, rtol=1e-5)
    np.testing.assert_allclose(contrast.relative_error, 1 / (2 * 8**2), rtol=1e-4)
    np.testing.assert_allclose(contrast.maps, paired.maps[:1] - paired.maps[1:2], rtol=1e-5, atol=1e-7)


def test_pairs_must_be_two_rows_of_one_image_each_in_one_pair():
    x = images(3)
    with pytest.raises(ValueError, match="same image"):
        adaptive_integrated_gradients(LinearAndCubic(), x, np.array([0, 1, 0]), pairs=np.array([[0, 1]]))
    same = np.repeat(images(1), 3, axis=0)
    with pytest.raises(ValueError, match="same image and baseline"):
        adaptive_integrated_gradients(LinearAndCubic(), same, np.array([0, 1, 0]), pairs=np.array([[0, 1]]),
                                      baseline=np.arange(3, dtype=np.float32).reshape(3, 1, 1, 1) / 10)
    with pytest.raises(ValueError, match="at most one pair"):
        adaptive_integrated_gradients(LinearAndCubic(), same, np.array([0, 1, 0]), pairs=np.array([[0, 1], [1, 2]]))
