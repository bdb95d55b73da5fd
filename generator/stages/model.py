"""The CNN: definition, deterministic training with a cache, loading a user's model, evaluation."""

from __future__ import annotations

import hashlib
import json
import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from generator.plumbing.cache import file_sha256
from generator.plumbing.input_scale import UNIT, InputScale
from generator.stages.architecture import describe_model
from generator.stages.cnn import ARCHITECTURE, architecture_text, build_cnn, describe_cnn
from generator.stages.data import Dataset, to_model_input
from generator.stages.divergence import check_finite_weights, rate_text, stop_on_divergence
from generator.stages.model_error import ModelError
from generator.stages.keras_archive import load_error_text, load_keras, normalize_keras_archive, not_a_zip_text
from generator.stages.results import Evaluation, TrainingHistory
from generator.plumbing.settings import Settings

MODEL_FORMAT_VERSION = 1
"""Bump when the architecture or training code changes, so cached models are retrained."""


@dataclass(frozen=True)
class TrainedModel:
    """A ready model and where it came from.

    Attributes:
        model: the Keras model (outputs K scores; attributions use its logits).
        path: the .keras file behind it.
        sha256: hex sha256 of that file.
        history: training curves, or None for a loaded model.
        description: one line for the model card ("trained here …" or "loaded from …").
        reused: True when a cached model was loaded instead of training.
        architecture: the model card's layers line: :data:`ARCHITECTURE` for the CNN trained here,
            :func:`~generator.stages.architecture.describe_model` of a loaded model.
    """

    model: Any
    path: Path
    sha256: str
    history: TrainingHistory | None
    description: str
    reused: bool
    architecture: str = ARCHITECTURE


def learning_rate_schedule(peak: float, steps: int, warmup: float) -> Any:
    """Adam's learning rate per step: linear from peak / 10 to ``peak`` over the first ``warmup``
    share of the ``steps``, then a cosine down to 0 (Keras' CosineDecay with a warm-up)."""
    import keras

    warm = int(warmup * steps)
    return keras.optimizers.schedules.CosineDecay(peak / 10, decay_steps=max(steps - warm, 1), alpha=0.0,
                                                  warmup_target=peak, warmup_steps=warm)


def compile_cnn(model: Any, learning_rate: float | Any) -> None:
    """Compile for training on integer labels: Adam at ``learning_rate`` (a number or a schedule,
    see :func:`learning_rate_schedule`), cross-entropy on the logits."""
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )


def training_key(data_sha256: str, settings: Settings) -> str:
    """Hash of everything that determines the trained weights."""
    train = settings.to_dict()["train"]
    train.pop("model")
    payload = {"data": data_sha256, "train": train, "seed": settings.seed, "format": MODEL_FORMAT_VERSION}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def seed_everything(seed: int) -> None:
    """Python, NumPy and TensorFlow seeds from one number, and deterministic TF ops."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def fitted_images(count: int, validation_split: float) -> int:
    """How many of ``count`` images ``model.fit(validation_split=…)`` trains on: Keras holds out
    the last ``count − floor(count × (1 − validation_split))`` for validation."""
    return int(math.floor(count * (1.0 - validation_split))) if validation_split else count


def training_description(settings: Settings, available: int) -> str:
    """The model card's origin line for a model trained here on ``available`` training images."""
    train = settings.train
    count = min(train.train_subset, available) if train.train_subset else available
    fitted = fitted_images(count, train.validation_split)
    held_out = (f" (the other {count - fitted:,} of {count:,} held out for validation)"
                if fitted < count else "")
    return (f"trained here: {train.epochs} epoch(s), batch {train.batch_size}, {rate_text(train)}, "
            f"seed {settings.seed}, {fitted:,} training images{held_out}")


def train_model(
    dataset: Dataset, settings: Settings, log: Callable[[str], None] = print
) -> TrainedModel:
    """Train the CNN, or reuse the cached model trained on the same data and settings."""
    key = training_key(dataset.sha256, settings)
    directory = Path(settings.output.cache_dir) / "models"
    path = directory / f"cnn-{key}.keras"
    history_path = directory / f"cnn-{key}.history.json"
    train = settings.train
    description = training_description(settings, len(dataset.x_train))
    hash_path = directory / f"cnn-{key}.keras.sha256"
    cached = _load_cached(path, history_path, hash_path, log)
    if cached is not None:
        model, history = cached
        log(f"model: reusing cached {path} (same data and training settings)")
        return TrainedModel(model, path, file_sha256(path), history, description, reused=True,
                            architecture=describe_cnn(model))

    seed_everything(settings.seed)
    count = min(train.train_subset, len(dataset.x_train)) if train.train_subset else len(dataset.x_train)
    x = to_model_input(dataset.x_train[:count])
    y = dataset.y_train[:count]
    shape, classes = tuple(int(d) for d in x.shape[1:]), len(settings.data.class_names)
    model = build_cnn(shape, classes)  # the data's shape and K
    fitted = fitted_images(count, train.validation_split)
    steps = train.epochs * -(-fitted // train.batch_size)
    compile_cnn(model, train.learning_rate if train.schedule == "constant" else
                learning_rate_schedule(train.learning_rate, steps, train.warmup))
    log(f"model: training on {count} images for {train.epochs} epoch(s) ({fitted} fitted, {count - fitted} for "
        f"validation; cache key {key})")
    fit = model.fit(
        x, y, batch_size=train.batch_size, epochs=train.epochs,
        validation_split=train.validation_split, shuffle=True, verbose=2,
        callbacks=[stop_on_divergence(rate_text(train))],
    )
    check_finite_weights(model, rate_text(train))
    history = TrainingHistory(**{k: [float(v) for v in fit.history.get(k, [])] for k in (
        "loss", "accuracy", "val_loss", "val_accuracy")})
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.partial-*.keras"):  # left by a build killed while saving (we hold the lock)
        stale.unlink(missing_ok=True)
    partial = path.with_suffix(f".partial-{os.getpid()}.keras")
    try:
        model.save(partial)
        normalize_keras_archive(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    history_path.write_text(json.dumps(history.__dict__, sort_keys=True))
    hash_path.write_text(file_sha256(path) + "\n")
    return TrainedModel(model, path, file_sha256(path), history, description, reused=False,
                        architecture=architecture_text(shape, classes))


def _load_cached(path: Path, history_path: Path, hash_path: Path,
                 log: Callable[[str], None]) -> tuple[Any, TrainingHistory] | None:
    """The cached model and its curves, or None when absent or not matching its recorded hash."""
    if not path.is_file():
        return None
    try:
        if file_sha256(path) != hash_path.read_text().strip():
            raise ValueError("its sha256 does not match the one recorded when it was saved")
        history = TrainingHistory(**json.loads(history_path.read_text()))
        return load_keras(path), history
    except Exception as error:  # a damaged entry is retrained, never trusted
        log(f"model: cached {path.name} is unusable ({str(error).splitlines()[0] if str(error) else type(error).__name__}); retraining")
        return None


def load_user_model(path: Path, input_scale: InputScale = UNIT) -> TrainedModel:
    """Load a user's .keras model (safe mode: no arbitrary code) and check its shapes;
    ``input_scale`` (how it reads pixels) goes into its description."""
    if not path.is_file():
        raise ModelError(f"model file not found: {path}; pass an existing .keras file to --model")
    if path.suffix != ".keras":
        raise ModelError(f"model file {path} is not a .keras archive; save it with model.save('name.keras')")
    if not zipfile.is_zipfile(path):  # Keras would say "File not found" for a file that exists
        raise ModelError(f"cannot load model {path}: {not_a_zip_text(path)}; save the model with "
                         "model.save('name.keras')")
    try:
        model = load_keras(path)
    except Exception as error:  # Keras raises many types for broken archives
        raise ModelError(load_error_text(path, str(error).strip() or type(error).__name__)) from None
    check_model_shapes(model, path)
    mismatch = input_scale.channel_error(int(model.inputs[0].shape[-1]))
    if mismatch is not None:
        raise ModelError(f"{mismatch} (model {path})")
    reads = "" if input_scale == UNIT else f", reading {input_scale.formula}"
    return TrainedModel(model, path, file_sha256(path), None, f"loaded from {path.name}{reads}", reused=True,
                        architecture=describe_model(model))


def shape_text(shape: tuple[int, ...]) -> str:
    """``28×28×1`` for an image shape (H, W, C)."""
    return "×".join(str(d) for d in shape)


def check_model_shapes(model: Any, path: Path, image_shape: tuple[int, ...] = (28, 28, 1), classes: int = 10) -> None:
    """Raise :class:`ModelError`, in one line, when ``model`` does not read (H, W, C) images of the
    data's ``image_shape`` or does not output one score for each of the data's ``classes``."""
    inputs = tuple(model.inputs[0].shape[1:])
    outputs = tuple(model.outputs[0].shape[1:])
    image_shape = tuple(int(d) for d in image_shape)
    if inputs != image_shape:
        said = shape_text(inputs) if all(isinstance(d, int) for d in inputs) else str(inputs)
        raise ModelError(f"{path.name} expects {said} inputs; the data are {shape_text(image_shape)} "
                         f"(model {path})")
    if len(outputs) != 1:
        raise ModelError(f"{path.name} outputs shape {outputs}; it should output one score per class, "
                         f"({classes},) (model {path})")
    if outputs[0] != classes:
        raise ModelError(f"the model has {outputs[0]} outputs; the data have {classes} classes (model {path})")


def evaluate(model: Any, dataset: Dataset, classes: int | None = None, batch_size: int = 1000,
             input_scale: InputScale = UNIT, output: str = "logits") -> Evaluation:
    """Accuracy, per-class accuracy, confusion matrix and per-image predictions on the test split,
    fed to the model in its ``input_scale``. Confidences are class probabilities and margins the
    gap between the top two attributed scores (:func:`~generator.attributions.scoring_model`):
    logits, or for ``output`` "probabilities" log-probabilities, whose probabilities are the
    model's own. ``classes`` (K) defaults to the model's number of outputs; a per-channel
    ``input_scale`` applies along the images' last axis.

    Raises:
        ModelOutputError: a score is not finite (a report of NaN scores is never published).
        ModelError: ``classes`` differs from the model's outputs, or a test label is not below it.
    """
    from generator.attributions import scoring_model
    from generator.stages.model_output import ModelOutputError, class_probabilities, non_finite_text

    images = input_scale.apply(to_model_input(dataset.x_test))
    scores = scoring_model(model, output).predict(images, batch_size=batch_size, verbose=0).astype(np.float64)
    bad = non_finite_text(scores, f"the {len(scores):,} test images")
    if bad is not None:
        raise ModelOutputError(bad)
    classes = scores.shape[1] if classes is None else classes
    if scores.shape[1] != classes:
        raise ModelError(f"the model has {scores.shape[1]} outputs; the data have {classes} classes")
    if len(dataset.y_test) and int(dataset.y_test.max()) >= classes:
        raise ModelError(f"the model has {classes} outputs; the data have labels up to {int(dataset.y_test.max())}")
    probabilities = class_probabilities(scores, output)
    predictions = probabilities.argmax(axis=1)
    truth = dataset.y_test.astype(np.int64)
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (truth, predictions), 1)
    images_per_class = confusion.sum(axis=1)  # a class without test images has no accuracy: NaN, shown "—"
    per_class = np.divide(np.diag(confusion), images_per_class, out=np.full(classes, np.nan),
                          where=images_per_class > 0)
    return Evaluation(
        accuracy=float(np.mean(predictions == truth)),
        per_class_accuracy=per_class,
        confusion=confusion,
        predictions=predictions,
        confidences=probabilities.max(axis=1),
        margins=np.diff(np.sort(scores, axis=1)[:, -2:], axis=1)[:, 0],
    )
