"""The col2im input gradient of a first convolution, against a closed form and TensorFlow's own."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from tests.helpers.keras_models import functional_copy  # noqa: E402
from generator.attributions import gradient  # noqa: E402
from generator.attributions.engine.input_convolution import input_convolution_layer  # noqa: E402

RNG = np.random.default_rng(7)


def conv_dense(shape, filters, kernel, padding, use_bias=True):
    model = keras.Sequential([
        keras.Input(shape),
        keras.layers.Conv2D(filters, kernel, padding=padding, use_bias=use_bias),
        keras.layers.Flatten(),
        keras.layers.Dense(4),
    ])
    model.set_weights([RNG.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def closed_form_gradient(model, target, padding):
    """∂logit_t/∂x of Conv(linear) → Dense, by hand: each output pixel (p, q) sends
    W[i, j, :, :] · G[p, q, :] to input pixel (p + i, q + j) of the padded image, where G is
    the Dense row of the target reshaped to the convolution's output."""
    conv, dense = model.layers[0], model.layers[-1]
    kernel = conv.get_weights()[0]
    kh, kw = kernel.shape[:2]
    height, width, _ = model.inputs[0].shape[1:]
    out = conv.compute_output_shape((1, height, width, kernel.shape[2]))[1:]
    g = dense.get_weights()[0][:, target].reshape(out)
    top, left = ((kh - 1) // 2, (kw - 1) // 2) if padding == "same" else (0, 0)
    padded = np.zeros((out[0] + kh - 1, out[1] + kw - 1, kernel.shape[2]))
    for p in range(out[0]):
        for q in range(out[1]):
            padded[p:p + kh, q:q + kw] += kernel @ g[p, q]
    return padded[top:top + height, left:left + width]


@pytest.mark.parametrize("shape, kernel, padding, use_bias", [
    ((9, 8, 1), 3, "valid", True),
    ((7, 9, 3), (4, 2), "same", True),
    ((6, 6, 2), 2, "same", False),
])
def test_first_convolution_gradient_matches_closed_form(shape, kernel, padding, use_bias):
    model = conv_dense(shape, 5, kernel, padding, use_bias)
    assert input_convolution_layer(model) is not None
    images = RNG.uniform(size=(3, *shape)).astype(np.float32)
    targets = np.array([0, 3, 1])
    grads = gradient(model, images, targets)
    for grad, target in zip(grads, targets):
        np.testing.assert_allclose(grad, closed_form_gradient(model, target, padding), rtol=1e-4, atol=1e-5)


def test_relu_network_agrees_with_tensorflows_convolution_gradient():
    """The same ReLU CNN as a Sequential (col2im path) and as a functional model (TensorFlow's
    Conv2DBackpropInput): gradients agree to float32 rounding."""
    sequential = keras.Sequential([
        keras.Input((12, 12, 1)),
        keras.layers.Conv2D(6, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(3),
    ])
    sequential.set_weights([RNG.normal(size=w.shape).astype(np.float32) for w in sequential.get_weights()])
    functional = functional_copy(sequential)
    assert input_convolution_layer(sequential) is not None
    assert input_convolution_layer(functional) is None
    images = RNG.uniform(size=(16, 12, 12, 1)).astype(np.float32)
    targets = RNG.integers(0, 3, size=16)
    fast, plain = gradient(sequential, images, targets), gradient(functional, images, targets)
    assert np.abs(plain).max() > 0
    np.testing.assert_allclose(fast, plain, rtol=1e-4, atol=1e-6 * np.abs(plain).max())


@pytest.mark.parametrize("opening", [
    lambda: [keras.layers.Conv2D(3, 3, strides=2)],
    lambda: [keras.layers.Conv2D(3, 3, dilation_rate=2)],
    lambda: [keras.layers.Rescaling(2.0), keras.layers.Conv2D(3, 3)],
    lambda: [keras.layers.Conv2D(3, 3, dtype="mixed_bfloat16")],
])
def test_other_openings_keep_tensorflows_gradient(opening):
    """Strided, dilated or mixed-precision first convolutions, and models that open with another
    layer, keep TensorFlow's own gradient."""
    model = keras.Sequential([keras.Input((9, 9, 1)), *opening(), keras.layers.Flatten(), keras.layers.Dense(2)])
    assert input_convolution_layer(model) is None
