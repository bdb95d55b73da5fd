"""Quadrature rules on [0, 1] for the Integrated-Gradients path integral.

Each rule returns nodes α_k and weights w_k with Σ w_k = 1 (the length of [0, 1]), so
that ∫₀¹ g(α) dα ≈ Σ_k w_k g(α_k). A rule whose weights do not sum to one scales every
attribution and breaks completeness; ``tests/attributions/test_quadrature.py`` checks the sum.
"""

from __future__ import annotations

import functools

import numpy as np

from generator.plumbing.settings import QUADRATURE_RULES as METHODS


def quadrature(method: str, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of a quadrature rule on [0, 1] (cached; the arrays are read-only).

    See :func:`_nodes_and_weights` for the arguments. Gauss–Legendre nodes come from an
    eigenvalue problem whose cost grows as steps³ (seconds at thousands of steps), hence the cache.
    """
    return _cached(method, int(steps))


@functools.lru_cache(maxsize=64)
def _cached(method: str, steps: int) -> tuple[np.ndarray, np.ndarray]:
    alphas, weights = _nodes_and_weights(method, steps)
    alphas.setflags(write=False)
    weights.setflags(write=False)
    return alphas, weights


def _nodes_and_weights(method: str, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of a quadrature rule on [0, 1].

    Args:
        method: one of ``METHODS``.
        steps: number of nodes (gradient evaluations per image), ≥ 1 (≥ 2 for trapezoid).

    Returns:
        (alphas, weights): two float64 arrays of shape (steps,), alphas ascending in [0, 1],
        weights summing to 1.

    Raises:
        ValueError: unknown method or too few steps.
    """
    if method not in METHODS:
        raise ValueError(f"unknown quadrature method {method!r}; choose one of {', '.join(METHODS)}")
    minimum = 2 if method == "trapezoid" else 1
    if steps < minimum:
        raise ValueError(f"quadrature {method!r} needs at least {minimum} steps, got {steps}")
    if method == "gauss_legendre":
        # Legendre nodes live on [-1, 1] with weights summing to 2: map to [0, 1].
        nodes, weights = np.polynomial.legendre.leggauss(steps)
        return (nodes + 1.0) / 2.0, weights / 2.0
    if method == "trapezoid":
        alphas = np.linspace(0.0, 1.0, steps)
        weights = np.full(steps, 1.0 / (steps - 1))
        weights[[0, -1]] /= 2.0
        return alphas, weights
    offset = {"riemann_left": 0.0, "riemann_midpoint": 0.5, "riemann_right": 1.0}[method]
    alphas = (np.arange(steps) + offset) / steps
    return alphas, np.full(steps, 1.0 / steps)
