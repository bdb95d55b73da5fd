"""A linear model and attribution arrays for the baseline study, where IG from any baseline is exact.

One seeded generator (``RNG``) is shared by the model and the arrays, as in the tests that use them.
"""

import numpy as np

from generator.stages.attribute import AttributionArrays, CheckedMaps


H = W = 6
K = 3
RNG = np.random.default_rng(4)


class LinearScores:
    """score = Σ_k weights_k · (w_k · x): ∂score/∂x = Σ_k weights_k w_k, constant."""

    classes = K

    def __init__(self):
        self.w = RNG.normal(size=(K, H, W, 1)).astype(np.float32)

    def __call__(self, images, targets):
        targets = np.asarray(targets)
        weights = np.eye(K, dtype=np.float32)[targets] if targets.ndim == 1 else targets.astype(np.float32)
        grads = np.einsum("nk,khwc->nhwc", weights, self.w)
        return grads, np.einsum("nhwc,nhwc->n", grads, np.asarray(images, np.float32))


def checked(maps):
    n = len(maps)
    return CheckedMaps(maps, np.zeros(n), np.zeros(n), np.zeros(n), np.full(n, 8), np.full(n, np.nan))


def published():
    """Rows: test 0 (correct, class 0); test 1 (true 2, predicted 1): two rows and a contrast;
    test 2 (true 0, predicted 2): two rows and a contrast. Half of every image is black."""
    images = RNG.random((5, H, W, 1)).astype(np.float32)
    images[:, :, : W // 2] = 0.0
    maps = RNG.normal(size=(5, H, W, 1)).astype(np.float32)
    contrast_eg = RNG.normal(size=(2, H, W, 1)).astype(np.float32)
    contrast_eg[1, :, : W // 2] *= 10  # test 2's contrast EG lies mostly on black pixels
    return AttributionArrays(
        index=np.array([0, 1, 1, 2, 2]), target=np.array([0, 1, 2, 2, 0]), image=images,
        maps={"gradient": maps, "saliency": np.abs(maps), "gradient_x_input": images * maps, "smoothgrad": maps},
        noise={"smoothgrad": np.full(5, np.nan)},
        ig=checked(images * maps),
        eg=checked(maps), contrast_index=np.array([1, 2]), contrast=checked(images[[1, 3]] * maps[[1, 3]]),
        contrast_eg=checked(contrast_eg))
