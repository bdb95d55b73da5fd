"""Randomised models for the sanity checks of Adebayo et al. (2018), "Sanity Checks for Saliency Maps".

If an attribution method explains the model, its maps must change when the model does.
Two randomisations make models that should give different maps:

* **model parameter randomisation** (their section 3.1): copies of the trained model with
  layers re-initialised, either *cascading* from the logits down to the input
  (:func:`cascade`) or one layer at a time (:func:`independent`);
* **data randomisation** (their section 3.2): the same architecture trained, by the same
  code, on labels permuted at random (:func:`train_on_random_labels`), so it can only memorise.

The trained model is never changed: every randomised model is a new clone. Layers inside
sub-models (``keras.Sequential([cnn, Softmax()])``, a functional model calling a trained network)
are randomised too, named by their path (``gradient_gallery_cnn/logits``). Comparing the maps
is :mod:`generator.stages.similarity`'s job.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from generator.stages.data import Dataset, to_model_input
from generator.stages.model import build_cnn, compile_cnn, seed_everything

DEFAULT_MAX_EPOCHS = 60
"""Epoch budget of :func:`train_on_random_labels`. Measured on two cores with 500 images, Adam
3e-3 and batches of 32: about 0.15 s per epoch, and 90% of the random labels fitted after about
40 epochs (test accuracy then at chance). With the report's own settings (Adam 1e-3, batches of
128) and 5,000 images, 150 epochs (184 s) fitted 83.5%."""


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


def layers_from_the_output(model: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, layer) for every layer of ``model`` and of the models inside it, from the output down,
    input layers left out. A layer's path is its name, after its sub-models' names and "/" when it
    is inside one (Keras names cannot contain "/")."""
    import keras

    for layer in reversed(model.layers):
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model):
            yield from layers_from_the_output(layer, f"{prefix}{layer.name}/")
        else:
            yield f"{prefix}{layer.name}", layer


def find_layer(model: Any, path: str) -> Any:
    """The layer of ``model`` at ``path`` (see :func:`layers_from_the_output`)."""
    for name in path.split("/"):
        model = model.get_layer(name)
    return model


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


@dataclass(frozen=True)
class RandomLabelModel:
    """The report's CNN trained on randomly permuted labels (Adebayo et al.'s data randomisation).

    Attributes:
        model: the trained Keras model (outputs logits).
        epochs: epochs run.
        train_fit: share of its training images whose (random) label it predicts, dropout off.
        reached_target: True when ``train_fit`` reached the target before the epoch budget ran out.
        test_accuracy: accuracy on the real test labels (near chance, 0.1, if it only memorised).
        seconds: wall time of the training loop (fits and fit checks, not the test evaluation).
        labels: (images,) int64 the random labels it was trained on.
        fit_per_epoch: ``train_fit`` after each epoch.
    """

    model: Any
    epochs: int
    train_fit: float
    reached_target: bool
    test_accuracy: float
    seconds: float
    labels: np.ndarray
    fit_per_epoch: tuple[float, ...]


def random_labels(labels: np.ndarray, seed: int) -> np.ndarray:
    """``labels`` in an order given by a permutation seeded by ``seed`` (same class counts)."""
    return np.asarray(labels, dtype=np.int64)[np.random.default_rng(seed).permutation(len(labels))]


def train_on_random_labels(
    dataset: Dataset,
    *,
    images: int = 500,
    learning_rate: float = 3e-3,
    batch_size: int = 32,
    fit_target: float = 0.9,
    max_epochs: int = DEFAULT_MAX_EPOCHS,
    seed: int,
    log: Callable[[str], None] = print,
) -> RandomLabelModel:
    """Train the report's CNN on the first ``images`` training images with permuted labels.

    Same architecture (:func:`~generator.stages.model.build_cnn`), optimiser (Adam) and loss
    (:func:`~generator.stages.model.compile_cnn`) as the report's model, with the step size and
    batch given here: memorising labels that carry no signal takes many more steps than
    learning digits, so it gets a larger learning rate and smaller batches. No validation split
    (nothing to validate against random labels). After every epoch the model, in inference
    mode (dropout off), is scored on its own random labels; training stops as soon as it fits
    ``fit_target`` of them, or after ``max_epochs``.

    Args:
        dataset: the checked data.
        images: how many of the first training images to fit.
        learning_rate: Adam's step size.
        batch_size: images per step.
        fit_target: share of random labels to fit before stopping.
        max_epochs: epoch budget.
        seed: seeds the label permutation, the initial weights and the shuffling.
        log: receives one progress line per epoch.

    Returns:
        The model and how far it got.
    """
    import keras

    if images < 1 or max_epochs < 1:
        raise ValueError(f"need at least one image and one epoch, got images={images}, max_epochs={max_epochs}")
    count = min(images, len(dataset.x_train))
    x = to_model_input(dataset.x_train[:count])
    labels = random_labels(dataset.y_train[:count], seed)
    seed_everything(seed)
    model = build_cnn(input_shape=x.shape[1:])
    compile_cnn(model, learning_rate)
    fits: list[float] = []
    start = time.perf_counter()

    class FitCheck(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            fits.append(_accuracy(model, x, labels))
            log(f"random labels: epoch {len(fits)}: fits {fits[-1]:.1%} of {count:,} random labels "
                f"({time.perf_counter() - start:.1f} s)")
            if fits[-1] >= fit_target:
                model.stop_training = True

    model.fit(x, labels, batch_size=batch_size, epochs=max_epochs, shuffle=True, verbose=0, callbacks=[FitCheck()])
    seconds = time.perf_counter() - start
    test_accuracy = _accuracy(model, to_model_input(dataset.x_test), dataset.y_test)
    labels.setflags(write=False)
    return RandomLabelModel(model, len(fits), fits[-1], fits[-1] >= fit_target, test_accuracy, seconds,
                            labels, tuple(fits))


def _accuracy(model: Any, x: np.ndarray, labels: np.ndarray, chunk: int = 2000) -> float:
    """Share of images whose top logit is their label, dropout off."""
    hits = sum(int(np.sum(np.argmax(model(x[i:i + chunk], training=False), axis=1) == labels[i:i + chunk]))
               for i in range(0, len(x), chunk))
    return hits / len(x)
