"""Similarity measures of the randomisation sanity checks, against hand-computed answers."""

import numpy as np
import pytest

from generator.stages.similarity import spearman as changes_spearman
from generator.stages.mprt import discrete_entropy, efficient_mprt, smooth_mprt
from generator.stages.similarity import (
    average_ranks_rows,
    scale_to_unit,
    similarity,
    spearman_rows,
    spearman_support_rows,
    ssim_rows,
)

RNG = np.random.default_rng(7)


def test_identical_maps_have_spearman_and_ssim_one():
    maps = RNG.normal(size=(3, 12, 10))
    result = similarity(maps, maps.copy())
    np.testing.assert_allclose(result.spearman, 1.0)
    np.testing.assert_allclose(result.spearman_abs, 1.0)
    np.testing.assert_allclose(result.ssim, 1.0)


def test_a_map_and_its_negative():
    maps = RNG.normal(size=(4, 9, 9))
    result = similarity(maps, -maps)
    np.testing.assert_allclose(result.spearman, -1.0)
    np.testing.assert_allclose(result.spearman_abs, 1.0)


def test_ssim_is_invariant_to_each_maps_own_scale_and_offset():
    maps = RNG.normal(size=(2, 8, 8))
    np.testing.assert_allclose(ssim_rows(maps, 3.0 * maps + 5.0), 1.0)


def test_average_ranks_share_ties_in_every_row():
    values = np.array([[10.0, 20.0, 10.0, 30.0], [5.0, 5.0, 5.0, 1.0], [3.0, 2.0, 1.0, 0.0]])
    np.testing.assert_allclose(average_ranks_rows(values), [[0.5, 2.0, 0.5, 3.0], [2.0, 2.0, 2.0, 0.0],
                                                            [3.0, 2.0, 1.0, 0.0]])


def test_spearman_with_ties_matches_a_hand_computed_case():
    # a = [1, 2, 2, 3] → ranks [0, 1.5, 1.5, 3]; b = [1, 3, 2, 2] → ranks [0, 3, 1.5, 1.5].
    # Centred: [−1.5, 0, 0, 1.5] and [−1.5, 1.5, 0, 0]: Σ products 2.25, Σ squares 4.5 each → ρ = 0.5.
    a = np.array([[1.0, 2.0, 2.0, 3.0]])
    b = np.array([[1.0, 3.0, 2.0, 2.0]])
    np.testing.assert_allclose(spearman_rows(a, b), [0.5])


def test_spearman_without_ties_is_the_classic_formula():
    a = RNG.permutation(30).astype(float)
    b = RNG.permutation(30).astype(float)
    d = a - b  # the values are their own ranks
    expected = 1 - 6 * np.sum(d**2) / (30 * (30**2 - 1))
    assert spearman_rows(a[None], b[None])[0] == pytest.approx(expected)


def test_shapes_and_nan_for_constant_maps():
    maps = RNG.normal(size=(5, 8, 8))
    other = RNG.normal(size=(5, 8, 8))
    other[1] = 0.0
    maps[3] = 2.5
    result = similarity(maps, other)
    for key in ("spearman", "spearman_abs", "spearman_abs_support", "ssim"):
        assert getattr(result, key).shape == (5,)
    for key in ("spearman", "spearman_abs", "spearman_abs_support"):
        assert np.isnan(getattr(result, key)[[1, 3]]).all()
        assert np.isfinite(getattr(result, key)[[0, 2, 4]]).all()
    assert np.isfinite(result.ssim).all()
    assert spearman_rows(np.zeros((2, 3, 4)), np.ones((2, 3, 4))).shape == (2,)


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match="same shape"):
        similarity(np.zeros((2, 8, 8)), np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match="window"):
        ssim_rows(np.zeros((1, 6, 8)), np.zeros((1, 6, 8)))


def test_a_constant_map_scales_to_zeros():
    scaled = scale_to_unit(np.stack([np.full((8, 8), 4.0), np.arange(64.0).reshape(8, 8)]))
    np.testing.assert_array_equal(scaled[0], 0.0)
    assert scaled[1].min() == 0.0 and scaled[1].max() == 1.0


def test_ssim_against_a_constant_map():
    # b constant → scaled to zeros, so μb = σb = σab = 0 in every window and
    # SSIM = C1·C2 / ((μa² + C1)(σa² + C2)). For a = a 0/1 half split at column 8 of 16 columns,
    # the windows whose 7 columns hold j ones (j = 0…7) have μa = j/7 and σa² = 49/48·(j/7)(1 − j/7).
    c1, c2 = 0.01**2, 0.03**2
    a = np.zeros((1, 7, 16))
    a[0, :, 8:] = 1.0
    per_window = []
    for left in range(16 - 7 + 1):
        j = int(a[0, 0, left:left + 7].sum())
        mean, var = j / 7, 49 / 48 * (j / 7) * (1 - j / 7)
        per_window.append(c1 * c2 / ((mean**2 + c1) * (var + c2)))
    np.testing.assert_allclose(ssim_rows(a, np.full_like(a, 3.0)), [np.mean(per_window)], rtol=1e-12)
    # Two constant maps are both zeros after scaling: identical.
    np.testing.assert_allclose(ssim_rows(np.full((1, 7, 7), 2.0), np.full((1, 7, 7), -1.0)), [1.0])


def _ssim_by_windows(a: np.ndarray, b: np.ndarray) -> float:
    """Wang et al.'s SSIM written out window by window: the reference for the cumulative sums."""
    x, y = (scale_to_unit(m[None])[0] for m in (a, b))
    c1, c2 = 0.01**2, 0.03**2
    values = []
    for i in range(x.shape[0] - 6):
        for j in range(x.shape[1] - 6):
            wx, wy = x[i:i + 7, j:j + 7].ravel(), y[i:i + 7, j:j + 7].ravel()
            mx, my = wx.mean(), wy.mean()
            vx, vy = wx.var(ddof=1), wy.var(ddof=1)
            cov = np.sum((wx - mx) * (wy - my)) / 48
            values.append((2 * mx * my + c1) * (2 * cov + c2) / ((mx**2 + my**2 + c1) * (vx + vy + c2)))
    return float(np.mean(values))


def _spearman_by_counting(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman from ranks counted directly: rank = #smaller + (#equal − 1) / 2."""
    ranks = [np.array([np.sum(v < t) + (np.sum(v == t) - 1) / 2 for t in v]) for v in (a.ravel(), b.ravel())]
    return float(np.corrcoef(*ranks)[0, 1])


def test_vectorised_results_equal_a_per_image_loop():
    a = RNG.normal(size=(4, 11, 9))
    b = a + RNG.normal(scale=0.7, size=a.shape)
    b[2] = RNG.integers(0, 3, size=(11, 9))  # many ties
    a[3] = np.round(a[3])  # ties, and signs that |·| folds together
    result = similarity(a, b)
    for n in range(len(a)):
        assert result.ssim[n] == pytest.approx(_ssim_by_windows(a[n], b[n]), rel=1e-10)
        assert result.spearman[n] == pytest.approx(_spearman_by_counting(a[n], b[n]), rel=1e-12)
        assert result.spearman_abs[n] == pytest.approx(_spearman_by_counting(abs(a[n]), abs(b[n])), rel=1e-12)
        assert result.spearman[n] == pytest.approx(changes_spearman(a[n], b[n]), rel=1e-12)


def test_spearman_on_the_support_leaves_out_the_pixels_zero_in_both_maps():
    # Six pixels; the last three are zero in both maps and tie there. Over all six pixels
    # |a| = [3, 1, 2, 0, 0, 0] and |b| = [1, 2, 3, 0, 0, 0] rank [5, 3, 4, 1, 1, 1] and
    # [3, 4, 5, 1, 1, 1]: the three shared zeros make them agree. On the support (first three
    # pixels) the ranks are [3, 1, 2] and [1, 2, 3]: d = [2, −1, −1], ρ = 1 − 6·6 / (3·8) = −0.5.
    a = np.array([[3.0, -1.0, 2.0, 0.0, 0.0, 0.0]])
    b = np.array([[-1.0, 2.0, 3.0, 0.0, 0.0, 0.0]])
    assert spearman_support_rows(a, b)[0] == pytest.approx(-0.5)
    assert spearman_rows(abs(a), abs(b))[0] == pytest.approx(_spearman_by_counting(abs(a), abs(b)))
    assert spearman_rows(abs(a), abs(b))[0] > 0.5  # the ties alone lift the all-pixel figure
    # A pixel non-zero in one map only stays in the support: |a| = [3, 1, 0], |b| = [1, 0, 2]
    # rank [3, 2, 1] and [2, 1, 3]: d = [1, 1, −2], ρ = 1 − 6·6 / 24 = −0.5.
    a2, b2 = np.array([[3.0, 1.0, 0.0, 0.0]]), np.array([[1.0, 0.0, -2.0, 0.0]])
    assert spearman_support_rows(a2, b2)[0] == pytest.approx(-0.5)
    assert np.isnan(spearman_support_rows(np.array([[0.0, 1.0, 0.0]]), np.zeros((1, 3))))[0]  # one pixel


def test_discrete_entropy_of_hand_counted_histograms():
    # Four values in 2 bins over [0, 3]: [0, 1.5) holds 0 and 1, [1.5, 3] holds 2 and 3: H = ln 2.
    maps = np.array([[0.0, 1.0, 2.0, 3.0], [5.0, 5.0, 5.0, 5.0], [0.0, 0.0, 0.0, 9.0]])
    skewed = -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))
    np.testing.assert_allclose(discrete_entropy(maps, bins=2), [np.log(2), 0.0, skewed])
    # 100 bins: eight distinct, evenly spread values each in their own bin: ln 8; scale and shift change nothing.
    values = np.arange(8.0)[None]
    np.testing.assert_allclose(discrete_entropy(values), [np.log(8)])
    np.testing.assert_allclose(discrete_entropy(-3 + 7 * values), [np.log(8)])


def test_efficient_mprt_is_the_relative_rise_in_entropy():
    trained = np.array([[0.0, 0.0, 0.0, 9.0]])  # H = −(¾ ln ¾ + ¼ ln ¼) with 2 bins
    randomised = np.array([[0.0, 1.0, 2.0, 3.0]])  # H = ln 2
    before = -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))
    np.testing.assert_allclose(efficient_mprt(trained, randomised, bins=2), [(np.log(2) - before) / before])
    assert np.isnan(efficient_mprt(np.ones((1, 4)), randomised, bins=2))[0]  # a constant trained map


def test_smooth_mprt_correlates_the_averaged_absolute_maps():
    # Two noisy copies per map: the trained copies average to [1, 2, 3], the randomised ones to
    # [−3, 1, 2], |·| = [3, 1, 2]. Ranks [1, 2, 3] and [3, 1, 2]: d = [−2, 1, 1], ρ = 1 − 6·6 / (3·8) = −0.5.
    trained = np.array([[[[0.0, 2.0, 4.0]]], [[[2.0, 2.0, 2.0]]]])  # (S=2, N=1, H=1, W=3)
    randomised = np.array([[[[-6.0, 0.0, 4.0]]], [[[0.0, 2.0, 0.0]]]])
    assert smooth_mprt(trained, randomised)[0] == pytest.approx(-0.5)
    # Noise that averages out: each copy alone disagrees, the means agree exactly.
    noisy = np.array([[[[1.0, 5.0, 3.0]]], [[[1.0, -1.0, 3.0]]]])  # mean [1, 2, 3]
    assert smooth_mprt(trained, noisy)[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="S, N, H, W"):
        smooth_mprt(trained[0], randomised[0])
