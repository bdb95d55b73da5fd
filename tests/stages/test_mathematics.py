"""generator.stages.mathematics (and its figures) against closed forms: models whose IG and quadrature errors are known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from generator import attributions as attr
from generator.stages.mathematics import (
    CONVERGENCE_STEPS,
    BaselineShare,
    Convergence,
    baseline_zero_share,
    completeness_convergence,
    spread_rows,
)
from generator.figures.mathematics import draw_baseline, draw_convergence
from generator.figures.reading import AnnotatedRow, draw_annotated_example

RNG = np.random.default_rng(3)
IMAGES = RNG.random((6, 5, 4, 1)).astype(np.float32)
TARGETS = np.array([0, 1, 2, 0, 1, 2])


def linear_grad_fn(images: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f_k(x) = Σ W_k ⊙ x + b_k: IG with any rule is exact."""
    weights = np.stack([np.full(images.shape[1:], k + 1.0) * np.linspace(-1, 1, images[0].size).reshape(images.shape[1:])
                        for k in range(3)]).astype(np.float32)
    w = weights[np.asarray(targets)]
    return w, (w * images).reshape(len(images), -1).sum(axis=1) + np.asarray(targets, np.float32)


def quadratic_grad_fn(images: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) = Σ x², the same for every class: the IG integrand is linear in α."""
    images = np.asarray(images, np.float64)
    return (2 * images).astype(np.float32), (images**2).reshape(len(images), -1).sum(axis=1)


def test_convergence_is_exact_for_a_linear_model_with_every_rule():
    result = completeness_convergence(linear_grad_fn, IMAGES, TARGETS, np.arange(6), steps=(4, 16, 256))
    assert result.errors.shape == (len(attr.METHODS), 3, 6)
    assert result.methods == attr.METHODS
    assert np.max(result.errors) < 1e-5


def test_convergence_errors_match_the_riemann_closed_form_on_a_quadratic():
    """With f = Σx² and x′ = 0, ΣIG = Σx² · 2·mean(α_k): left/right Riemann err by exactly 1/n,
    the symmetric rules (midpoint, trapezoid, Gauss–Legendre) are exact for a linear integrand."""
    steps = (4, 8, 32)
    result = completeness_convergence(quadratic_grad_fn, IMAGES, TARGETS, np.arange(6), steps=steps)
    for i, method in enumerate(result.methods):
        for j, n in enumerate(steps):
            expected = 1.0 / n if method in ("riemann_left", "riemann_right") else 0.0
            np.testing.assert_allclose(result.errors[i, j], expected, atol=2e-6, err_msg=f"{method} {n}")


def test_convergence_uses_only_the_requested_rows_and_the_baseline():
    rows = np.array([1, 4])
    result = completeness_convergence(quadratic_grad_fn, IMAGES, TARGETS, rows, methods=("riemann_left",),
                                      steps=(2,), baseline=0.0)
    np.testing.assert_array_equal(result.rows, rows)
    assert result.errors.shape == (1, 1, 2)
    # A baseline equal to the image leaves nothing to explain: Δ = 0, ΣIG = 0, error 0.
    same = completeness_convergence(quadratic_grad_fn, np.full_like(IMAGES, 0.5), TARGETS, rows,
                                    methods=("riemann_left",), steps=(2,), baseline=0.5)
    assert np.all(same.errors == 0)


def test_summaries_of_a_convergence():
    errors = np.array([[[0.5, 0.5], [0.02, 0.001], [0.001, 0.0005]],
                       [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]])
    result = Convergence(("a", "b"), (4, 8, 16), np.arange(2), errors)
    np.testing.assert_allclose(result.percentile(50)[0], [0.5, 0.0105, 0.00075])
    assert result.fewest_steps(100.0, 0.01) == {"a": 16, "b": None}
    assert result.fewest_steps(0.0, 0.01) == {"a": 8, "b": None}
    assert result.fewest_steps(100.0, 0.6) == {"a": 4, "b": 4}
    empty = Convergence(("a",), (4,), np.zeros(0, np.int64), np.zeros((1, 1, 0)))
    assert np.isnan(empty.percentile(50)).all()


def test_baseline_share_is_one_for_black_pixels_of_real_ig_maps():
    images = IMAGES.copy()
    images[:, :2] = 0.0  # black rows: equal to the black baseline
    maps = attr.integrated_gradients(quadratic_grad_fn, images, TARGETS, steps=8)
    share = baseline_zero_share(images, maps, 0.0)
    assert share.maps == 6 and share.baseline_pixels == 6 * 2 * 4
    assert share.baseline_zero == share.baseline_pixels and share.share == 1.0
    assert share.other_zero == 0 and share.other_pixels == images.size - share.baseline_pixels


def test_baseline_share_counts_a_non_zero_attribution_at_a_baseline_pixel():
    images = np.zeros((2, 3, 3, 1), np.float32)
    images[0, 1, 1] = 1.0
    maps = np.zeros_like(images)
    maps[1, 0, 0] = 0.25  # an attribution where x = x′: what IG never produces
    share = baseline_zero_share(images, maps, 0.0)
    assert (share.baseline_pixels, share.baseline_zero, share.other_pixels, share.other_zero) == (17, 16, 1, 1)
    assert share.share == pytest.approx(16 / 17)
    assert np.isnan(baseline_zero_share(images + 0.3, maps, 0.0).share)


def test_spread_rows_covers_the_range_evenly():
    np.testing.assert_array_equal(spread_rows(10, 4), [0, 3, 6, 9])
    np.testing.assert_array_equal(spread_rows(3, 8), [0, 1, 2])
    assert len(spread_rows(0, 8)) == 0 and len(spread_rows(5, 0)) == 0


def test_figures_are_written_once_and_identically(tmp_path):
    """Same inputs, same bytes: a second drawing reports no change."""
    result = completeness_convergence(quadratic_grad_fn, IMAGES, TARGETS, np.arange(6), steps=CONVERGENCE_STEPS[:3])
    image = np.zeros((28, 28), np.float32)
    image[8:20, 10:14] = 1.0
    ig = np.where(image > 0, 0.1, 0.0).astype(np.float32)
    share = BaselineShare(maps=1, baseline_pixels=int((image == 0).sum()), baseline_zero=int((image == 0).sum()),
                          other_pixels=int((image > 0).sum()), other_zero=0)
    row = AnnotatedRow(image=image, gradient=ig - 0.05, ig=ig, target_name="one $x$", attribution_sum=4.8,
                       logit_delta=4.81, steps=64, gradient_scale=0.1, ig_scale=0.1, baseline=0.0)
    draws = {
        "convergence.png": lambda path: draw_convergence(result, ("gauss_legendre", 64), path),
        "baseline.png": lambda path: draw_baseline(image, ig, 0.0, share, 0.1, "title $with$ dollars", path),
        "reading.png": lambda path: draw_annotated_example(row, path),
    }
    for name, draw in draws.items():
        path = tmp_path / name
        assert draw(path) is True
        first = path.read_bytes()
        assert first[:8] == b"\x89PNG\r\n\x1a\n"
        assert draw(path) is False
        assert path.read_bytes() == first
