"""Where TensorFlow is used (with :mod:`.input_convolution`): a Keras model becomes a gradient function.

``GradientFunction(model)(images, targets)`` returns ∂logit_t/∂x and logit_t for every
image, computed by one compiled ``tf.function`` with a fixed input signature, called on
chunks of at most ``chunk_size`` images so memory is bounded by the chunk, not by N.
A first convolution gets a faster input gradient (:mod:`.input_convolution`).
Everything else in :mod:`generator.attributions` is NumPy.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol

import numpy as np

from .input_convolution import input_convolution, split_input_convolution


class GradFn(Protocol):
    """Anything that maps (images (n, H, W, C) float32, targets) to (∂score/∂x of shape
    (n, H, W, C), score of shape (n,)), where targets is (n,) class indices (score = logit_t)
    or (n, K) class weights (score = Σ_k weights_k · logit_k)."""

    def __call__(self, images: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


def _is_softmax(activation: Any) -> bool:
    return getattr(activation, "__name__", "") == "softmax"


def logits_model(model: Any) -> Any:
    """Return ``model`` itself, or a copy whose final softmax is replaced by the identity.

    Attributions are taken on logits (pre-softmax): softmax saturates, so a confident
    prediction has near-zero probability gradients everywhere. A final ``Dense(...,
    activation="softmax")``, ``Activation("softmax")`` or ``Softmax`` layer is detected and
    removed; the weights are shared values copied from ``model``.
    """
    import keras

    last = model.layers[-1]
    is_softmax_layer = isinstance(last, keras.layers.Softmax) or (
        isinstance(last, keras.layers.Activation) and _is_softmax(last.activation)
    )
    if not (is_softmax_layer or _is_softmax(getattr(last, "activation", None))):
        return model

    def clone_layer(layer: Any) -> Any:
        if layer.name != last.name:
            return layer.__class__.from_config(layer.get_config())
        if is_softmax_layer:
            return keras.layers.Activation("linear", name=layer.name)
        config = layer.get_config()
        config["activation"] = "linear"
        return layer.__class__.from_config(config)

    clone = keras.models.clone_model(model, clone_function=clone_layer)
    clone.set_weights(model.get_weights())
    return clone


def contrast_weights(plus: np.ndarray, minus: np.ndarray, classes: int) -> np.ndarray:
    """(n, K) class weights with +1 at ``plus`` and −1 at ``minus``: score = logit_plus − logit_minus."""
    rows = np.arange(len(plus))
    weights = np.zeros((len(plus), classes), dtype=np.float32)
    weights[rows, np.asarray(plus)] += 1.0
    weights[rows, np.asarray(minus)] -= 1.0
    return weights


class GradientFunction:
    """∂score/∂x and the score for a batch, from a Keras model, in fixed-size chunks.

    The score of an image is its target logit, or a weighted sum of logits when class
    weights are given (see :class:`GradFn`).

    Args:
        model: a Keras model mapping (n, H, W, C) float32 images to (n, K) scores; a final
            softmax is removed (see :func:`logits_model`).
        chunk_size: images per compiled call (bounds peak memory).
    """

    def __init__(self, model: Any, chunk_size: int = 512) -> None:
        import tensorflow as tf

        self.model = logits_model(model)
        self.chunk_size = int(chunk_size)
        shape = tuple(self.model.inputs[0].shape[1:])
        self.input_shape: tuple[int, ...] = tuple(int(d) for d in shape)
        self.classes = int(self.model.outputs[0].shape[-1])
        self._split = split_input_convolution(self.model)
        self._compiled: Callable[..., Any] = tf.function(
            self._gradient_and_score,
            input_signature=[
                tf.TensorSpec((None, *self.input_shape), tf.float32),
                tf.TensorSpec((None, self.classes), tf.float32),
            ],
            reduce_retracing=True,
        )
        self._forward: Callable[..., Any] = tf.function(
            lambda images: self.model(images, training=False),
            input_signature=[tf.TensorSpec((None, *self.input_shape), tf.float32)], reduce_retracing=True)

    def _gradient_and_score(self, images: Any, class_weights: Any) -> tuple[Any, Any]:
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(images)
            logits = self._logits(images)
            scores = tf.reduce_sum(logits * class_weights, axis=1)
        # Each score depends only on its own image, so the gradient of the sum is the
        # per-image gradient.
        return tape.gradient(scores, images), scores

    def _logits(self, images: Any) -> Any:
        """The model's logits; a first convolution gets the col2im input gradient."""
        if self._split is None:
            return self.model(images, training=False)
        first, rest = self._split
        hidden = first.activation(input_convolution(images, first))
        for layer in rest:
            hidden = layer(hidden, training=False)
        return hidden

    def logits(self, images: np.ndarray, chunk_size: int = 4096) -> np.ndarray:
        """(n, K) float32 logits of (n, H, W, C) images: a forward pass only, compiled once, for
        checks that score many altered images; forward chunks can be larger than gradient ones."""
        images = np.ascontiguousarray(images, dtype=np.float32)
        logits = np.empty((len(images), self.classes), dtype=np.float32)
        for start in range(0, len(images), chunk_size):
            logits[start:start + chunk_size] = self._forward(images[start:start + chunk_size])
        return logits

    def class_weights(self, targets: np.ndarray) -> np.ndarray:
        """(n, K) float32 weights: one-hot rows for class indices, weights passed through."""
        targets = np.asarray(targets)
        if targets.ndim == 2:
            return targets.astype(np.float32)
        return np.eye(self.classes, dtype=np.float32)[targets.astype(np.int64)]

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


def as_grad_fn(model_or_fn: Any, chunk_size: int = 512) -> GradFn:
    """A ready gradient function: wraps a Keras model, passes a GradFn through."""
    if isinstance(model_or_fn, GradientFunction) or not hasattr(model_or_fn, "layers"):
        return model_or_fn
    return GradientFunction(model_or_fn, chunk_size=chunk_size)

