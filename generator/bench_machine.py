"""The engine against the hardware: a model's FLOPs per image-step, counted from its layers, and
the float32 matrix-product rate this machine reaches, measured.

An image-step of Integrated Gradients is one forward pass and one backward pass to the input
(no weight gradients). Counted, as multiply-adds × 2:

- ``Conv2D``: forward 2 · H_out · W_out · k_h · k_w · C_in · C_out; the input gradient is a
  transposed convolution with the same count;
- ``Dense``: forward 2 · inputs · units; the input gradient the same.

Pooling, activations, biases and reshapes cost a few operations per element and are left out,
so the count is a lower bound of the work and the achieved rate an upper bound of the useful
rate. For the report's CNN the count is about 9.8 MFLOP per image-step, nine tenths of it
in the second convolution.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LayerFlops:
    """One counted layer: its name and the FLOPs of its forward pass and of its input gradient."""

    name: str
    forward: int
    backward: int


def layer_flops(model: Any) -> list[LayerFlops]:
    """The counted layers of a Keras model (see the module docstring), in order."""
    import keras

    counted = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            height, width, channels_out = (int(d) for d in layer.output.shape[1:])
            kh, kw, channels_in, _ = (int(d) for d in layer.kernel.shape)
            flops = 2 * height * width * kh * kw * channels_in * channels_out
            counted.append(LayerFlops(layer.name, flops, flops))
        elif isinstance(layer, keras.layers.Dense):
            inputs, units = (int(d) for d in layer.kernel.shape)
            flops = 2 * inputs * units
            counted.append(LayerFlops(layer.name, flops, flops))
    return counted


def flops_per_image_step(model: Any) -> int:
    """Forward plus input-gradient FLOPs of one image-step (see :func:`layer_flops`)."""
    return sum(layer.forward + layer.backward for layer in layer_flops(model))


def matmul_gflops(size: int = 2048, repeats: int = 5) -> float:
    """The float32 rate of a ``size`` × ``size`` matrix product on this machine (best of ``repeats``),
    in GFLOP/s: the peak the engine is compared with."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    a = tf.constant(rng.standard_normal((size, size), dtype=np.float32))
    b = tf.constant(rng.standard_normal((size, size), dtype=np.float32))
    product = tf.function(lambda x, y: tf.matmul(x, y))
    product(a, b).numpy()  # trace and warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        product(a, b).numpy()
        best = min(best, time.perf_counter() - start)
    return 2.0 * size**3 / best / 1e9
