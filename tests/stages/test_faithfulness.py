"""Deletion and insertion curves: closed forms on linear models, end points, controls, areas, intervals."""

import numpy as np
import pytest

from generator.stages.faithfulness import (
    BLUR_SIGMA,
    Curves,
    blur,
    bootstrap,
    deletion,
    edge_ranking,
    end_logits,
    insertion,
    normalised_auc,
    random_rankings,
    ranking,
    step_pixels,
)

H, W, K = 6, 5, 4
P = H * W


def linear_model(seed=0, channels=1):
    """logits = W · vec(x) + b, with W (K, H·W·C) and b (K,), in float64."""
    rng = np.random.default_rng(seed)
    weights, bias = rng.normal(size=(K, P * channels)), rng.normal(size=K)

    def logits_fn(images):
        assert images.dtype == np.float32
        return images.reshape(len(images), -1).astype(np.float64) @ weights.T + bias

    return logits_fn, weights, bias


def tanh_model(seed=1, channels=2):
    """A small non-linear network, so that no end-point property relies on linearity."""
    rng = np.random.default_rng(seed)
    first, second = rng.normal(size=(P * channels, 8)), rng.normal(size=(8, K))
    return lambda images: np.tanh(images.reshape(len(images), -1).astype(np.float64) @ first) @ second


def images_of(n, channels=1, seed=2):
    return np.random.default_rng(seed).random((n, H, W, channels)).astype(np.float32)


# Linear model, black fill, gradient × input: the deletion curve is an exact cumulative sum.


def test_linear_deletion_with_gradient_times_input_is_the_cumulative_sum_of_contributions():
    logits_fn, weights, bias = linear_model()
    images, targets = images_of(7), np.arange(7) % K
    contributions = images.reshape(7, P) * weights[targets]  # gradient × input of the target logit
    step = 4
    curves = deletion(logits_fn, images, targets, ranking(contributions.reshape(7, H, W)), np.zeros_like(images), step)

    removed = np.minimum(np.arange(len(curves.fractions)) * step, P)
    largest_first = -np.sort(-contributions, axis=1)
    remaining = np.concatenate([np.zeros((7, 1)), np.cumsum(largest_first[:, ::-1], axis=1)], axis=1)[:, ::-1]
    expected = bias[targets][:, None] + remaining[:, removed]  # b_t + Σ of contributions not yet removed
    np.testing.assert_allclose(curves.logit, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(curves.fractions, removed / P)


def test_linear_gradient_times_input_beats_random_orders_on_deletion_and_insertion():
    logits_fn, weights, _ = linear_model()
    images, targets = images_of(9), np.arange(9) % K
    black = np.zeros_like(images)
    order = ranking((images[..., 0] * weights[targets].reshape(9, H, W)))
    randoms = random_rankings(10, 9, P, seed=3)

    def areas(direction, orders):
        curves = [direction(logits_fn, images, targets, o, black, 2) for o in orders]
        return np.stack([normalised_auc(c, "logit", min_gap=0) for c in curves])

    assert np.all(areas(deletion, [order])[0] < areas(deletion, randoms).mean(axis=0))
    assert np.all(areas(insertion, [order])[0] > areas(insertion, randoms).mean(axis=0))


# End points, chunks and argument checks.


@pytest.mark.parametrize("fill_kind", ["black", "blur"])
@pytest.mark.parametrize("order_kind", ["random", "edge", "reversed"])
def test_curves_start_and_end_where_they_must(fill_kind, order_kind):
    logits_fn, images, targets = tanh_model(), images_of(5, channels=2), np.array([0, 1, 2, 3, 0])
    fill = np.zeros_like(images) if fill_kind == "black" else blur(images, sigma=1.5)
    order = {
        "random": random_rankings(1, 5, P, seed=4)[0],
        "edge": edge_ranking(images),
        "reversed": np.tile(np.arange(P)[::-1], (5, 1)),
    }[order_kind]
    at_image = logits_fn(images)[np.arange(5), targets]
    at_fill = logits_fn(fill)[np.arange(5), targets]

    removed = deletion(logits_fn, images, targets, order, fill, step=7)
    restored = insertion(logits_fn, images, targets, order, fill, step=7)
    np.testing.assert_allclose(removed.logit[:, 0], at_image, rtol=1e-12)
    np.testing.assert_allclose(removed.logit[:, -1], at_fill, rtol=1e-12)
    np.testing.assert_allclose(restored.logit[:, 0], at_fill, rtol=1e-12)
    np.testing.assert_allclose(restored.logit[:, -1], at_image, rtol=1e-12)
    assert removed.fractions[0] == restored.fractions[0] == 0.0
    assert removed.fractions[-1] == restored.fractions[-1] == 1.0
    assert removed.logit.shape == removed.probability.shape == (5, len(removed.fractions)) == (5, 6)


def test_probability_is_the_softmax_of_the_target_logit():
    logits_fn, images, targets = tanh_model(), images_of(3, channels=2), np.array([3, 1, 0])
    curves = deletion(logits_fn, images, targets, edge_ranking(images), np.zeros_like(images), step=10)
    at_image = logits_fn(images)
    expected = np.exp(at_image[np.arange(3), targets]) / np.exp(at_image).sum(axis=1)
    np.testing.assert_allclose(curves.probability[:, 0], expected, rtol=1e-12)
    assert np.all((curves.probability > 0) & (curves.probability < 1))


@pytest.mark.parametrize("direction", [deletion, insertion])
def test_results_do_not_depend_on_chunk(direction):
    logits_fn, images, targets = tanh_model(), images_of(6, channels=2), np.arange(6) % K
    order, fill = random_rankings(1, 6, P, seed=5)[0], blur(images)
    reference = direction(logits_fn, images, targets, order, fill, step=3)
    for chunk in (1, 7, 11, 10_000):
        curves = direction(logits_fn, images, targets, order, fill, step=3, chunk=chunk)
        np.testing.assert_allclose(curves.logit, reference.logit, rtol=1e-12)
        np.testing.assert_allclose(curves.probability, reference.probability, rtol=1e-12)


def test_chunk_bounds_the_images_per_model_call():
    sizes = []
    logits_fn = linear_model()[0]

    def counting(batch):
        sizes.append(len(batch))
        return logits_fn(batch)

    images = images_of(4)
    deletion(counting, images, np.zeros(4, int), ranking(images[..., 0]), np.zeros_like(images), step=6, chunk=5)
    assert max(sizes) <= 5 and sum(sizes) == 4 * 6  # 4 images × (30 / 6 + 1) points


def brute_force_path(logits_fn, start, end, order, step):
    """Every point of the path built on its own: x_k = start with order[:k] taken from end."""
    n = len(start)
    changed = np.minimum(np.arange(-(-P // step) + 1) * step, P)
    points = []
    for k in changed:
        x = start.reshape(n, P, -1).copy()
        rows = np.repeat(np.arange(n), k)
        x[rows, order[:, :k].ravel()] = end.reshape(n, P, -1)[rows, order[:, :k].ravel()]
        points.append(logits_fn(x.reshape(start.shape)))
    return np.stack(points, axis=1)  # (N, S+1, K)


@pytest.mark.parametrize("direction", [deletion, insertion])
def test_points_whose_image_did_not_change_reuse_logits_and_match_the_brute_force_path(direction):
    images = images_of(5)
    images[images < 0.6] = 0.0  # many black pixels: deleting them to black changes nothing
    fill, targets, order = np.zeros_like(images), np.arange(5) % K, random_rankings(1, 5, P, seed=3)[0]
    seen = []
    model = tanh_model(channels=1)

    def counting(batch):
        seen.extend(batch.reshape(len(batch), -1).tobytes() for batch in batch)
        return model(batch)

    curves = direction(counting, images, targets, order, fill, step=2)
    start, end = (images, fill) if direction is deletion else (fill, images)
    reference = brute_force_path(model, start, end, order, step=2)
    np.testing.assert_allclose(curves.logit, reference[np.arange(5), :, targets], rtol=1e-12)
    distinct = sum(len(np.unique(path, axis=0)) for path in reference)  # distinct images along each path
    assert distinct < 5 * curves.fractions.size
    assert len(seen) == distinct  # the model saw each distinct image of a path once


def test_known_ends_are_not_recomputed_and_change_nothing():
    logits_fn, images, targets = tanh_model(), images_of(4, channels=2), np.arange(4) % K
    fill, order = blur(images), random_rankings(1, 4, P, seed=8)[0]
    ends = end_logits(logits_fn, images, fill)
    calls = []

    def counting(batch):
        calls.append(len(batch))
        return logits_fn(batch)

    for direction in (deletion, insertion):
        calls.clear()
        with_ends = direction(counting, images, targets, order, fill, step=4, ends=ends)
        assert sum(calls) == 4 * (with_ends.fractions.size - 2)
        plain = direction(logits_fn, images, targets, order, fill, step=4)
        np.testing.assert_allclose(with_ends.logit, plain.logit, rtol=1e-12)


def test_bad_arguments_fail_with_a_message():
    logits_fn, images = linear_model()[0], images_of(2)
    order, black = np.tile(np.arange(P), (2, 1)), np.zeros_like(images)
    with pytest.raises(ValueError, match="permutation"):
        deletion(logits_fn, images, np.zeros(2, int), np.zeros((2, P), int), black, step=3)
    with pytest.raises(ValueError, match="fill"):
        deletion(logits_fn, images, np.zeros(2, int), order, black[:1], step=3)
    with pytest.raises(ValueError, match="targets"):
        deletion(logits_fn, images, np.array([0, K]), order, black, step=3)
    with pytest.raises(ValueError, match="step"):
        insertion(logits_fn, images, np.zeros(2, int), order, black, step=0)


# Orders and fills.


def test_ranking_puts_the_highest_value_first_and_breaks_ties_by_pixel_index():
    attribution = np.array([[[0.0, 2.0, 1.0], [2.0, 0.0, 2.0]]])
    np.testing.assert_array_equal(ranking(attribution), [[1, 3, 5, 2, 0, 4]])
    np.testing.assert_array_equal(ranking(attribution[..., None]), [[1, 3, 5, 2, 0, 4]])


def test_random_rankings_are_seeded_permutations():
    orders = random_rankings(3, 4, P, seed=7)
    assert orders.shape == (3, 4, P)
    np.testing.assert_array_equal(np.sort(orders, axis=-1), np.broadcast_to(np.arange(P), (3, 4, P)))
    np.testing.assert_array_equal(orders, random_rankings(3, 4, P, seed=7))
    assert not np.array_equal(orders, random_rankings(3, 4, P, seed=8))
    assert not np.array_equal(orders[0], orders[1])


def test_edge_ranking_puts_the_pixels_beside_a_vertical_edge_first():
    image = np.zeros((1, 8, 10))
    image[:, :, 6:] = 1.0  # the edge lies between columns 5 and 6
    order = edge_ranking(image)[0]
    assert set(order[:16] % 10) == {5, 6}
    np.testing.assert_array_equal(np.sort(order[16:]), np.setdiff1d(np.arange(80), order[:16]))


def test_blur_keeps_a_constant_image_and_each_images_mean():
    constant = np.full((2, 28, 28, 1), 0.3, dtype=np.float32)
    np.testing.assert_allclose(blur(constant), constant, rtol=1e-6)
    images = images_of(3, channels=2)
    blurred = blur(images)
    assert blurred.shape == images.shape and blurred.dtype == images.dtype
    np.testing.assert_allclose(blurred.mean(axis=(1, 2)), images.mean(axis=(1, 2)), rtol=1e-5)
    assert blurred.std() < images.std()
    assert BLUR_SIGMA == 4.0


def test_blur_of_a_single_dot_is_a_centred_symmetric_gaussian():
    dot = np.zeros((1, 41, 41))
    dot[0, 20, 20] = 1.0
    blurred = blur(dot, sigma=2.0)[0]
    np.testing.assert_allclose(blurred, blurred.T, atol=1e-15)
    np.testing.assert_allclose(blurred, blurred[::-1, ::-1], atol=1e-15)
    assert blurred[20, 22] / blurred[20, 20] == pytest.approx(np.exp(-4 / 8), rel=1e-9)


def test_step_pixels_is_the_largest_step_within_the_share():
    assert step_pixels(784) == 15 and 15 / 784 <= 0.02 < 16 / 784
    assert step_pixels(100, max_share=0.05) == 5
    with pytest.raises(ValueError):
        step_pixels(10, max_share=0.02)


# Areas and intervals.


def curves_of(values, fractions):
    values = np.atleast_2d(np.asarray(values, dtype=float))
    return Curves(np.asarray(fractions, dtype=float), values, values)


def test_area_of_a_straight_line_and_of_a_step_is_their_closed_form():
    fractions = np.linspace(0, 1, 11)
    assert normalised_auc(curves_of(1 - fractions, fractions))[0] == pytest.approx(0.5, abs=1e-12)
    step = np.where(fractions <= 0.5 + 1e-12, 1.0, 0.0)  # 1 up to 0.5, then 0: area 0.5 + half a cell
    assert normalised_auc(curves_of(step, fractions))[0] == pytest.approx(0.55, abs=1e-12)
    uneven = np.array([0.0, 0.3, 0.9, 1.0])  # the last interval shorter, as with 784 px in steps of 15
    assert normalised_auc(curves_of(uneven**2, uneven))[0] == pytest.approx(
        0.3 * 0.045 + 0.6 * 0.45 + 0.1 * 0.905, abs=1e-12
    )


def test_logit_area_rescales_each_curve_by_its_ends_and_ignores_shift_and_positive_scale():
    fractions = np.linspace(0, 1, 5)
    kept = np.array([1.0, 0.25, 0.0, 0.0, 0.0])  # deletion: logit(image) = 1 above logit(fill) = 0
    area = 0.25 * (1.25 + 0.25) / 2
    for scale, shift in [(1.0, 0.0), (7.0, -3.0), (0.01, 40.0)]:
        deleted = curves_of(shift + scale * kept, fractions)
        inserted = curves_of(shift + scale * (1 - kept), fractions)  # 0 at the fill, 1 at the image
        assert normalised_auc(deleted, "logit", min_gap=0)[0] == pytest.approx(area, abs=1e-12)
        assert normalised_auc(inserted, "logit", min_gap=0)[0] == pytest.approx(1 - area, abs=1e-12)
    line = curves_of([[3.0, 2.0, 1.0], [-1.0, 0.0, 1.0]], np.linspace(0, 1, 3))
    np.testing.assert_allclose(normalised_auc(line, "logit"), [0.5, 0.5])


def test_logit_area_keeps_the_order_of_raw_areas_when_the_fill_scores_higher_than_the_image():
    fractions = np.linspace(0, 1, 4)
    # Deletion of an image whose target logit (−2) is below the fill's (+1): two orders, same ends.
    fast, slow = curves_of([-2.0, -5.0, -4.0, 1.0], fractions), curves_of([-2.0, 0.0, 0.5, 1.0], fractions)
    raw_fast, raw_slow = (float(np.trapezoid(c.logit[0], fractions)) for c in (fast, slow))
    assert raw_fast < raw_slow
    assert normalised_auc(fast, "logit")[0] < normalised_auc(slow, "logit")[0]
    np.testing.assert_allclose(normalised_auc(fast, "logit"), (raw_fast + 2.0) / 3.0)


def test_logit_area_is_nan_when_image_and_fill_are_too_alike():
    fractions = np.linspace(0, 1, 3)
    close = curves_of([[2.0, 5.0, 1.5], [4.0, 2.0, 0.0], [1.0, 3.0, 1.0]], fractions)
    areas = normalised_auc(close, "logit")
    assert np.isnan(areas[0]) and areas[1] == pytest.approx(0.5) and np.isnan(areas[2])
    with np.errstate(all="raise"):
        relaxed = normalised_auc(close, "logit", min_gap=0.1)
    assert relaxed[0] == pytest.approx(0.5 * (1 + 7) / 2 + 0.5 * (7 + 0) / 2) and np.isnan(relaxed[2])
    with pytest.raises(ValueError, match="which"):
        normalised_auc(close, "odds")


def test_bootstrap_of_a_constant_is_that_constant():
    assert bootstrap(np.full(50, 0.37), seed=0) == pytest.approx((0.37, 0.37, 0.37), abs=1e-12)


def test_bootstrap_interval_contains_the_mean_shrinks_with_data_and_is_seeded():
    values = np.random.default_rng(9).normal(2.0, 1.0, size=1000)
    mean, low, high = bootstrap(values[:50], seed=1)
    assert low < mean < high and mean == pytest.approx(values[:50].mean())
    _, wide_low, wide_high = bootstrap(values[:50], seed=1)
    _, narrow_low, narrow_high = bootstrap(values, seed=1)
    assert narrow_high - narrow_low < (wide_high - wide_low) / 2
    assert bootstrap(values[:50], seed=1) == (mean, low, high)
    assert bootstrap(values[:50], seed=2) != (mean, low, high)
    assert (high - low) == pytest.approx(2 * 1.96 * values[:50].std() / np.sqrt(50), rel=0.2)


def test_bootstrap_ignores_nan():
    values = np.array([1.0, np.nan, 3.0, np.nan, 2.0])
    assert bootstrap(values, seed=0)[0] == pytest.approx(2.0)
    assert all(np.isnan(bootstrap(np.array([np.nan]), seed=0)))


def test_logit_areas_of_a_linear_model_are_their_closed_form():
    # logit_0 = x_0 + 2 x_1 + 3 x_2 + 4 x_3 on a 1×4 image of ones: 10 for the image, 0 for black.
    # Deleting by the order [3, 2, 1, 0], one pixel per point, gives 10, 6, 3, 1, 0; rescaled by the
    # ends (10 and 0): 1, .6, .3, .1, 0, whose trapezoid area over steps of ¼ is
    # ¼ · (1/2 + .6 + .3 + .1 + 0/2) = 0.375. Insertion in the same order: 0, 4, 7, 9, 10, rescaled
    # 0, .4, .7, .9, 1 → ¼ · (0/2 + .4 + .7 + .9 + 1/2) = 0.625.
    weights = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0]])

    def logits_fn(images):
        return images.reshape(len(images), -1).astype(np.float64) @ weights.T

    images = np.ones((1, 1, 4, 1), np.float32)
    order = np.array([[3, 2, 1, 0]])
    black = np.zeros_like(images)
    removed = deletion(logits_fn, images, np.array([0]), order, black, step=1)
    restored = insertion(logits_fn, images, np.array([0]), order, black, step=1)
    np.testing.assert_allclose(removed.logit[0], [10, 6, 3, 1, 0])
    np.testing.assert_allclose(normalised_auc(removed, "logit"), [0.375])
    np.testing.assert_allclose(normalised_auc(restored, "logit"), [0.625])
    # The worst order, [0, 1, 2, 3]: 10, 9, 7, 4, 0 → ¼ · (½ + .9 + .7 + .4) = 0.625.
    worst = deletion(logits_fn, images, np.array([0]), np.array([[0, 1, 2, 3]]), black, step=1)
    np.testing.assert_allclose(normalised_auc(worst, "logit"), [0.625])
