"""Randomised models for the sanity checks of Adebayo et al. (2018), "Sanity Checks for Saliency Maps".

If an attribution method explains the model, its maps must change when the model does.
Two randomisations make models that should give different maps:

* **model parameter randomisation** (their section 3.1): copies of the trained model with
  layers re-initialised, either *cascading* from the logits down to the input
  (:func:`cascade`) or one layer at a time (:func:`independent`);
* **data randomisation** (their section 3.2): the same architecture trained, by the same
  code, on labels permuted at random, so it can only memorise: :mod:`.random_labels`
  (:func:`train_on_random_labels`, re-exported here).

The trained model is never changed: every randomised model is a new clone. Layers inside
sub-models (``keras.Sequential([cnn, Softmax()])``, a functional model calling a trained network)
are randomised too, named by their path (``gradient_gallery_cnn/logits``). Comparing the maps
is :mod:`generator.stages.similarity`'s job.
"""

from __future__ import annotations

import hashlib
from typing import Any, Sequence

from generator.stages.layers import find_layer, layers_from_the_output
from generator.stages.random_labels import (DEFAULT_MAX_EPOCHS, RandomLabelModel, fresh_architecture, frozen_layers,
                                            random_labels, train_on_random_labels)

__all__ = ["DEFAULT_MAX_EPOCHS", "RandomLabelModel", "cascade", "find_layer", "fresh_architecture", "frozen_layers",
           "independent", "layer_seed", "layers_from_the_output", "not_randomisable", "random_labels",
           "randomised_copy", "randomised_models", "train_on_random_labels", "weighted_layers"]


def weighted_layers(model: Any) -> tuple[list[str], list[str]]:
    """The layers a randomisation can change, in cascade order.

    Args:
        model: a Keras model.

    Returns:
        (names of the layers whose weights can be re-drawn from their initializers, from the
        output (logits) layer down to the input; names of the others, e.g. pooling, flatten,
        dropout, or a ``Normalization`` of the input (its mean and variance have no
        initializer), that a randomisation leaves as they are).
        Input layers are in neither list. A sub-model is in neither either: its layers are, named
        by their path (:func:`layers_from_the_output`). A ``BatchNormalization`` layer is
        randomisable: all of its weights, moving statistics included, are re-drawn from their
        initializers.
    """
    randomisable: list[str] = []
    skipped: list[str] = []
    for name, layer in layers_from_the_output(model):
        (randomisable if _redrawable(layer) else skipped).append(name)
    return randomisable, skipped


def not_randomisable(model: Any) -> str | None:
    """None when :func:`weighted_layers` finds a layer to randomise, else why it finds none, in words."""
    randomisable, skipped = weighted_layers(model)
    if randomisable:
        return None
    held = [name for name in skipped if find_layer(model, name).weights]
    if not held:
        return "the model has no weights to re-draw"
    verb = "holds" if len(held) == 1 else "hold"
    return (f"no layer's weights can be re-drawn: {', '.join(held)} {verb} weights without an initializer to "
            "draw them from")


def _redrawable(layer: Any) -> bool:
    """Whether ``layer`` holds weights, each with a ``<weight name>_initializer`` to re-draw it from."""
    return bool(layer.weights) and all(
        getattr(layer, f"{variable.name.split('/')[-1]}_initializer", None) is not None for variable in layer.weights)


def layer_seed(seed: int, layer_name: str, weight_name: str) -> int:
    """A seed for one weight of one layer, a function of (seed, layer name, weight name) only,
    so a layer gets the same random weights in every copy made with the same seed."""
    digest = hashlib.sha256(f"{seed}\0{layer_name}\0{weight_name}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def randomised_copy(model: Any, layer_names: Sequence[str], seed: int) -> Any:
    """A new model equal to ``model`` except that the named layers are re-initialised.

    Each weight of a named layer (e.g. ``kernel``, ``bias``) is drawn afresh from that layer's
    own initializer (``kernel_initializer``, ``bias_initializer``, …), seeded by
    :func:`layer_seed`. A bias with the default ``zeros`` initializer therefore becomes zero.

    Args:
        model: the trained Keras model; it is not modified.
        layer_names: layers to re-initialise (each must hold weights).
        seed: the randomisation's seed.

    Returns:
        The copy (``keras.models.clone_model`` with the trained weights, then re-initialised).

    Raises:
        ValueError: a name is not a layer with weights, or a weight has no ``<name>_initializer``.
    """
    import keras

    randomisable, _ = weighted_layers(model)
    unknown = [name for name in layer_names if name not in randomisable]
    if unknown:
        raise ValueError(f"cannot randomise {', '.join(unknown)}: the layers with weights are {', '.join(randomisable)}")
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    for name in layer_names:
        layer = find_layer(copy, name)
        for variable in layer.weights:
            weight_name = variable.name.split("/")[-1]
            initializer = getattr(layer, f"{weight_name}_initializer", None)
            if initializer is None:
                raise ValueError(f"layer {name} has no {weight_name}_initializer to re-draw its {weight_name} from")
            variable.assign(_seeded(initializer, layer_seed(seed, name, weight_name))(variable.shape, variable.dtype))
    return copy


def _seeded(initializer: Any, seed: int) -> Any:
    """A fresh copy of a Keras initializer, with ``seed`` if it draws random numbers."""
    config = initializer.get_config()
    if "seed" in config:
        config["seed"] = seed
    return initializer.__class__.from_config(config)


def cascade(model: Any, seed: int) -> list[tuple[str, Any]]:
    """Cascading randomisation: the k-th copy has the top k weighted layers re-initialised.

    Args:
        model: the trained Keras model; it is not modified.
        seed: the randomisation's seed (each layer gets the same random weights in every copy).

    Returns:
        [(name of the last layer randomised, copy)], logits layer first, each copy also
        randomising every layer above it.
    """
    order, _ = weighted_layers(model)
    return [(name, randomised_copy(model, order[: k + 1], seed)) for k, name in enumerate(order)]


def independent(model: Any, seed: int) -> list[tuple[str, Any]]:
    """Independent randomisation: one copy per weighted layer with only that layer re-initialised.

    Returns:
        [(layer name, copy)], logits layer first; the random weights equal those of :func:`cascade`.
    """
    order, _ = weighted_layers(model)
    return [(name, randomised_copy(model, [name], seed)) for name in order]


def randomised_models(model: Any, seed: int) -> tuple[list[tuple[str, list[tuple[str, Any]]]], str | None]:
    """The copies of both randomisations, [("cascade", :func:`cascade`), ("independent",
    :func:`independent`)], and None; or no copies and the reason the randomisation cannot apply to
    ``model`` (:func:`not_randomisable`, or a copy Keras could not make), in words."""
    reason = not_randomisable(model)
    if reason is not None:
        return [], reason
    try:
        return [("cascade", cascade(model, seed)), ("independent", independent(model, seed))], None
    except (ValueError, TypeError, KeyError) as error:  # what Keras raises for a config it cannot rebuild
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return [], f"Keras could not copy the model to re-draw its layers ({first_line})"
