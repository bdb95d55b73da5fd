"""Data randomisation (Adebayo et al. 2018, "Sanity Checks for Saliency Maps", section 3.2): a
network of the model's architecture trained, by the same code, on labels permuted at random, so it
can only memorise; its maps should not look like the trained model's.

For a model the report trained, the network is the report's CNN; for a loaded model (``--model``),
a clone of its own architecture with fresh weights (:func:`fresh_architecture`), or no network at
all, with the reason, when Keras cannot clone it or it has nothing to train.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from generator.plumbing.input_scale import UNIT, InputScale
from generator.stages.data import Dataset, to_model_input
from generator.stages.layers import layers_from_the_output
from generator.stages.model import build_cnn, compile_cnn, seed_everything

DEFAULT_MAX_EPOCHS = 60
"""Epoch budget of :func:`train_on_random_labels`: with a few hundred images, Adam 3e-3 and
batches of 32 the network fits 90% of its random labels well within it (test accuracy then at
chance); with the report's own settings (Adam 1e-3, batches of 128) and thousands of images it
fell short of that even after far more epochs (docs/performance.md)."""


def fresh_architecture(model: Any, seed: int) -> tuple[Any | None, str | None]:
    """A copy of ``model``'s architecture with fresh weights, to train on random labels; or None
    and the reason it cannot be had, in words.

    ``keras.models.clone_model`` rebuilds every layer from its config, so each weight is drawn
    anew from its initializer (seeded by ``seed``). Layers the user froze (``trainable`` False,
    e.g. a pre-trained base inside a transfer-learning wrapper) keep ``model``'s weights: they
    were not learned from these labels, and training would not change them, so the copy's
    training re-learns exactly what the user's training learned (the decision and its reason
    are on the trust page). A model Keras cannot rebuild from its config (a subclassed model
    without ``get_config``), or one with no trainable weight (training could not change it),
    gets None.
    """
    import keras

    seed_everything(seed)
    try:
        clone = keras.models.clone_model(model)
    except (ValueError, TypeError, KeyError, NotImplementedError, AttributeError) as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return None, f"Keras could not clone the model's architecture ({first_line})"
    if not clone.trainable_weights:
        return None, "the model has no trainable weights, so training on random labels could not change it"
    originals = dict(layers_from_the_output(model))
    for name, layer in layers_from_the_output(clone):
        original = originals.get(name)
        if original is not None and original.weights and not original.trainable:
            layer.set_weights(original.get_weights())
            layer.trainable = False
    return clone, None


def frozen_layers(model: Any) -> list[str]:
    """Paths of the layers of ``model`` that hold weights and are not trainable (kept by
    :func:`fresh_architecture`)."""
    return [name for name, layer in layers_from_the_output(model) if layer.weights and not layer.trainable]


@dataclass(frozen=True)
class RandomLabelModel:
    """A network trained on randomly permuted labels (Adebayo et al.'s data randomisation): the
    report's CNN, or a fresh copy of a loaded model's architecture.

    Attributes:
        model: the trained Keras model (outputs logits when ``outputs_logits``, else probabilities).
        epochs: epochs run.
        train_fit: share of its training images whose (random) label it predicts, dropout off.
        reached_target: True when ``train_fit`` reached the target before the epoch budget ran out.
        test_accuracy: accuracy on the real test labels (near chance, 0.1, if it only memorised).
        seconds: wall time of the training loop (fits and fit checks, not the test evaluation).
        labels: (images,) int64 the random labels it was trained on.
        fit_per_epoch: ``train_fit`` after each epoch.
        outputs_logits: whether ``model`` outputs logits (a loaded model of probabilities whose
            softmax cannot be removed is trained, and read, on its probabilities).
    """

    model: Any
    epochs: int
    train_fit: float
    reached_target: bool
    test_accuracy: float
    seconds: float
    labels: np.ndarray
    fit_per_epoch: tuple[float, ...]
    outputs_logits: bool = True


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
    architecture: Any = None,
    input_scale: InputScale = UNIT,
    output: str = "logits",
    classes: int = 10,
) -> RandomLabelModel:
    """Train a network on the first ``images`` training images with permuted labels.

    The network is the report's CNN (:func:`~generator.stages.model.build_cnn`) when
    ``architecture`` is None, else ``architecture`` itself: a fresh copy of a loaded model
    (:func:`fresh_architecture`), trained on its logits when its final softmax can be removed
    (``generator.attributions.logits_model``), else, for ``output`` "probabilities", on its
    probabilities. Same optimiser (Adam) and loss (sparse cross-entropy,
    :func:`~generator.stages.model.compile_cnn`) as the report's model, with the step size and
    batch given here: memorising labels that carry no signal takes many more steps than
    learning digits, so it gets a larger learning rate and smaller batches. No validation split
    (nothing to validate against random labels). After every epoch the model, in inference
    mode (dropout off), is scored on its own random labels; training stops as soon as it fits
    ``fit_target`` of them, or after ``max_epochs``. Images are fed in ``input_scale``, the
    scale the model reads.

    Args:
        dataset: the checked data.
        images: how many of the first training images to fit.
        learning_rate: Adam's step size.
        batch_size: images per step.
        fit_target: share of random labels to fit before stopping.
        max_epochs: epoch budget.
        seed: seeds the label permutation, the initial weights and the shuffling.
        log: receives one progress line per epoch.
        classes: K, the outputs of the report's CNN when ``architecture`` is None.

    Returns:
        The model and how far it got.
    """
    import keras

    from generator.attributions import logits_model

    if images < 1 or max_epochs < 1:
        raise ValueError(f"need at least one image and one epoch, got images={images}, max_epochs={max_epochs}")
    count = min(images, len(dataset.x_train))
    x = np.asarray(input_scale.apply(to_model_input(dataset.x_train[:count])), dtype=np.float32)
    labels = random_labels(dataset.y_train[:count], seed)
    seed_everything(seed)
    if architecture is None:
        model = build_cnn(input_shape=x.shape[1:], classes=classes)
        outputs_logits = True
    else:
        model = logits_model(architecture)
        outputs_logits = model is not architecture or output == "logits"
    if outputs_logits:
        compile_cnn(model, learning_rate)
    else:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False), metrics=["accuracy"])
    predict = _inference(model)
    fits: list[float] = []
    start = time.perf_counter()

    class FitCheck(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            fits.append(_accuracy(predict, x, labels))
            log(f"random labels: epoch {len(fits)}: fits {fits[-1]:.1%} of {count:,} random labels "
                f"({time.perf_counter() - start:.1f} s)")
            if fits[-1] >= fit_target:
                model.stop_training = True

    model.fit(x, labels, batch_size=batch_size, epochs=max_epochs, shuffle=True, verbose=0, callbacks=[FitCheck()])
    seconds = time.perf_counter() - start
    test_x = np.asarray(input_scale.apply(to_model_input(dataset.x_test)), dtype=np.float32)
    test_accuracy = _accuracy(predict, test_x, dataset.y_test)
    labels.setflags(write=False)
    return RandomLabelModel(model, len(fits), fits[-1], fits[-1] >= fit_target, test_accuracy, seconds,
                            labels, tuple(fits), outputs_logits)


def _inference(model: Any) -> Callable[[np.ndarray], Any]:
    """``model`` in inference mode (dropout off), compiled once: scoring the training images after
    every epoch eagerly cost about half of the random-label network's training time."""
    import tensorflow as tf

    return tf.function(lambda images: model(images, training=False), reduce_retracing=True)


def _accuracy(predict: Callable[[np.ndarray], Any], x: np.ndarray, labels: np.ndarray, chunk: int = 2000) -> float:
    """Share of images whose top score is their label."""
    hits = sum(int(np.sum(np.argmax(predict(x[i:i + chunk]), axis=1) == labels[i:i + chunk]))
               for i in range(0, len(x), chunk))
    return hits / len(x)


def random_label_network(model: Any, dataset: Dataset, settings: Any, log: Callable[[str], None]) -> tuple[Any, Any]:
    """Train the data-randomisation network (the report's CNN, or for a loaded model a fresh copy
    of its architecture) and return its gradient function, or None when it cannot be trained,
    with the facts the page states. ``model``: a :class:`~generator.stages.report_model.ReportModel`,
    or a Keras model read as ``settings`` say."""
    from generator import attributions as attr
    from generator.stages.report_model import ReportModel
    from generator.stages.trust_records import RandomLabelFacts

    report_model = ReportModel.of(model, settings)
    model, input_scale = report_model.model, report_model.input_scale

    trust, seed, output = settings.trust, settings.seed, settings.model.output
    loaded = bool(settings.train.model)
    facts = dict(architecture="clone" if loaded else "cnn", images=min(trust.random_label_images, len(dataset.y_train)),
                 learning_rate=trust.random_label_learning_rate, batch_size=trust.random_label_batch_size,
                 epoch_budget=trust.random_label_epochs)
    architecture, reason = fresh_architecture(model, seed) if loaded else (None, None)
    if reason is not None:
        log(f"trust: data randomisation skipped: {reason}")
        return None, RandomLabelFacts(**facts, epochs=0, train_fit=float("nan"), reached_target=False,
                                      test_accuracy=float("nan"), seconds=0.0, skipped=reason)
    what = "a fresh copy of the loaded model" if loaded else "the same network"
    log(f"trust: training {what} on {facts['images']:,} images with permuted labels")
    trained = train_on_random_labels(
        dataset, images=trust.random_label_images, learning_rate=trust.random_label_learning_rate,
        batch_size=trust.random_label_batch_size, max_epochs=trust.random_label_epochs, seed=seed, log=log,
        architecture=architecture, input_scale=input_scale if loaded else UNIT, output=output,
        classes=int(model.outputs[0].shape[-1]))
    log(f"trust: it fits {trained.train_fit:.0%} of its random labels after {trained.epochs} epochs; "
        f"test accuracy {trained.test_accuracy:.1%}")
    network = attr.with_softmax(trained.model) if output == "probabilities" and trained.outputs_logits else trained.model
    fn = attr.GradientFunction(network, chunk_size=settings.attribution.chunk_size,
                               input_scale=input_scale if loaded else UNIT, output=output)  # of log p_t like the model's
    return fn, RandomLabelFacts(**facts, epochs=trained.epochs, train_fit=trained.train_fit,
                                reached_target=trained.reached_target, test_accuracy=trained.test_accuracy,
                                seconds=trained.seconds)
