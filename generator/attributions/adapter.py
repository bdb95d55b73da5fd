"""Where TensorFlow is used (with the fast-path modules below): a Keras model becomes a gradient function.

``GradientFunction(model)(images, targets)`` returns ∂logit_t/∂x and logit_t for every
image (x in pixel/255; the model's own input scale is applied inside), computed by one
compiled ``tf.function`` with a fixed input signature, called on
chunks of at most ``chunk_size`` images so memory is bounded by the chunk, not by N.
A ``keras.Sequential`` that opens with a convolution takes a faster path computing the same
function: a col2im input gradient for the first convolution (:mod:`.input_convolution`), the
image cropped to the pixels the model reads (:mod:`.unread_border`) and ReLU moved after a
max pooling (:mod:`.relu_after_pooling`); when that pooling follows the first convolution, sums
along straight paths from a one-colour baseline take the two once per image
(``straight_path``, :mod:`.straight_path`). Any other model keeps TensorFlow's own gradient.
Everything else in :mod:`generator.attributions` is NumPy.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable, Protocol

import numpy as np

from generator.plumbing.input_scale import UNIT, InputScale

from .bfloat16_convolution import bfloat16_gradient_affine
from .input_convolution import input_convolution, input_convolution_layer
from .relu_after_pooling import Step, layer_steps
from .straight_path import StraightPath, pooled_first_convolution
from .unread_border import crop_top_left, read_extent


class GradFn(Protocol):
    """Anything that maps (images (n, H, W, C) float32, targets) to (∂score/∂x of shape
    (n, H, W, C), score of shape (n,)), where targets is (n,) class indices (score = logit_t)
    or (n, K) class weights (score = Σ_k weights_k · logit_k)."""

    def __call__(self, images: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


def _is_softmax(activation: Any) -> bool:
    return getattr(activation, "__name__", "") == "softmax"


def logits_model(model: Any) -> Any:
    """Return ``model`` itself, or a model of the same weights whose final softmax is left out.

    Attributions are taken on logits (pre-softmax): softmax saturates, so a confident
    prediction has near-zero probability gradients everywhere. A final ``Dense(...,
    activation="softmax")``, ``Activation("softmax")`` or ``Softmax`` layer (the model's output
    layer; a softmax inside the model stays) is detected and removed. A ``keras.Sequential``
    model is cloned with the same weights, so it stays Sequential (and keeps the first-convolution
    gradient of :mod:`.input_convolution`); any other model becomes a functional model from the
    same inputs to the softmax's input, its layers shared.
    """
    import keras

    last = model.layers[-1]
    is_softmax_layer = isinstance(last, keras.layers.Softmax) or (
        isinstance(last, keras.layers.Activation) and _is_softmax(last.activation)
    )
    if not (is_softmax_layer or _is_softmax(getattr(last, "activation", None))):
        return model

    def linear_copy(layer: Any) -> Any:
        config = layer.get_config()
        config["activation"] = "linear"
        return layer.__class__.from_config(config)

    if not isinstance(model, keras.Sequential):
        if is_softmax_layer:
            return keras.Model(model.input, last.input, name=f"{model.name}_logits")
        head = linear_copy(last)
        logits = head(last.input)
        head.set_weights(last.get_weights())
        return keras.Model(model.input, logits, name=f"{model.name}_logits")

    def clone_layer(layer: Any) -> Any:
        if layer.name != last.name:
            return layer.__class__.from_config(layer.get_config())
        return keras.layers.Activation("linear", name=layer.name) if is_softmax_layer else linear_copy(layer)

    clone = keras.models.clone_model(model, clone_function=clone_layer)
    clone.set_weights(model.get_weights())
    return clone


SMALLEST_PROBABILITY = float(np.finfo(np.float32).tiny)
"""The least probability whose log a probability model's score takes (float32's smallest normal
number, 1.2e-38; log −87.3): below it float32 has lost precision, and at 0 the log is −∞."""


def scoring_model(model: Any, output: str = "logits") -> Any:
    """The model whose outputs are the scores every map is of, for ``model.output`` = ``output``.

    "logits": the logits, :func:`logits_model`. "probabilities" (a model whose rows are already
    probabilities, the softmax out of reach): the log-probabilities log p, so that a map is of
    log p_t and Integrated Gradients sums to log p_t(x) − log p_t(x′). When a final softmax can
    be removed, log p is taken as log_softmax of the logits (exact even where p underflows to 0
    in float32); else as log max(p, :data:`SMALLEST_PROBABILITY`) of the model's own outputs, so a
    class whose probability underflowed scores −87.3, not −∞, with a zero gradient (the maps of
    such a class are zero, not NaN). ``model`` itself stays as it is.

    Raises:
        ValueError: ``output`` is neither "logits" nor "probabilities".
    """
    if output not in ("logits", "probabilities"):
        raise ValueError(f'output must be "logits" or "probabilities", got {output!r}')
    logits = logits_model(model)
    if output == "logits":
        return logits
    import keras

    inputs = keras.Input(tuple(model.inputs[0].shape[1:]), dtype=model.inputs[0].dtype)
    log_p = (keras.ops.log_softmax(logits(inputs), axis=-1) if logits is not model
             else keras.ops.log(keras.ops.maximum(model(inputs), SMALLEST_PROBABILITY)))
    return keras.Model(inputs, log_p, name=f"{model.name}_log_probabilities")


def with_softmax(model: Any) -> Any:
    """``model``, which outputs logits, followed by a softmax: a model of probabilities whose
    :func:`scoring_model` for "probabilities" is log_softmax of those logits (used to score a
    network trained here, which outputs logits, on the same log p_t as a loaded model)."""
    import keras

    return keras.Sequential([model, keras.layers.Softmax()], name=f"{model.name}_probabilities")


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
        input_scale: how the model reads pixel/255 (default: as it is).
        bfloat16_gradients: on the fast path, take inner convolutions' input gradients in
            bfloat16 (:mod:`.bfloat16_convolution`: ~10% faster, gradients within ~1e-3).
    """

    def __init__(self, model: Any, chunk_size: int = 512, input_scale: InputScale = UNIT,
                 bfloat16_gradients: bool = False, output: str = "logits") -> None:
        import tensorflow as tf

        self.model = scoring_model(model, output)
        self.input_scale = input_scale
        self.chunk_size = int(chunk_size)
        shape = tuple(self.model.inputs[0].shape[1:])
        self.input_shape: tuple[int, ...] = tuple(int(d) for d in shape)
        self.classes = int(self.model.outputs[0].shape[-1])
        first = input_convolution_layer(self.model)
        # The fast path: functions applied in turn to the (cropped) image; None: the model itself.
        self._steps: list[Step] | None = None
        self._read: tuple[int, int] | None = None
        if first is not None:
            self._steps = layer_steps(self.model.layers, lambda images: input_convolution(images, first),
                                      bfloat16_gradient_affine if bfloat16_gradients else None)
            self._read = read_extent(self.model)
        # Sums along straight paths from one-colour baselines (Integrated Gradients), when the model
        # opens with convolution → ReLU → max pooling: see :mod:`.straight_path`. The steps after
        # the first pooling start with its ReLU.
        self.straight_path: StraightPath | None = None
        if self._steps is not None and pooled_first_convolution(self.model):
            self.straight_path = StraightPath(self.model, self._steps[2:], self._read_part, self.input_shape,
                                              self.classes)
        self._compiled: Callable[..., Any] = tf.function(
            self._gradient_and_score,
            input_signature=[
                tf.TensorSpec((None, *self.input_shape), tf.float32),
                tf.TensorSpec((None, self.classes), tf.float32),
            ],
            reduce_retracing=True,
        )
        self._forward: Callable[..., Any] = tf.function(
            self._logits, input_signature=[tf.TensorSpec((None, *self.input_shape), tf.float32)],
            reduce_retracing=True)

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


_SHARED: "weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], GradientFunction]]" = weakref.WeakKeyDictionary()
"""Per Keras model, while it lives: its gradient functions by their arguments."""


def shared_gradient_function(model: Any, chunk_size: int = 512, input_scale: InputScale = UNIT,
                             output: str = "logits") -> GradientFunction:
    """The one :class:`GradientFunction` of ``model`` with these arguments, made on first use and
    then shared by every stage that asks (the gallery, the trust checks, the decoy check), so that
    its compiled functions are traced once. The model's weights must not change in place
    meanwhile (the randomisation checks change copies)."""
    functions = _SHARED.setdefault(model, {})
    key = (chunk_size, input_scale, output)
    if key not in functions:
        functions[key] = GradientFunction(model, chunk_size=chunk_size, input_scale=input_scale, output=output)
    return functions[key]


def as_grad_fn(model_or_fn: Any, chunk_size: int = 512) -> GradFn:
    """A ready gradient function: wraps a Keras model, passes a GradFn through."""
    if isinstance(model_or_fn, GradientFunction) or not hasattr(model_or_fn, "layers"):
        return model_or_fn
    return GradientFunction(model_or_fn, chunk_size=chunk_size)

