"""Opt-in: the input gradient of an inner convolution in bfloat16.

For z = W ⋆ h + b the input gradient is ∂s/∂h = Wᵀ ⋆ ∂s/∂z (TensorFlow's
``Conv2DBackpropInput``). Here it is taken on bf16(W) and bf16(∂s/∂z), with float32
accumulation in oneDNN, and cast back to float32. The forward pass stays float32, so the
logits and every ReLU and pooling choice are exactly those of the float32 model; only the
gradient carries bfloat16 rounding (8 significant bits per factor).

On the report's CNN it makes the gradient call faster and leaves completeness errors as they
were, but it moves the maps (some refine to a different level), so it is off by default; its
results would also differ between machines with and without bfloat16 hardware. Running the whole
convolution in bfloat16 is faster still but moves the ReLU and pooling choices, and with them the
maps. The numbers: docs/performance.md ("What did not help").
"""

from __future__ import annotations

from typing import Any, Callable

from .input_convolution import plain_convolution


def bfloat16_gradient_affine(layer: Any) -> Callable[[Any], Any] | None:
    """h ↦ W ⋆ h + b of a :func:`~.input_convolution.plain_convolution` layer, whose input gradient
    is taken in bfloat16; None for any other layer."""
    import tensorflow as tf

    if not plain_convolution(layer):
        return None
    padding = layer.get_config()["padding"].upper()

    def affine(hidden: Any) -> Any:
        # Constants read once, outside the custom gradient, which then has no variables.
        kernel = tf.convert_to_tensor(layer.kernel)
        kernel_bf16 = tf.cast(kernel, tf.bfloat16)
        bias = tf.convert_to_tensor(layer.bias) if layer.use_bias else None

        @tf.custom_gradient
        def convolution(h: Any) -> Any:
            z = tf.nn.conv2d(h, kernel, strides=1, padding=padding)
            if bias is not None:
                z = z + bias

            def input_gradient(dz: Any) -> Any:
                dh = tf.nn.conv2d_transpose(tf.cast(dz, tf.bfloat16), kernel_bf16, tf.shape(h), strides=1, padding=padding)
                return tf.cast(dh, tf.float32)

            return z, input_gradient

        return convolution(hidden)

    return affine
