"""A Monte Carlo map as two independent halves of its draws, which give the map's own noise.

Expected Gradients and SmoothGrad average n gradient terms per image. Split the draws into a
first part of h and a second of n − h, independent of each other, with means A and B: the map is
(h · A + (n − h) · B) / n, and A − B shows how far such means stray, at no extra evaluations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def first_half(samples: int) -> int:
    """h = ⌈n/2⌉, the draws of the first of the two halves."""
    return (samples + 1) // 2


@dataclass(frozen=True)
class Halves:
    """The estimate from the first ``h`` of each image's ``n`` draws (A) and from the other
    n − h (B), (N, H, W, C) float64 each: two independent estimates of the same map."""

    first: np.ndarray
    second: np.ndarray
    h: int
    n: int

    @classmethod
    def of(cls, samples: int, mean_over: Callable[[slice], np.ndarray], shape: tuple[int, ...]) -> Halves:
        """The halves of ``samples`` draws, ``mean_over(part)`` giving the (N, H, W, C) mean over
        the draws in ``part`` (a slice of range(samples)); an empty half is zeros of ``shape``."""
        h = first_half(samples)

        def mean(part: slice) -> np.ndarray:
            return np.zeros(shape) if part.start == part.stop else mean_over(part).astype(np.float64)

        return cls(mean(slice(0, h)), mean(slice(h, samples)), h, samples)

    @property
    def maps(self) -> np.ndarray:
        """The estimate from all n draws, (h · A + (n − h) · B) / n, float32."""
        return ((self.h * self.first + (self.n - self.h) * self.second) / self.n).astype(np.float32)

    def noise(self) -> np.ndarray:
        """(N,) each map's Monte Carlo noise, relative to the map, in the L1 norm.

        With σ² the variance of one draw's term, A − B has variance σ² (1/h + 1/(n − h)) and the
        n-draw map's own error σ²/n, so √(h (n − h)) / n · (A − B) is distributed like that error:
        noise = √(h (n − h)) / n · ‖A − B‖₁ / ‖map‖₁ estimates the map's relative distance to the
        expectation it estimates. Draws that are not independent within a half (EG's α strata,
        SmoothGrad's Latin hypercube) count as n draws of the variance they achieve; strata
        shared by the two halves would make the estimate a little large. NaN when a half is
        empty."""
        if self.h in (0, self.n):
            return np.full(len(self.first), np.nan)
        shape = (len(self.first), -1) if len(self.first) else (0, 1)
        spread = np.abs(self.first - self.second).reshape(shape).sum(axis=1) * np.sqrt(self.h * (self.n - self.h))
        size = np.abs(self.maps.astype(np.float64)).reshape(shape).sum(axis=1) * self.n
        return np.divide(spread, size, out=np.zeros_like(spread), where=size > 0)

    def difference(self, plus: np.ndarray, minus: np.ndarray) -> Halves:
        """The halves of the maps of score_plus − score_minus, for rows of the same images and draws."""
        return Halves(self.first[plus] - self.first[minus], self.second[plus] - self.second[minus], self.h, self.n)
