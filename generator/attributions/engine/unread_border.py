"""The border of the input a CNN never reads, cut off before the gradient is taken.

A "valid" convolution or pooling with kernel k, stride s and dilation d reads input rows
0 … (m − 1)·s + d·(k − 1) of its m output rows; a pooling whose window does not fit a last
row drops it (floor). So some right and bottom rows of the input may reach no output. In the
report's CNN (28 → conv 3 → 26 → pool 2 → 13 → conv 3 → 11 → pool 2 → 5) the second pooling
drops row 10 of the 11, which drops row 12 of the first pooling's 13, hence rows 24–25 of the
first convolution's 26 and image rows 26–27: the model reads only the top-left 26 × 26 pixels.

Cropping the image to that extent first computes the same logits (each layer then produces
exactly the rows the next one reads) with every layer ~15% smaller, and the gradient of the
unread pixels is exactly 0 (what it saves: docs/performance.md). TensorFlow's gradient of the
slice (``StridedSliceGrad``) costs a noticeable share of that, so :func:`crop_top_left` pads the
gradient back itself.
"""

from __future__ import annotations

from typing import Any

ELEMENTWISE = ("Dropout", "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax", "GaussianNoise",
               "GaussianDropout", "AlphaDropout", "SpatialDropout2D", "Rescaling", "BatchNormalization")
"""Layers that keep each pixel where it is (the extent they read is the extent they give)."""

WINDOWED = ("Conv2D", "MaxPooling2D", "AveragePooling2D")


def _window(layer: Any) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]] | None:
    """(kernel, strides, dilation) of a channels-last "valid" convolution or pooling, else None."""
    config = layer.get_config()
    if config.get("padding") != "valid" or config.get("data_format", "channels_last") != "channels_last":
        return None
    if type(layer).__name__ == "Conv2D":
        return tuple(config["kernel_size"]), tuple(config["strides"]), tuple(config["dilation_rate"])
    pool = tuple(config["pool_size"])
    return pool, tuple(config["strides"] or pool), (1, 1)


def read_extent(model: Any) -> tuple[int, int] | None:
    """(rows, columns) of the top-left part of the input that a ``keras.Sequential``'s output
    depends on, when that is less than the whole input; None when it is all of it, or when a
    layer before the first ``Flatten`` is not a "valid" Conv2D / pooling or an elementwise layer."""
    import keras

    if not isinstance(model, keras.Sequential) or len(model.inputs[0].shape) != 4:
        return None
    spatial: list[tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = []
    for layer in model.layers:
        name = type(layer).__name__
        if name == "Flatten":
            break
        if name in WINDOWED and (window := _window(layer)) is not None:
            spatial.append(window)
        elif name not in ELEMENTWISE:
            return None
    else:
        return None  # no Flatten: the output may be spatial, every pixel read
    height, width = (int(d) for d in model.inputs[0].shape[1:3])
    sizes = [(height, width)]
    for kernel, strides, dilation in spatial:
        sizes.append(tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(sizes[-1], kernel, strides, dilation)))
    # Backwards from the Flatten, which reads all it is given: m outputs read (m − 1)·s + d·(k − 1) + 1 inputs.
    read = sizes[-1]
    for kernel, strides, dilation in reversed(spatial):
        read = tuple((m - 1) * s + d * (k - 1) + 1 for m, k, s, d in zip(read, kernel, strides, dilation))
    return None if read == (height, width) else (int(read[0]), int(read[1]))


def crop_top_left(images: Any, rows: int, columns: int) -> Any:
    """images[:, :rows, :columns, :], whose gradient is the incoming one padded with zeros."""
    import tensorflow as tf

    @tf.custom_gradient
    def crop(x: Any) -> Any:
        def gradient(dy: Any) -> Any:
            height, width = tf.shape(x)[1], tf.shape(x)[2]
            return tf.pad(dy, [[0, 0], [0, height - rows], [0, width - columns], [0, 0]])

        return x[:, :rows, :columns, :], gradient

    return crop(images)
