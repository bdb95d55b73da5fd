"""Efficient and Smooth MPRT against Quantus (Hedström et al.'s own library), when it is installed.

Quantus is not a dependency: ``pip install quantus`` (it imports with TensorFlow alone, no torch,
and brings scipy, scikit-learn, scikit-image, OpenCV and pandas) runs these; without it they skip.
The hand-computed cases in ``test_similarity.py`` run either way.
"""

import numpy as np
import pytest

quantus_complexity = pytest.importorskip("quantus.functions.complexity_func")
quantus_similarity = pytest.importorskip("quantus.functions.similarity_func")

from generator.stages.mprt import discrete_entropy, efficient_mprt, smooth_mprt  # noqa: E402

RNG = np.random.default_rng(0)


def test_discrete_entropy_and_efficient_mprt_equal_quantus():
    trained, randomised = RNG.standard_t(3, size=(5, 28, 28)), RNG.standard_t(2, size=(5, 28, 28))

    def entropy(m):
        return quantus_complexity.discrete_entropy(a=m, x=m, n_bins=100)

    np.testing.assert_allclose(discrete_entropy(trained), [entropy(m) for m in trained], rtol=1e-12)
    expected = [(entropy(b) - entropy(a)) / entropy(a) for a, b in zip(trained, randomised)]  # Quantus' "relative rise"
    np.testing.assert_allclose(efficient_mprt(trained, randomised), expected, rtol=1e-12)


def test_smooth_mprt_equals_quantus_spearman_of_the_averaged_absolute_maps():
    trained, randomised = RNG.normal(size=(4, 5, 28, 28)), RNG.normal(size=(4, 5, 28, 28))
    expected = quantus_similarity.correlation_spearman(np.abs(trained.mean(0)).reshape(5, -1),
                                                       np.abs(randomised.mean(0)).reshape(5, -1), batched=True)
    np.testing.assert_allclose(smooth_mprt(trained, randomised), expected, rtol=1e-12)
