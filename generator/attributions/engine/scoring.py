"""The model whose outputs every map is of: logits, or log-probabilities (TensorFlow/Keras)."""

from __future__ import annotations

from typing import Any

import numpy as np


def _is_softmax(activation: Any) -> bool:
    return getattr(activation, "__name__", "") == "softmax"


def is_softmax_layer(layer: Any) -> bool:
    """Whether ``layer`` is a ``Softmax`` or ``Activation("softmax")`` layer."""
    import keras

    return isinstance(layer, keras.layers.Softmax) or (
        isinstance(layer, keras.layers.Activation) and _is_softmax(layer.activation))


def ends_in_softmax(model: Any) -> bool:
    """Whether ``model``'s output layer is a softmax, or has a softmax activation: what
    :func:`logits_model` removes."""
    last = model.layers[-1]
    return is_softmax_layer(last) or _is_softmax(getattr(last, "activation", None))


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
    if not ends_in_softmax(model):
        return model
    softmax_layer = is_softmax_layer(last)

    def linear_copy(layer: Any) -> Any:
        config = layer.get_config()
        config["activation"] = "linear"
        return layer.__class__.from_config(config)

    if not isinstance(model, keras.Sequential):
        if softmax_layer:
            return keras.Model(model.input, last.input, name=f"{model.name}_logits")
        head = linear_copy(last)
        logits = head(last.input)
        head.set_weights(last.get_weights())
        return keras.Model(model.input, logits, name=f"{model.name}_logits")

    def clone_layer(layer: Any) -> Any:
        if layer.name != last.name:
            return layer.__class__.from_config(layer.get_config())
        return keras.layers.Activation("linear", name=layer.name) if softmax_layer else linear_copy(layer)

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
