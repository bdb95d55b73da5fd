"""A faster input gradient for models that open with a convolution.

The input gradient of a first convolution z = W ⋆ x + b is the transposed convolution
∂s/∂x = Wᵀ ⋆ ∂s/∂z. TensorFlow computes it with ``Conv2DBackpropInput``, which on CPU is
slow when the input has one channel (MNIST): for the report's CNN that one op cost a third of
the whole gradient call, more than twice as much as the same product written as a matrix multiply
and a sum of shifted copies (col2im) (docs/performance.md).

The matrix multiply puts the kernel offset (i, j) first, P = W_cols · ∂s/∂zᵀ of shape
(kh, kw, C_in, n, H_out, W_out), so each shifted copy P[i, j] is a contiguous block: faster
alone than slicing every ninth column of an (n, H_out, W_out, kh·kw·C_in) product, though the
whole gradient call gained little, since the slices partly overlapped with other work.

:func:`input_convolution_layer` finds such a first layer in a ``keras.Sequential`` model;
:func:`input_convolution` is its affine part with the col2im gradient. Only the input
gradient is defined: the kernel is a constant here, never trained.
"""

from __future__ import annotations

from typing import Any


def plain_convolution(layer: Any) -> bool:
    """Whether ``layer`` is a channels-last ``Conv2D`` with stride 1, no dilation, one group,
    "valid" or "same" padding, computing in float32: the convolutions whose input gradient this
    package writes itself (here and in :mod:`.bfloat16_convolution`)."""
    import keras

    if type(layer) is not keras.layers.Conv2D:
        return False
    config = layer.get_config()
    return (
        tuple(config["strides"]) == (1, 1)
        and tuple(config["dilation_rate"]) == (1, 1)
        and config["groups"] == 1
        and config["data_format"] == "channels_last"
        and config["padding"] in ("valid", "same")
        and layer.compute_dtype == "float32"
    )


def input_convolution_layer(model: Any) -> Any | None:
    """The first layer of a ``keras.Sequential`` when it is a :func:`plain_convolution` (the
    col2im gradient applies), else None."""
    import keras

    if not isinstance(model, keras.Sequential) or not model.layers:
        return None
    return model.layers[0] if plain_convolution(model.layers[0]) else None


def input_convolution(images: Any, layer: Any) -> Any:
    """The pre-activation W ⋆ x + b of ``layer`` (see :func:`input_convolution_layer`),
    with the col2im input gradient."""
    import tensorflow as tf

    # Constants read once, outside the custom gradient, which then has no variables.
    kernel = tf.convert_to_tensor(layer.kernel)
    kh, kw, channels_in, channels_out = (int(d) for d in kernel.shape)
    if layer.padding == "same":  # TensorFlow's "same": the odd pixel of padding goes last
        top, left = (kh - 1) // 2, (kw - 1) // 2
        images = tf.pad(images, [[0, 0], [top, kh - 1 - top], [left, kw - 1 - left], [0, 0]])
    # (kh·kw·C_in, C_out): row (i, j, c) holds what input channel c at offset (i, j) gives each output channel.
    kernel_cols = tf.reshape(kernel, (-1, channels_out))
    bias = tf.convert_to_tensor(layer.bias) if layer.use_bias else None

    @tf.custom_gradient
    def affine(x: Any) -> Any:
        z = tf.nn.conv2d(x, kernel, strides=1, padding="VALID")
        if bias is not None:
            z = z + bias

        def input_gradient(dz: Any) -> Any:
            n, height, width = tf.shape(dz)[0], tf.shape(dz)[1], tf.shape(dz)[2]
            # Each output pixel sends W · dz back to its kh × kw input patch ...
            patches = tf.reshape(tf.matmul(kernel_cols, tf.reshape(dz, (-1, channels_out)), transpose_b=True),
                                 (kh, kw, channels_in, n, height, width))
            # ... and each input pixel sums what its patches sent (col2im).
            dx = 0
            for i in range(kh):
                for j in range(kw):
                    dx += tf.pad(patches[i, j], [[0, 0], [0, 0], [i, kh - 1 - i], [j, kw - 1 - j]])
            return tf.transpose(dx, (1, 2, 3, 0))  # (C_in, n, H, W) → (n, H, W, C_in)

        return z, input_gradient

    return affine(images)
