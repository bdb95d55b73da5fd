"""The engine against the hardware: a model's FLOPs per image-step, counted from its layers, and
the float32 matrix-product rate this machine reaches, measured.

An image-step of Integrated Gradients is one forward pass and one backward pass to the input
(no weight gradients). Counted, as multiply-adds × 2:

- ``Conv2D``: forward 2 · H_out · W_out · k_h · k_w · C_in · C_out; the input gradient is a
  transposed convolution with the same count;
- ``Dense``: forward 2 · inputs · units; the input gradient the same.

Pooling, activations, biases and reshapes cost a few operations per element and are left out.
For the report's CNN the model's count is about 9.8 MFLOP per image-step, nine tenths of it in
the second convolution. The engine performs less (:func:`performed_flops_per_image_step`): it
runs the layers on the part of the image the model reads (26 × 26 of 28 × 28,
:mod:`generator.attributions.engine.unread_border`), and along a straight path it takes the first
convolution once per image (:mod:`generator.attributions.engine.straight_path`), and with the sweep the
second convolution only where a unit switches (:mod:`generator.attributions.engine.switch_sweep`). The achieved rate is
computed on the performed count, so it is not flattered by the work the engine skips.
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


def layer_flops(model: Any, read: tuple[int, int] | None = None) -> list[LayerFlops]:
    """The counted layers of a Keras model (see the module docstring), in order; with ``read``
    (rows, columns), as they run on that top-left part of the input."""
    import keras

    shapes = [tuple(int(d) for d in layer.output.shape[1:]) for layer in model.layers]
    if read is not None:  # run the layers on one image of the read size to get their output shapes
        hidden = np.zeros((1, *read, int(model.inputs[0].shape[-1])), np.float32)
        shapes = []
        for layer in model.layers:
            hidden = layer(hidden)
            shapes.append(tuple(int(d) for d in hidden.shape[1:]))
    counted = []
    for layer, shape in zip(model.layers, shapes):
        if isinstance(layer, keras.layers.Conv2D):
            height, width, channels_out = shape
            kh, kw, channels_in, _ = (int(d) for d in layer.kernel.shape)
            flops = 2 * height * width * kh * kw * channels_in * channels_out
            counted.append(LayerFlops(layer.name, flops, flops))
        elif isinstance(layer, keras.layers.Dense):
            inputs, units = (int(d) for d in layer.kernel.shape)
            flops = 2 * inputs * units
            counted.append(LayerFlops(layer.name, flops, flops))
    return counted


def flops_per_image_step(model: Any) -> int:
    """The model's forward plus input-gradient FLOPs of one image-step (see :func:`layer_flops`)."""
    return sum(layer.forward + layer.backward for layer in layer_flops(model))


def performed_flops_per_image_step(grad_fn: Any, steps: int) -> float:
    """The FLOPs per image-step the engine performs for IG at ``steps`` nodes from a one-colour
    baseline: the layers on the part of the input the model reads; with the straight-path
    shortcut the first convolution once per image (forward on x′ and on x − x′, one input
    gradient) instead of once per step; and with the sweep (:mod:`generator.attributions.engine.switch_sweep`)
    per image the first convolution once more forward, the second twice forward and once back, the
    head once back and three kernel slices per switch (the mean of the sweep's last run), and per
    step z = A + α M."""
    from generator.attributions.engine.unread_border import read_extent

    layers = layer_flops(grad_fn.model, read_extent(grad_fn.model))
    if grad_fn.path == "general":
        return float(sum(layer.forward + layer.backward for layer in layers))
    first, rest = layers[0], layers[1:]
    if grad_fn.path == "straight":
        return sum(layer.forward + layer.backward for layer in rest) + (2 * first.forward + first.backward) / steps
    second, head = rest[0], rest[1:]
    kernel_rows, kernel_cols, inputs, outputs = (int(d) for d in grad_fn.model.layers[2].kernel.shape)
    sweep = grad_fn.straight_path_sums
    switches = float(np.mean(sweep.switches)) if len(sweep.switches) else 0.0
    per_image = (3 * first.forward + first.backward + 2 * second.forward + second.backward
                 + sum(layer.backward for layer in head) + switches * 6 * kernel_rows * kernel_cols * outputs)
    z_elements = second.forward / (2 * kernel_rows * kernel_cols * inputs)  # H · W · C_out of the second convolution
    return per_image / steps + 2 * z_elements


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
