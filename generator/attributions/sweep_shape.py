"""Which models the sweep of :mod:`.switch_sweep` applies to (no numba import here)."""

from __future__ import annotations

from typing import Any

from .input_convolution import plain_convolution
from .relu_after_pooling import relu_then_max_pooling

LINEAR_HEAD = ("Flatten", "Dropout", "Reshape")
"""Layers that pass their input on unchanged in inference, or only reshaped."""


def sweep_applies(model: Any) -> bool:
    """Whether, after a :func:`~.straight_path.pooled_first_convolution`, the model is
    Conv2D(valid, stride 1, ReLU) → MaxPooling2D(windows that tile) → linear layers only."""
    import keras

    layers = getattr(model, "layers", [])
    if len(layers) < 5:
        return False
    second, pooling, head = layers[2], layers[3], layers[4:]
    return (plain_convolution(second) and second.padding == "valid" and relu_then_max_pooling(second, pooling)
            and pooling.padding == "valid" and pooling.data_format == "channels_last"
            and tuple(pooling.strides) == tuple(pooling.pool_size)
            and all(type(layer).__name__ in LINEAR_HEAD or (type(layer) is keras.layers.Dense
                                                             and layer.activation is keras.activations.linear)
                    for layer in head))
