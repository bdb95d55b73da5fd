"""ReLU after the max pooling instead of before: the same function on a 4× smaller tensor.

ReLU is non-decreasing, so it commutes with a maximum: max_k ReLU(z_k) = ReLU(max_k z_k), and
MaxPool(ReLU(z)) = ReLU(MaxPool(z)) for any pooling window. The gradient is the same too: where
the window's maximum is positive both route ∂s/∂z to the same (first) maximal z_k; where it is
≤ 0 both give 0 (ReLU's gradient at the pooled value, or at every z_k). Pooling first, the ReLU
and its gradient touch a quarter of the elements (2×2 pooling), and the pooling and its
gradient cost the same. What it saves (docs/performance.md) is mostly the ``ReluGrad`` of the
first convolution's 26×26×32 output.

:func:`layer_steps` lists a ``keras.Sequential``'s layers as functions applied in turn, with
Conv2D(activation="relu") → MaxPooling2D rewritten as affine part → pooling → ReLU.
"""

from __future__ import annotations

from typing import Any, Callable

Step = Callable[[Any], Any]


def relu_then_max_pooling(layer: Any, following: Any) -> bool:
    """Whether ``layer`` is a float32, channels-last Conv2D with a ReLU activation followed by a MaxPooling2D."""
    import keras

    return (type(layer) is keras.layers.Conv2D and layer.activation is keras.activations.relu
            and layer.data_format == "channels_last" and layer.compute_dtype == "float32"
            and type(following) is keras.layers.MaxPooling2D)


def convolution_affine(layer: Any) -> Step:
    """x ↦ W ⋆ x + b of a channels-last Conv2D, without its activation."""
    def affine(hidden: Any) -> Any:
        z = layer.convolution_op(hidden, layer.kernel)
        return z + layer.bias if layer.use_bias else z

    return affine


def layer_steps(layers: list[Any], first_affine: Step | None = None,
                inner_affine: Callable[[Any], Step | None] | None = None) -> list[Step]:
    """Functions that, applied in turn, compute ``layers`` (in inference mode).

    Args:
        layers: a ``keras.Sequential``'s layers.
        first_affine: when given, the first layer's affine part (its activation is applied
            after it, or after the pooling that follows it).
        inner_affine: when given, the affine part of any later layer, or None where it does
            not apply (e.g. :func:`~.bfloat16_convolution.bfloat16_gradient_affine`).
    """
    import tensorflow as tf

    steps: list[Step] = []
    index = 0
    while index < len(layers):
        layer = layers[index]
        following = layers[index + 1] if index + 1 < len(layers) else None
        if index == 0:
            affine = first_affine
        else:
            affine = inner_affine(layer) if inner_affine is not None else None
        if relu_then_max_pooling(layer, following):
            steps += [affine or convolution_affine(layer), lambda h, pooling=following: pooling(h), tf.nn.relu]
            index += 2
            continue
        if affine is not None:
            steps += [affine, layer.activation]
        else:
            steps.append(lambda h, layer=layer: layer(h, training=False))
        index += 1
    return steps
