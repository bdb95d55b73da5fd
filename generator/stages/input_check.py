"""Before anything is computed for a loaded model: does it read the pixels in the scale it is given?

A model fed another scale than the one it was trained on — pixels 0..255 to a model that
divides by 255 itself, or pixel/255 to one trained on standardised inputs — still outputs ten
scores, but worse ones, and every map would explain a model shown images unlike any it learned
from. So the model's accuracy is measured on the first :data:`CHECK_IMAGES` test images in the
scale set (``model.input``) and in each common scale
(:data:`~generator.plumbing.input_scale.CANDIDATES`), and the build stops with one line naming
them (:func:`verdict`) when

- the accuracy in the scale set is near chance: at most :func:`chance_limit` (20% for 10
  classes), or
- another common scale scores at least :data:`BETTER_SCALE_MARGIN` higher. Near chance alone is
  not enough: a small dense model with ``Rescaling(1/255)``, trained on bytes to 88%, scored 23%
  when fed pixel/255 (above twice chance), and one trained on standardised pixels scored 89%
  standardised but 79% fed pixel/255.

``model.allow_low_accuracy`` turns the stop into a warning. Nothing has been published at that
point, so the site already there is untouched.

The same scores, in the scale set, are then checked against ``model.output``
(:func:`~generator.stages.model_output.output_verdict`): a model that outputs probabilities while
the settings say logits (or the reverse), or outputs that are not finite, stop the build whatever
``model.allow_low_accuracy`` says. The scores are the logits model's (a final softmax removed) for
"logits", the model's own outputs for "probabilities" (:func:`probe_model`).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from generator.plumbing.input_scale import CANDIDATES, InputScale
from generator.plumbing.numbers import percent
from generator.stages.data import Dataset, to_model_input
from generator.stages.model import ModelError
from generator.stages.model_output import ModelOutputError, output_verdict

CHECK_IMAGES = 1000
"""Test images (the first ones) the check scores; a few hundred per class would do, this takes a second."""
NEAR_CHANCE_MARGIN = 0.1
"""Accuracy above chance (1/K) a model must beat, beside twice chance; see :func:`chance_limit`."""
BETTER_SCALE_MARGIN = 0.05
"""How much higher another scale must score to be named instead: 50 of 1,000 images, far beyond
sampling noise (a model fed its own scale scores best)."""


class InputScaleError(ModelError):
    """A loaded model whose accuracy is near chance in the input scale set."""


def chance_limit(classes: int) -> float:
    """The accuracy at or below which a model counts as guessing: max(2/K, 1/K + 0.1) for K classes
    (20% for MNIST's 10; a model trained on MNIST in the right scale scores well above 90%)."""
    return max(2.0 / classes, 1.0 / classes + NEAR_CHANCE_MARGIN)


def probe_model(model: Any, output: str) -> Any:
    """The model whose outputs the check scores and inspects: the logits model (a final softmax
    removed, :func:`~generator.attributions.logits_model`) for ``output`` "logits", the model
    itself, whose rows should be probabilities, for "probabilities"."""
    from generator.attributions import logits_model

    return logits_model(model) if output == "logits" else model


def scores(model: Any, unit_images: np.ndarray, scale: InputScale) -> np.ndarray:
    """(N, K) outputs of ``model`` for (N, H, W, C) pixel/255 images fed in ``scale``."""
    return np.asarray(model.predict(scale.apply(unit_images), batch_size=500, verbose=0))


def top_score_accuracy(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Share of rows of (N, K) ``outputs`` whose top score is their label."""
    return float(np.mean(np.argmax(outputs, axis=1) == labels))


def setting_text(scale: InputScale) -> str:
    """How to set ``scale``, in the settings file and as a flag."""
    if scale.label in ("unit", "byte"):
        return f'model.input = "{scale.label}" (or --model-input {scale.label})'
    if scale.channels is not None:
        means, stds = (", ".join(f"{v:g}" for v in values) for values in (scale.mean, scale.std))
        return (f"model.input = {{ mean = [{means}], std = [{stds}] }} "
                f"(or --model-input {means.replace(' ', '')}/{stds.replace(' ', '')})")
    return (f"model.input = {{ mean = {scale.mean:g}, std = {scale.std:g} }} "
            f"(or --model-input {scale.mean:g},{scale.std:g})")


def verdict(accuracies: dict[InputScale, float], chosen: InputScale, classes: int, images: int) -> str | None:
    """None when ``chosen`` is the scale to use, else the one-line message saying which scale works
    (or, when none does, every accuracy measured and what to check)."""
    limit = chance_limit(classes)
    said = f'model accuracy {percent(accuracies[chosen], 0)} with input "{chosen.label}"'
    others = {scale: value for scale, value in accuracies.items() if scale != chosen}
    best = max(others, key=others.__getitem__, default=None)
    if best is not None and others[best] > limit and others[best] >= accuracies[chosen] + BETTER_SCALE_MARGIN:
        return f'{said}; with "{best.label}" it is {percent(others[best], 0)}: set {setting_text(best)}'
    if accuracies[chosen] > limit:
        return None
    tried = ", ".join(f'"{scale.label}" {percent(value, 0)}' for scale, value in others.items())
    return (f"{said} ({tried}): at or below {percent(limit, 0)} (near chance) on the first {images:,} test "
            "images in every input scale tried; check that the model was trained on these classes, set "
            "model.input to its scale, or pass --allow-low-accuracy to build anyway")


def check_input_scale(model: Any, dataset: Dataset, chosen: InputScale, allow_low_accuracy: bool,
                      log: Callable[[str], None], classes: int | None = None,
                      output: str = "logits") -> dict[InputScale, float]:
    """Measure the loaded model's accuracy in ``chosen`` and in every candidate scale, and check that
    its outputs in ``chosen`` are what ``output`` (``model.output``) says. Chance is 1/K for
    ``classes`` K, by default the model's number of outputs; images have the data's shape and a
    per-channel scale applies along their last axis.

    Returns:
        input scale → accuracy on the first :data:`CHECK_IMAGES` test images, ``chosen`` first.

    Raises:
        ModelOutputError: the outputs are not finite, or not what ``output`` says.
        InputScaleError: :func:`verdict` has a message and ``allow_low_accuracy`` is off.
    """
    images = to_model_input(dataset.x_test[:CHECK_IMAGES])
    labels = dataset.y_test[:CHECK_IMAGES]
    probe = probe_model(model, output)
    outputs = {scale: scores(probe, images, scale) for scale in dict.fromkeys((chosen, *CANDIDATES))}
    found = output_verdict(outputs[chosen], output)
    if found is not None:
        raise ModelOutputError(found)
    accuracies = {scale: top_score_accuracy(values, labels) for scale, values in outputs.items()}
    log(f"model: accuracy on the first {len(labels):,} test images: " + ", ".join(
        f'{percent(value)} with input "{scale.label}"' for scale, value in accuracies.items()))
    classes = int(outputs[chosen].shape[1]) if classes is None else classes
    message = verdict(accuracies, chosen, classes, len(labels))
    if message is not None:
        if not allow_low_accuracy:
            raise InputScaleError(message)
        log(f"model: warning: {message} (going on: model.allow_low_accuracy is set)")
    return accuracies
