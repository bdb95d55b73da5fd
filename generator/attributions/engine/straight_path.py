"""Gradient sums along straight paths, the first convolution and its pooling taken once per image.

Integrated Gradients needs Σ_k w_k ∂s/∂x at the points x′ + α_k (x − x′) of each image's path.
For a model that opens with a convolution z = W ⋆ x + b, the first layer along the path is

    z(α) = (W ⋆ x′ + b) + α · W ⋆ (x − x′) = a + α c.

When the baseline x′ is one colour (black, white, any grey) and the padding is "valid", a is the
same at every position of a channel, so a max pooling after it picks the same positions for every
α > 0, and

    MaxPool(a + α c) = a + α · MaxPool(c).

So c and its pooling are computed once per image, and each of the S path points starts after the
pooling (ReLU is moved after it, :mod:`.relu_after_pooling`). On the way back the first layers
are linear along the path, so the S gradients at the pooled layer, g_k = ∂s/∂p at α_k, are
summed with their weights first and taken back through the pooling's choice and the convolution
once per image:

    Σ_k w_k ∂s/∂x (α_k) = ∂MaxPool(c)/∂x ᵀ · Σ_k w_k g_k.

On the report's CNN the sums equal TensorFlow's to float32 rounding (what it saves:
docs/performance.md). The time left is the second convolution, forward
and back, which runs near this machine's float32 matrix-product peak. When the model after the
first pooling is one more convolution, its pooling and a linear head (the report's CNN), the
steps after the pooling are not run node by node at all: :mod:`.switch_sweep` updates the second
convolution only where a unit switches.

At α = 0 every window of the first pooling ties (z = a). The sum routes it as for α just above 0;
TensorFlow's gradient at a tie takes each window's first position. The two differ at that one
point of the path only, which a rule with a node there weights O(1/S); the rules the report uses
have none there (Gauss–Legendre; the adaptive rule takes its two end nodes by the plain gradient).
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from ..path_sums import class_weights as score_weights
from ..protocols import Progress
from .compiled import compiled
from .input_convolution import plain_convolution
from .relu_after_pooling import Step, convolution_affine, relu_then_max_pooling

LINEAR_HEAD = ("Flatten", "Dropout", "Reshape")
"""Layers that pass their input on unchanged in inference, or only reshaped."""


def valid_convolution_then_pooling(layer: Any, following: Any) -> bool:
    """Whether ``layer`` is a "valid" :func:`plain_convolution` whose ReLU is followed by the max
    pooling ``following``."""
    return plain_convolution(layer) and layer.padding == "valid" and relu_then_max_pooling(layer, following)


def pooled_first_convolution(model: Any) -> bool:
    """Whether a ``keras.Sequential`` opens with :func:`valid_convolution_then_pooling`: the models
    :class:`StraightPath` applies to."""
    layers = getattr(model, "layers", [])
    return len(layers) > 2 and valid_convolution_then_pooling(layers[0], layers[1])


def sweep_applies(model: Any) -> bool:
    """Whether, after a :func:`pooled_first_convolution`, the model is one more
    :func:`valid_convolution_then_pooling` whose pooling windows tile, then linear layers only: the
    models :mod:`.switch_sweep` applies to."""
    import keras

    layers = getattr(model, "layers", [])
    if len(layers) < 5:
        return False
    second, pooling, head = layers[2], layers[3], layers[4:]
    return (valid_convolution_then_pooling(second, pooling) and pooling.padding == "valid"
            and pooling.data_format == "channels_last" and tuple(pooling.strides) == tuple(pooling.pool_size)
            and all(type(layer).__name__ in LINEAR_HEAD or (type(layer) is keras.layers.Dense
                                                             and layer.activation is keras.activations.linear)
                    for layer in head))


class StraightPath:
    """Σ_k w_k ∂score/∂u at u′ + α_k (u − u′) for every image, u in pixel/255 and u′ of one colour
    (:func:`~generator.attributions.path_sums.one_colour`): a :class:`~generator.attributions.protocols.PathSums`.

    Args:
        model: the logits model, :func:`pooled_first_convolution`.
        after_pooling: the steps that follow the first pooling (its ReLU first), as
            :func:`~.relu_after_pooling.layer_steps` lists them.
        read_part: pixel/255 images ↦ the model's input, cropped to what the model reads (see
            :mod:`.unread_border`): what the first convolution is applied to.
        input_shape, classes: the model's (H, W, C) and number of logits.
    """

    def __init__(self, model: Any, after_pooling: list[Step], read_part: Step, input_shape: tuple[int, ...],
                 classes: int) -> None:
        import tensorflow as tf

        self._convolution, self._pooling = model.layers[0], model.layers[1]
        self._after_pooling = after_pooling
        self._read_part = read_part
        self.classes = classes
        image = tf.TensorSpec((None, *input_shape), tf.float32)
        nodes = tf.TensorSpec((None,), tf.float32)
        self.compiled: Callable[..., Any] = compiled(self._sums, image, image,
                                                     tf.TensorSpec((None, classes), tf.float32), nodes, nodes)

    def offset(self, baselines: Any) -> Any:
        """a = MaxPool(W ⋆ x′ + b), one value per image and channel (pooling keeps it), as (N, 1, 1, C)."""
        return self._pooling(convolution_affine(self._convolution)(self._read_part(baselines)))[:, :1, :1, :]

    def pooled_difference(self, images: Any, baselines: Any) -> Any:
        """MaxPool(W ⋆ (x − x′)): the pooled first layer along the path is a + α times it."""
        difference = self._read_part(images) - self._read_part(baselines)
        return self._pooling(self._convolution.convolution_op(difference, self._convolution.kernel))

    def _sums(self, images: Any, baselines: Any, class_weights: Any, alphas: Any, weights: Any) -> Any:
        import tensorflow as tf

        a = self.offset(baselines)
        with tf.GradientTape() as once:
            once.watch(images)
            pooled_c = self.pooled_difference(images, baselines)
        n, s = tf.shape(images)[0], tf.shape(alphas)[0]
        shape = tf.shape(pooled_c)[1:]
        points = a[:, None] + alphas[None, :, None, None, None] * tf.stop_gradient(pooled_c)[:, None]
        points = tf.reshape(points, tf.concat([[n * s], shape], 0))  # image-major: image i's steps together
        with tf.GradientTape() as each:
            each.watch(points)
            hidden = points
            for step in self._after_pooling:
                hidden = step(hidden)
            scores = tf.reduce_sum(tf.reshape(hidden, (n, s, -1)) * class_weights[:, None, :])
        at_points = tf.reshape(each.gradient(scores, points), (n, s, -1))
        summed = tf.reshape(tf.matmul(weights[None, None, :], at_points), tf.shape(pooled_c))  # Σ_k w_k g_k
        return once.gradient(pooled_c, images, output_gradients=summed)

    @staticmethod
    def calls(count: int, steps: int, chunk_size: int) -> Iterator[tuple[slice, slice]]:
        """(images, nodes) of each compiled call for ``count`` images of ``steps`` nodes: whole
        images, and at most ``chunk_size`` image-steps unless one image has more nodes than that."""
        piece = max(1, min(steps, chunk_size))
        per_call = max(1, chunk_size // piece)
        for first in range(0, count, per_call):
            for node in range(0, steps, piece):
                yield slice(first, first + per_call), slice(node, node + piece)

    cheap_nodes = False

    def __call__(self, images: np.ndarray, baselines: np.ndarray, targets: np.ndarray, alphas: np.ndarray,
                 weights: np.ndarray, chunk_size: int, on_chunk: Progress | None = None) -> np.ndarray:
        """(N, H, W, C) float64 sums, in the compiled calls of :meth:`calls`; arguments as
        :meth:`~generator.attributions.protocols.PathSums.__call__`, each baseline of one colour."""
        weighting = score_weights(targets, self.classes)
        alphas, weights = np.asarray(alphas, np.float32), np.asarray(weights, np.float32)
        result = np.zeros(images.shape, dtype=np.float64)
        done, total = 0, len(images) * len(alphas)
        for rows, nodes in self.calls(len(images), len(alphas), chunk_size):
            result[rows] += self.compiled(images[rows], baselines[rows], weighting[rows], alphas[nodes],
                                          weights[nodes]).numpy()
            done += len(images[rows]) * len(alphas[nodes])
            if on_chunk is not None:
                on_chunk(done, total)
        return result
