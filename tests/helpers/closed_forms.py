"""NumPy gradient functions whose Integrated Gradients are known in closed form (no TensorFlow).

Each takes a seeded generator, so no test depends on which tests ran before it.
"""

import numpy as np


SHAPE = (4, 5, 2)


class LinearLogits:
    """f_t(x) = w_t · x + b_t, so ∂f_t/∂x = w_t everywhere and IG = (x − x′) ⊙ w_t."""

    def __init__(self, rng: np.random.Generator, classes=3, shape=SHAPE):
        self.w = rng.normal(size=(classes, *shape)).astype(np.float32)
        self.b = rng.normal(size=classes).astype(np.float32)
        self.calls = []

    def logits(self, images, targets):
        return np.einsum("nhwc,nhwc->n", images, self.w[targets]) + self.b[targets]

    def __call__(self, images, targets):
        self.calls.append(len(images))
        return self.w[targets].copy(), self.logits(images, targets).astype(np.float32)


class QuadraticLogit:
    """f(x) = Σ a_i x_i², so IG_i = a_i (x_i² − x′_i²) exactly."""

    def __init__(self, rng: np.random.Generator):
        self.a = rng.normal(size=SHAPE).astype(np.float32)

    def __call__(self, images, targets):
        return (2 * self.a * images).astype(np.float32), np.sum(self.a * images**2, axis=(1, 2, 3))
