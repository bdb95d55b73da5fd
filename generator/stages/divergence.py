"""Training that diverges: the callback that stops it at the first non-finite epoch loss, the
check of the trained weights, and the one-line message both give (nothing is cached or published)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from generator.stages.model_error import ModelError

__all__ = ["TrainingDiverged", "check_finite_weights", "divergence_text", "rate_text", "stop_on_divergence"]


class TrainingDiverged(ModelError):
    """Training produced a non-finite loss or weights; nothing is cached or published from it."""


def rate_text(train: Any) -> str:
    """The learning rate as the model card says it, e.g. "Adam lr up to 0.005 (warm-up …)"."""
    if train.schedule == "constant":
        return f"Adam lr {train.learning_rate:g}"
    return f"Adam lr up to {train.learning_rate:g} (warm-up over {train.warmup:.0%} of the steps, then cosine to 0)"


def divergence_text(what: str, rate: str) -> str:
    return (f"training diverged: {what} ({rate}); nothing was published; lower train.learning_rate "
            "(or train.batch_size's effect on it), or check the training data")


def stop_on_divergence(rate: str) -> Any:
    """A Keras callback that stops training with :class:`TrainingDiverged` at the end of the first
    epoch whose mean loss is not finite (checked once per epoch: no cost per step)."""
    import keras

    class StopOnDivergence(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            loss = float((logs or {}).get("loss", 0.0))
            if not math.isfinite(loss):
                raise TrainingDiverged(divergence_text(f"the loss became {loss} in epoch {epoch + 1}", rate))

    return StopOnDivergence()


def check_finite_weights(model: Any, rate: str) -> None:
    """Raise :class:`TrainingDiverged` when a weight of the trained ``model`` is not finite."""
    broken = [weight.path for weight in model.weights if not np.all(np.isfinite(np.asarray(weight)))]
    if broken:
        raise TrainingDiverged(divergence_text(f"{len(broken)} weight tensor(s) are not finite, e.g. {broken[0]}",
                                               rate))
