"""ROAD's noisy linear imputation and its curves, against closed forms on small images."""

import numpy as np
import pytest

from generator.stages.road import NEIGHBOUR_WEIGHTS, impute, road_curves


def test_a_removed_pixel_with_known_neighbours_gets_their_weighted_mean():
    image = np.arange(25.0).reshape(1, 5, 5, 1) ** 1.5
    removed = np.zeros((1, 5, 5), bool)
    removed[0, 2, 3] = True
    around = image[0, 1:4, 2:5, 0]
    # Direct neighbours weigh 1/6, diagonal ones 1/12; the eight weights sum to 1.
    expected = np.sum(around * NEIGHBOUR_WEIGHTS) / np.sum(NEIGHBOUR_WEIGHTS)
    assert NEIGHBOUR_WEIGHTS.sum() == pytest.approx(1.0)
    out = impute(image, removed, noise=0.0)
    assert out[0, 2, 3, 0] == pytest.approx(expected, rel=1e-6)
    kept = ~removed[0]
    np.testing.assert_array_equal(out[0, kept, 0], image[0, kept, 0].astype(np.float32))


def test_a_corner_pixel_averages_its_three_neighbours_inside_the_image():
    image = np.zeros((1, 3, 3, 1))
    image[0, 0, 1], image[0, 1, 0], image[0, 1, 1] = 6.0, 12.0, 24.0
    removed = np.zeros((1, 3, 3), bool)
    removed[0, 0, 0] = True
    # (6/6 + 12/6 + 24/12) / (1/6 + 1/6 + 1/12) = 5 / (5/12) = 12.
    assert impute(image, removed, noise=0.0)[0, 0, 0, 0] == pytest.approx(12.0)


def test_two_removed_neighbours_solve_their_joint_equations():
    # A 1×4 row [a, ?, ?, d]: only left/right neighbours (1/6 each), so each unknown is the mean of
    # its two neighbours: u = (a + v) / 2, v = (u + d) / 2 → u = (2a + d) / 3, v = (a + 2d) / 3.
    a, d = 3.0, 9.0
    image = np.array([a, 0.0, 0.0, d]).reshape(1, 1, 4, 1)
    removed = np.array([[[False, True, True, False]]])
    out = impute(image, removed, noise=0.0)[0, 0, :, 0]
    np.testing.assert_allclose(out, [a, (2 * a + d) / 3, (a + 2 * d) / 3, d], rtol=1e-6)


def test_imputation_matches_a_dense_solve_of_the_same_equations():
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(6, 7, 6, 2))
    removed = rng.uniform(size=(6, 7, 6)) < np.linspace(0.1, 0.9, 6)[:, None, None]
    out = impute(images, removed, noise=0.0)
    for n in range(len(images)):
        for c in range(2):
            np.testing.assert_allclose(out[n, ..., c], dense_solution(images[n, ..., c], removed[n]), atol=1e-5)


def dense_solution(image, removed):
    """v_p · Σ_q w_q − Σ_{q removed} w_q v_q = Σ_{q kept} w_q x_q, solved densely."""
    height, width = removed.shape
    unknowns = np.flatnonzero(removed.ravel())
    index = {p: k for k, p in enumerate(unknowns)}
    matrix, rhs = np.zeros((len(unknowns), len(unknowns))), np.zeros(len(unknowns))
    for k, p in enumerate(unknowns):
        i, j = divmod(p, width)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                w, qi, qj = NEIGHBOUR_WEIGHTS[di + 1, dj + 1], i + di, j + dj
                if w == 0 or not (0 <= qi < height and 0 <= qj < width):
                    continue
                matrix[k, k] += w
                q = qi * width + qj
                if q in index:
                    matrix[k, index[q]] -= w
                else:
                    rhs[k] += w * image[qi, qj]
    out = image.copy().ravel()
    out[unknowns] = np.linalg.solve(matrix, rhs)
    return out.reshape(height, width)


def test_every_pixel_removed_is_black_and_noise_has_its_spread():
    image = np.ones((2, 4, 4, 1))
    removed = np.ones((2, 4, 4), bool)
    removed[1] = False
    removed[1, 1:3, 1:3] = True
    np.testing.assert_array_equal(impute(image, removed, noise=0.0)[0], 0.0)
    large = np.ones((1, 40, 40, 1))
    holes = np.zeros((1, 40, 40), bool)
    holes[0, ::2, ::2] = True  # isolated holes in a constant image: imputed 1 exactly, plus noise
    noisy = impute(large, holes, noise=0.01, rng=np.random.default_rng(1))
    assert np.std(noisy[0, ::2, ::2, 0] - 1.0) == pytest.approx(0.01, rel=0.1)
    with pytest.raises(ValueError, match="rng"):
        impute(large, holes, noise=0.01)


def test_road_curves_of_a_linear_model_are_their_closed_form():
    # A 1×3 image [1, 2, 4] and logit_0 = x_0 + x_1 + x_2 (logit_1 = 0). Deleting in the order
    # [1, 0, 2]: k = 0 → 7; k = 1 removes the middle pixel, imputed (1 + 4) / 2 → 7.5; k = 2 keeps
    # only pixel 2: pixels 0 and 1 satisfy u0 = u1, u1 = (u0 + 4)/2 → both 4 → 12; k = 3 → black, 0.
    weights = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])

    def logits_fn(images):
        return images.reshape(len(images), -1).astype(np.float64) @ weights.T

    images = np.array([1.0, 2.0, 4.0], np.float32).reshape(1, 1, 3, 1)
    order = np.array([[1, 0, 2]])
    curves = road_curves(logits_fn, images, np.array([0]), order, np.array([0, 1, 2, 3]), True, seed=0, noise=0.0)
    np.testing.assert_allclose(curves.logit[0], [7.0, 7.5, 12.0, 0.0], rtol=1e-6)
    np.testing.assert_allclose(curves.fractions, [0, 1 / 3, 2 / 3, 1])
    # Insertion keeps the top k and imputes the rest: k = 1 keeps pixel 1 (2) → all 2 → 6;
    # k = 2 keeps pixels 1 and 0 → pixel 2 = mean of its one neighbour = 2 → 5; k = 3 → 7.
    curves = road_curves(logits_fn, images, np.array([0]), order, np.array([0, 1, 2, 3]), False, seed=0, noise=0.0)
    np.testing.assert_allclose(curves.logit[0], [0.0, 6.0, 5.0, 7.0], rtol=1e-6)
    # Known ends are used as given and the interior is unchanged.
    ends = (logits_fn(images), logits_fn(np.zeros_like(images)))
    with_ends = road_curves(logits_fn, images, np.array([0]), order, np.array([0, 1, 2, 3]), False, seed=0,
                            noise=0.0, ends=ends)
    np.testing.assert_allclose(with_ends.logit, curves.logit)
    with pytest.raises(ValueError, match="rise from 0"):
        road_curves(logits_fn, images, np.array([0]), order, np.array([0, 2]), True, seed=0)
