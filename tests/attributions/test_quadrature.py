"""Quadrature rules: weights sum to one and integrate what they should exactly."""

import numpy as np
import pytest

from generator.attributions import METHODS, quadrature


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("steps", [2, 3, 16, 50, 257])
def test_weights_sum_to_one_and_nodes_lie_in_unit_interval(method, steps):
    alphas, weights = quadrature(method, steps)
    assert alphas.shape == weights.shape == (steps,)
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(weights > 0)
    assert alphas.min() >= 0.0 and alphas.max() <= 1.0
    assert np.all(np.diff(alphas) > 0)


def test_gauss_legendre_is_exact_for_polynomials_of_degree_2n_minus_1():
    steps = 5
    alphas, weights = quadrature("gauss_legendre", steps)
    for degree in range(2 * steps):
        assert np.sum(weights * alphas**degree) == pytest.approx(1.0 / (degree + 1), rel=1e-12)
    assert np.sum(weights * alphas ** (2 * steps)) != pytest.approx(1.0 / (2 * steps + 1), rel=1e-12)


@pytest.mark.parametrize("method", ["trapezoid", "riemann_midpoint"])
def test_second_order_rules_are_exact_for_linear_integrands(method):
    alphas, weights = quadrature(method, 7)
    assert np.sum(weights * (3 * alphas + 2)) == pytest.approx(3.5, rel=1e-12)


def test_trapezoid_error_shrinks_quadratically():
    errors = []
    for steps in (9, 17, 33):
        alphas, weights = quadrature("trapezoid", steps)
        errors.append(abs(np.sum(weights * np.exp(alphas)) - (np.e - 1)))
    assert errors[0] / errors[1] == pytest.approx(4.0, rel=0.05)
    assert errors[1] / errors[2] == pytest.approx(4.0, rel=0.05)


def test_left_and_right_riemann_sums_bracket_an_increasing_integrand():
    left = quadrature("riemann_left", 10)
    right = quadrature("riemann_right", 10)
    assert left[0][0] == 0.0 and right[0][-1] == 1.0
    assert np.sum(left[1] * left[0] ** 2) < 1 / 3 < np.sum(right[1] * right[0] ** 2)


def test_unknown_method_and_too_few_steps_are_refused():
    with pytest.raises(ValueError, match="unknown quadrature method 'simpson'"):
        quadrature("simpson", 10)
    with pytest.raises(ValueError, match="at least 2 steps"):
        quadrature("trapezoid", 1)
