"""Straight-path gradient sums with the second convolution updated only where a unit switches.

Along x′ + α(x − x′) from a one-colour baseline the first pooled layer is p(α) = a + α m
(:mod:`.straight_path`), and the second convolution reads its ReLU, r_j(α) = max(0, a_j + α m_j).
Each r_j is a line with one kink, at α_j = −a_j / m_j. With D(α) the diagonal of units that
are on,

    z(α) = W ⋆ r(α) + b = A(α) + α M(α),   A = W ⋆ (D a) + b,   M = W ⋆ (D m),

and A and M change only when a unit switches. A switch of unit j adds or removes a_j W_j and
m_j W_j, its kernel slice (k_h · k_w · C_out numbers). So instead of a convolution at every
node, the sweep walks the nodes in order of α, applies the switches that fall between them, and
reads z = A + α M at each node: per node two operations per element of z, per switch three
times the kernel slice.

When the model after the second pooling is linear (Flatten, Dropout, Dense without activation),
the score's gradient there is a constant u per image, and at node k the gradient at z is u routed
to each pooling window's maximum where that maximum is positive: δ_k. What the sum needs is

    Σ_k w_k ∂s/∂p(α_k) = Σ_k w_k D(α_k) Wᵀ ⋆ δ_k.

A unit that never switches is on at all nodes or at none, so its share is (Wᵀ ⋆ Σ_k w_k δ_k)_j,
one transposed convolution per image. A unit that switches before node k_j takes the partial sum
P_j = Σ_{k < k_j} w_k δ_k, known when the sweep reaches the switch: its share is (Wᵀ ⋆ P_j)_j if
it was on before and (Wᵀ ⋆ (Σ_k w_k δ_k − P_j))_j if after, one kernel slice's worth of products.

So an image costs three convolutions (A and M at the first node, Wᵀ once), the switches (on the
report's CNN about a thousand per path, most of them close to the baseline) and a few operations
per element of z at each node, instead of a forward and a backward convolution per node; the sums
equal TensorFlow's to float32 rounding (what it saves: docs/performance.md). The sweep is compiled
with numba, one image per thread.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from ..path_sums import class_weights as score_weights
from ..protocols import Progress
from .compiled import compiled
from .relu_after_pooling import convolution_affine


def state(a: np.ndarray, m: np.ndarray, alpha: np.float32) -> np.ndarray:
    """(N, H, W, C) float32 1 where a_j + α m_j > 0: the units on at α (a per image and channel)."""
    return (a[:, None, None, :] + alpha * m > 0).astype(np.float32)


class SwitchSweep:
    """Σ_k w_k ∂score/∂u at u′ + α_k (u − u′), by the sweep of the module docstring: a
    :class:`~generator.attributions.protocols.PathSums` whose nodes cost about a microsecond each.

    Args:
        model: a model for which :func:`~.straight_path.sweep_applies`.
        path: the model's :class:`~.straight_path.StraightPath`, whose first layer the sweep starts from.
        input_shape, classes: the model's (H, W, C) and number of logits.
    """

    def __init__(self, model: Any, path: Any, input_shape: tuple[int, ...], classes: int) -> None:
        import tensorflow as tf

        self._second, self._second_pooling = model.layers[2:4]
        self._head = model.layers[4:]
        self._path = path
        self.switches = np.zeros(0, np.int64)
        """How many units switched on each image's path, in the last call."""
        self.classes = classes
        image = tf.TensorSpec((None, *input_shape), tf.float32)
        hidden = tf.TensorSpec((None, None, None, None), tf.float32)
        self._opening = compiled(self.opening, image, image)
        self._starts = compiled(self.starts, hidden, tf.TensorSpec((None, None), tf.float32), hidden,
                                tf.TensorSpec((None, classes), tf.float32))
        self._closing = compiled(self.closing, image, image, hidden, hidden, hidden)

    def opening(self, images: Any, baselines: Any) -> tuple[Any, Any]:
        """a, one value per image and channel (the baseline's pooled first layer), and m = MaxPool(W₁ ⋆ (x − x′))."""
        return self._path.offset(baselines)[:, 0, 0, :], self._path.pooled_difference(images, baselines)

    def starts(self, on: Any, a: Any, m: Any, class_weights: Any) -> tuple[Any, Any, Any]:
        """A and M with the units ``on`` at the first node, and u, the score's gradient after the
        second pooling (constant: the head is linear)."""
        import tensorflow as tf

        second = self._second
        big_a = convolution_affine(second)(on * a[:, None, None, :])
        big_m = second.convolution_op(on * m, second.kernel)
        pooled = tf.zeros_like(self._second_pooling(big_a))
        with tf.GradientTape() as tape:
            tape.watch(pooled)
            hidden = pooled
            for layer in self._head:
                hidden = layer(hidden, training=False)
            score = tf.reduce_sum(hidden * class_weights)
        return big_a, big_m, tape.gradient(score, pooled)

    def closing(self, images: Any, baselines: Any, total: Any, switched: Any, on_last: Any) -> Any:
        """Σ_k w_k ∂s/∂p = D_last (Wᵀ ⋆ Σ_k w_k δ_k) + the switched units' shares, taken back through
        the first pooling and convolution once per image."""
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(images)
            m = self._path.pooled_difference(images, baselines)  # again: the tape of the opening is gone
        back = tf.nn.conv2d_transpose(total, self._second.kernel, tf.shape(m), 1, "VALID")
        return tape.gradient(m, images, output_gradients=on_last * back + switched)

    cheap_nodes = True

    def __call__(self, images: np.ndarray, baselines: np.ndarray, targets: np.ndarray, alphas: np.ndarray,
                 weights: np.ndarray, chunk_size: int, on_chunk: Progress | None = None) -> np.ndarray:
        """(N, H, W, C) float64 sums, ``chunk_size`` images per call; arguments as
        :meth:`~generator.attributions.protocols.PathSums.__call__`, each baseline of one colour."""
        weighting = score_weights(targets, self.classes)
        order = np.argsort(alphas, kind="stable")
        alphas, weights = np.asarray(alphas, np.float32)[order], np.asarray(weights, np.float32)[order]
        result = np.zeros(images.shape, dtype=np.float64)
        if len(alphas) == 0:
            return result
        kernel = self._second.kernel.numpy()
        window = tuple(int(p) for p in self._second_pooling.pool_size)
        self.switches = np.zeros(len(images), np.int64)
        for first in range(0, len(images), chunk_size):
            rows = slice(first, first + chunk_size)
            a, m = (t.numpy() for t in self._opening(images[rows], baselines[rows]))
            big_a, big_m, u = (t.numpy() for t in self._starts(state(a, m, alphas[0]), a, m, weighting[rows]))
            total, switched, on_last = np.zeros_like(big_a), np.zeros_like(m), np.zeros_like(m)
            sweep(a, m, big_a, big_m, u, kernel, window, alphas, weights, total, switched, on_last,
                  self.switches[rows])
            result[rows] = self._closing(images[rows], baselines[rows], total, switched, on_last).numpy()
            if on_chunk is not None:
                on_chunk(min(first + chunk_size, len(images)) * len(alphas), len(images) * len(alphas))
        return result


@numba.njit(parallel=True, cache=True)
def sweep(a, m, big_a, big_m, u, kernel, window, alphas, weights, total, switched, on_last, switches):  # noqa: ANN001
    """For every image n (one per thread), at the nodes α_k in ascending order:

    - apply the switches between the previous node and this one: unit j of channel c adds (or
      removes) a_c W[·, ·, c, :] to A and m_j W[·, ·, c, :] to M, and records its share
      ±(Wᵀ ⋆ P)_j from the running sum P (see the module docstring);
    - z = A + α_k M; in each pooling window of each channel, if the maximum (the first, in
      row-major order) is positive, add w_k u there to the running sum.

    Writes ``total`` (Σ_k w_k δ_k), ``switched`` (the switched units' signed shares), ``on_last``
    (the units on at the last node) and ``switches`` (how many there were) of each image.
    """
    count, rows, cols, channels = m.shape
    out_rows, out_cols, outputs = big_a.shape[1:]
    kernel_rows, kernel_cols = kernel.shape[0], kernel.shape[1]
    window_rows, window_cols = window
    pooled_rows, pooled_cols = u.shape[1], u.shape[2]
    nodes = alphas.shape[0]
    for n in numba.prange(count):
        big_a_n, big_m_n = big_a[n].copy(), big_m[n].copy()
        running = np.zeros((out_rows, out_cols, outputs), np.float32)
        best = np.empty(outputs, np.float32)
        where = np.empty(outputs, np.int64)
        # Each unit is a line in α: it switches at most once. Find the node it switches at.
        at_node = np.empty(rows * cols * channels, np.int64)
        unit = np.empty(rows * cols * channels, np.int64)
        found = 0
        for y in range(rows):
            for x in range(cols):
                for c in range(channels):
                    slope, offset = m[n, y, x, c], a[n, c]
                    before = offset + alphas[0] * slope > 0
                    on_last[n, y, x, c] = before
                    if (offset + alphas[nodes - 1] * slope > 0) != before:
                        low, high = 0, nodes - 1  # on at low as at node 0, switched at high
                        while high - low > 1:
                            middle = (low + high) // 2
                            if (offset + alphas[middle] * slope > 0) == before:
                                low = middle
                            else:
                                high = middle
                        at_node[found], unit[found] = high, (y * cols + x) * channels + c
                        on_last[n, y, x, c] = not before
                        found += 1
        switches[n] = found
        order = np.argsort(at_node[:found], kind="mergesort")
        next_switch = 0
        for k in range(nodes):
            while next_switch < found and at_node[order[next_switch]] == k:
                j = unit[order[next_switch]]
                next_switch += 1
                c, x, y = j % channels, (j // channels) % cols, j // (channels * cols)
                sign = np.float32(1.0) if on_last[n, y, x, c] else np.float32(-1.0)  # turning on: +1
                share = np.float32(0.0)
                for dy in range(kernel_rows):
                    for dx in range(kernel_cols):
                        oy, ox = y - dy, x - dx
                        if 0 <= oy < out_rows and 0 <= ox < out_cols:
                            for o in range(outputs):
                                w = kernel[dy, dx, c, o]
                                share += w * running[oy, ox, o]
                                big_a_n[oy, ox, o] += sign * a[n, c] * w
                                big_m_n[oy, ox, o] += sign * m[n, y, x, c] * w
                switched[n, y, x, c] = -sign * share
            alpha, weight = alphas[k], weights[k]
            for py in range(pooled_rows):
                for px in range(pooled_cols):
                    for i in range(window_rows * window_cols):
                        y, x = py * window_rows + i // window_cols, px * window_cols + i % window_cols
                        for o in range(outputs):
                            z = big_a_n[y, x, o] + alpha * big_m_n[y, x, o]
                            if i == 0 or z > best[o]:
                                best[o], where[o] = z, i
                    for o in range(outputs):
                        if best[o] > 0:
                            i = where[o]
                            running[py * window_rows + i // window_cols, px * window_cols + i % window_cols, o] += \
                                weight * u[n, py, px, o]
        total[n] = running
