"""A Keras model becomes a gradient function (TensorFlow).

``GradientFunction(model)(images, targets)`` returns ∂logit_t/∂x and logit_t for every
image (x in pixel/255; the model's own input scale is applied inside), computed by one
compiled ``tf.function`` with a fixed input signature, called on
chunks of at most ``chunk_size`` images so memory is bounded by the chunk, not by N.
A ``keras.Sequential`` that opens with a convolution takes a faster path computing the same
function: a col2im input gradient for the first convolution (:mod:`.input_convolution`), the
image cropped to the pixels the model reads (:mod:`.unread_border`) and ReLU moved after a
max pooling (:mod:`.relu_after_pooling`); when that pooling follows the first convolution, sums
along straight paths from a one-colour baseline take the two once per image
(:mod:`.straight_path`, and :mod:`.switch_sweep` when the rest of the model allows): the
gradient function's ``straight_path_sums``, which :func:`~..path_sums.path_sums_for` picks.
Any other model keeps TensorFlow's own gradient.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from generator.plumbing.input_scale import UNIT, InputScale

from ..path_sums import class_weights
from ..protocols import PathSums
from .bfloat16_convolution import bfloat16_gradient_affine
from .compiled import compiled
from .input_convolution import input_convolution, input_convolution_layer
from .relu_after_pooling import Step, layer_steps
from .scoring import scoring_model
from .straight_path import StraightPath, pooled_first_convolution, sweep_applies
from .unread_border import crop_top_left, read_extent

PATHS = ("fastest", "general", "straight", "sweep")
"""How a :class:`GradientFunction` takes Integrated Gradients' path sums from one-colour baselines:
the fastest the model allows; point by point (its compiled gradient at every path point); the
straight-path calls (:mod:`.straight_path`); the sweep (:mod:`.switch_sweep`)."""


class GradientFunction:
    """∂score/∂x and the score for a batch, from a Keras model, in fixed-size chunks.

    The score of an image is its target logit, or a weighted sum of logits when class
    weights are given (see :class:`GradFn`); for a model of probabilities (``output``), its
    log-probabilities take the logits' place (:func:`scoring_model`).

    Images come in pixel/255 (0 black, 1 white) and the model is fed ``input_scale.apply`` of
    them, x = scale · u + offset, inside the differentiated function. So every gradient is
    with respect to pixel/255, ∂f/∂u = scale · ∂f/∂x by the chain rule, whatever scale the model
    reads: maps, baselines (0 is black) and colour bars stay in pixel terms. Integrated
    Gradients does not depend on the choice, (u − u′) · ∂f/∂u = (x − x′) · ∂f/∂x, and its maps
    sum to logit(x) − logit(x′) taken by the model in its own input space. Gradient × input is
    u · ∂f/∂u, zero on black pixels like IG from black (x · ∂f/∂x would not be, when black is
    not 0 for the model).

    Args:
        model: a Keras model mapping (n, H, W, C) float32 images to (n, K) scores; a final
            softmax is removed (see :func:`logits_model`).
        output: what ``model`` outputs, ``model.output``: "logits", or "probabilities", whose
            log is then the score (see :func:`scoring_model`).
        chunk_size: images per compiled call (bounds peak memory).
        input_scale: how the model reads pixel/255 (default: as it is); a per-channel scale
            applies along the last axis, ∂f/∂u_c = ∂f/∂x_c / std_c.
        bfloat16_gradients: on the fast path, take inner convolutions' input gradients in
            bfloat16 (:mod:`.bfloat16_convolution`: ~10% faster, gradients within ~1e-3).
        path: how Integrated Gradients' sums from one-colour baselines are taken, one of
            :data:`PATHS`; ``self.path`` says which was taken ("general", "straight" or "sweep").

    Raises:
        ValueError: ``path`` is not in :data:`PATHS`, or names a fast path the model does not allow;
            ``input_scale`` is per channel for another number of channels than the model reads.
    """

    def __init__(self, model: Any, chunk_size: int = 512, input_scale: InputScale = UNIT,
                 bfloat16_gradients: bool = False, output: str = "logits", path: str = "fastest") -> None:
        import tensorflow as tf

        self.model = scoring_model(model, output)
        self.input_scale = input_scale
        self.chunk_size = int(chunk_size)
        shape = tuple(self.model.inputs[0].shape[1:])
        self.input_shape: tuple[int, ...] = tuple(int(d) for d in shape)
        self.classes = int(self.model.outputs[0].shape[-1])
        mismatch = input_scale.channel_error(self.input_shape[-1])
        if mismatch is not None:
            raise ValueError(mismatch)
        first = input_convolution_layer(self.model)
        # The fast path: functions applied in turn to the (cropped) image; None: the model itself.
        self._steps: list[Step] | None = None
        self._read: tuple[int, int] | None = None
        if first is not None:
            self._steps = layer_steps(self.model.layers, lambda images: input_convolution(images, first),
                                      bfloat16_gradient_affine if bfloat16_gradients else None)
            self._read = read_extent(self.model)
        self.straight_path_sums: PathSums | None = self._straight_path_sums(path)
        self.path = "general" if self.straight_path_sums is None else (
            "sweep" if self.straight_path_sums.cheap_nodes else "straight")
        image = tf.TensorSpec((None, *self.input_shape), tf.float32)
        self._compiled: Callable[..., Any] = compiled(self._gradient_and_score, image,
                                                      tf.TensorSpec((None, self.classes), tf.float32))
        self._forward: Callable[..., Any] = compiled(self._logits, image)

    def _straight_path_sums(self, path: str) -> PathSums | None:
        """Sums along straight paths from one-colour baselines, when the model opens with
        convolution → ReLU → max pooling (:mod:`.straight_path`; the steps after the first pooling
        start with its ReLU), by the sweep when the rest allows it (:mod:`.switch_sweep`), as
        ``path`` asks; None: point by point."""
        if path not in PATHS:
            raise ValueError(f"path must be one of {', '.join(PATHS)}, got {path!r}")
        straight = self._steps is not None and pooled_first_convolution(self.model)
        sweep = straight and sweep_applies(self.model)
        if (path == "straight" and not straight) or (path == "sweep" and not sweep):
            raise ValueError(f"path {path!r} does not apply to model {self.model.name}")
        if path == "general" or not straight:
            return None
        calls = StraightPath(self.model, self._steps[2:], self._read_part, self.input_shape, self.classes)
        if path == "straight" or not sweep:
            return calls
        from .switch_sweep import SwitchSweep  # imports numba

        return SwitchSweep(self.model, calls, self.input_shape, self.classes)

    def _gradient_and_score(self, images: Any, class_weights: Any) -> tuple[Any, Any]:
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(images)
            logits = self._logits(images)
            scores = tf.reduce_sum(logits * class_weights, axis=1)
        # Each score depends only on its own image, so the gradient of the sum is the
        # per-image gradient.
        return tape.gradient(scores, images), scores

    def _read_part(self, images: Any) -> Any:
        """Pixel/255 images in the model's scale, cropped to the part the model reads (if any)."""
        images = self.input_scale.apply(images)
        return images if self._read is None else crop_top_left(images, *self._read)

    def _logits(self, images: Any) -> Any:
        """The model's logits of pixel/255 images, by the fast path when there is one."""
        if self._steps is None:
            return self.model(self.input_scale.apply(images), training=False)
        hidden = self._read_part(images)
        for step in self._steps:
            hidden = step(hidden)
        return hidden

    def logits(self, images: np.ndarray, chunk_size: int = 4096) -> np.ndarray:
        """(n, K) float32 logits of (n, H, W, C) images: a forward pass only, compiled once, for
        checks that score many altered images; forward chunks can be larger than gradient ones.
        It takes the fast path too (the same logits, faster)."""
        images = np.ascontiguousarray(images, dtype=np.float32)
        logits = np.empty((len(images), self.classes), dtype=np.float32)
        for start in range(0, len(images), chunk_size):
            logits[start:start + chunk_size] = self._forward(images[start:start + chunk_size])
        return logits

    def class_weights(self, targets: np.ndarray) -> np.ndarray:
        """(n, K) float32 weights: one-hot rows for class indices, weights passed through."""
        return class_weights(targets, self.classes)

    def __call__(self, images: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradients (n, H, W, C) float32 and scores (n,) float32."""
        images = np.ascontiguousarray(images, dtype=np.float32)
        weights = self.class_weights(targets)
        grads = np.empty_like(images)
        scores = np.empty(len(images), dtype=np.float32)
        for start in range(0, len(images), self.chunk_size):
            stop = start + self.chunk_size
            g, z = self._compiled(images[start:stop], weights[start:stop])
            grads[start:stop] = g.numpy()
            scores[start:stop] = z.numpy()
        return grads, scores
