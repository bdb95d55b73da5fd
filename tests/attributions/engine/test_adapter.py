"""The TensorFlow adapter on Keras models with known answers."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator.attributions import (  # noqa: E402
    GradientFunction,
    completeness_check,
    gradient,
    integrated_gradients,
    logits_model,
    saliency,
)

RNG = np.random.default_rng(1)


def linear_model(weights, bias, activation=None, shape=(6, 5, 1)):
    """Flatten → Dense(K): logits = W·x + b, so ∂logit_t/∂x = W_t and IG = (x − x′) ⊙ W_t."""
    model = keras.Sequential([keras.Input(shape), keras.layers.Flatten(), keras.layers.Dense(len(bias), activation=activation)])
    model.layers[-1].set_weights([weights.reshape(-1, len(bias)), bias])
    return model


def random_linear(shape=(6, 5, 1), classes=3):
    weights = RNG.normal(size=(*shape, classes)).astype(np.float32)
    bias = RNG.normal(size=classes).astype(np.float32)
    return weights, bias


def test_gradient_of_linear_model_is_its_weight_row():
    weights, bias = random_linear()
    images = RNG.uniform(size=(4, 6, 5, 1)).astype(np.float32)
    targets = np.array([2, 0, 1, 2])
    grads = gradient(linear_model(weights, bias), images, targets)
    np.testing.assert_allclose(grads, np.moveaxis(weights, -1, 0)[targets], rtol=1e-6)


def test_ig_of_linear_model_is_exact():
    weights, bias = random_linear()
    images = RNG.uniform(size=(5, 6, 5, 1)).astype(np.float32)
    targets = np.array([0, 1, 2, 1, 0])
    ig = integrated_gradients(linear_model(weights, bias), images, targets, steps=4, baseline=0.0)
    expected = images * np.moveaxis(weights, -1, 0)[targets]
    np.testing.assert_allclose(ig, expected, rtol=1e-5, atol=1e-6)


def test_softmax_output_is_attributed_on_logits():
    weights, bias = random_linear()
    images = RNG.uniform(size=(3, 6, 5, 1)).astype(np.float32)
    targets = np.array([0, 1, 2])
    with_softmax = linear_model(weights, bias, activation="softmax")
    grads = gradient(with_softmax, images, targets)
    np.testing.assert_allclose(grads, np.moveaxis(weights, -1, 0)[targets], rtol=1e-6)
    stripped = logits_model(with_softmax)
    assert stripped is not with_softmax
    np.testing.assert_allclose(stripped.predict(images, verbose=0),
                               images.reshape(3, -1) @ weights.reshape(-1, 3) + bias, rtol=1e-5)
    # The original model still outputs probabilities.
    np.testing.assert_allclose(with_softmax.predict(images, verbose=0).sum(axis=1), 1.0, rtol=1e-5)


def test_forward_logits_are_the_closed_form_in_any_chunk_size():
    weights, bias = random_linear()
    images = RNG.uniform(size=(7, 6, 5, 1)).astype(np.float32)
    expected = images.reshape(7, -1) @ weights.reshape(-1, 3) + bias
    grad_fn = GradientFunction(linear_model(weights, bias, activation="softmax"))
    for chunk_size in (7, 3, 1):  # the softmax is removed: these are logits
        np.testing.assert_allclose(grad_fn.logits(images, chunk_size=chunk_size), expected, rtol=1e-5, atol=1e-6)


def test_separate_softmax_layer_is_removed_too():
    weights, bias = random_linear()
    model = linear_model(weights, bias)
    stacked = keras.Sequential([keras.Input((6, 5, 1)), *model.layers, keras.layers.Softmax()])
    images = RNG.uniform(size=(2, 6, 5, 1)).astype(np.float32)
    grads = gradient(stacked, images, np.array([1, 1]))
    np.testing.assert_allclose(grads, np.moveaxis(weights, -1, 0)[[1, 1]], rtol=1e-6)


def relu_unit_model(w, b):
    """logit_0 = relu(w·x + b), logit_1 = −logit_0: a single kink on every straight path."""
    model = keras.Sequential([
        keras.Input((w.size,)), keras.layers.Dense(1, activation="relu"), keras.layers.Dense(2, use_bias=False),
    ])
    model.layers[0].set_weights([w.reshape(-1, 1), np.array([b], np.float32)])
    model.layers[1].set_weights([np.array([[1.0, -1.0]], np.float32)])
    return model


def test_relu_kink_ig_matches_closed_form_and_completeness():
    """On the path αx the unit is off until α* = −b/(w·x), then has slope w, so
    IG_i = x_i w_i (1 − α*) and Σ IG = relu(w·x + b) − relu(b)."""
    w = RNG.normal(size=8).astype(np.float32)
    x = np.abs(RNG.normal(size=(1, 8))).astype(np.float32)
    x *= np.sign(w)  # make w·x > 0
    b = np.float32(-0.37 * float(w @ x[0]))
    model = relu_unit_model(w, b)
    alpha_star = -b / float(w @ x[0])
    expected = x[0] * w * (1 - alpha_star)
    ig = integrated_gradients(model, x, np.array([0]), steps=512, method="riemann_midpoint")
    np.testing.assert_allclose(ig[0], expected, rtol=5e-3, atol=1e-5)
    check = completeness_check(model, x, np.array([0]), ig)
    assert check.relative_error[0] < 5e-3
    assert check.logit_delta[0] == pytest.approx(float(w @ x[0] + b), rel=1e-5)


def smooth_cnn(shape=(8, 8, 2)):
    keras.utils.set_random_seed(3)
    return keras.Sequential([
        keras.Input(shape), keras.layers.Conv2D(4, 3, activation="tanh"), keras.layers.Flatten(),
        keras.layers.Dense(3, activation="tanh"), keras.layers.Dense(3),
    ])


def test_gradient_matches_central_finite_differences():
    model = smooth_cnn()
    image = RNG.uniform(size=(1, 8, 8, 2)).astype(np.float64)
    target = np.array([1])
    grads = gradient(model, image.astype(np.float32), target)[0]
    eps = 1e-2
    pixels = [(0, 0, 0), (3, 4, 1), (7, 7, 0), (5, 2, 1)]
    for pixel in pixels:
        up, down = image.copy(), image.copy()
        up[(0, *pixel)] += eps
        down[(0, *pixel)] -= eps
        logits_up = model.predict(up.astype(np.float32), verbose=0)[0, 1]
        logits_down = model.predict(down.astype(np.float32), verbose=0)[0, 1]
        numeric = (float(logits_up) - float(logits_down)) / (2 * eps)
        assert grads[pixel] == pytest.approx(numeric, rel=2e-2, abs=2e-4)


def test_saliency_is_channel_max_of_absolute_gradient():
    model = smooth_cnn()
    images = RNG.uniform(size=(3, 8, 8, 2)).astype(np.float32)
    targets = np.array([0, 1, 2])
    grads = gradient(model, images, targets)
    sal = saliency(model, images, targets)
    assert sal.shape == images.shape
    np.testing.assert_allclose(sal[..., 0], np.abs(grads).max(axis=-1), rtol=1e-6)
    np.testing.assert_allclose(sal[..., 1], sal[..., 0])


def test_keras_results_do_not_depend_on_chunk_size_or_batch_order():
    model = smooth_cnn()
    images = RNG.uniform(size=(5, 8, 8, 2)).astype(np.float32)
    targets = np.array([0, 2, 1, 1, 0])
    reference = integrated_gradients(model, images, targets, steps=16, chunk_size=1024)
    chunked = integrated_gradients(model, images, targets, steps=16, chunk_size=7)
    np.testing.assert_allclose(chunked, reference, rtol=1e-4, atol=1e-6)
    order = np.array([3, 0, 4, 2, 1])
    reordered = integrated_gradients(model, images[order], targets[order], steps=16, chunk_size=7)
    np.testing.assert_allclose(reordered, reference[order], rtol=1e-4, atol=1e-6)
    grads = gradient(model, images, targets, chunk_size=2)
    np.testing.assert_allclose(grads, gradient(model, images, targets, chunk_size=64), rtol=1e-5, atol=1e-7)


def test_smooth_cnn_completeness_improves_with_steps():
    model = smooth_cnn()
    images = RNG.uniform(size=(4, 8, 8, 2)).astype(np.float32)
    targets = np.array([0, 1, 2, 0])
    coarse = integrated_gradients(model, images, targets, steps=2, method="riemann_left")
    fine = integrated_gradients(model, images, targets, steps=64, method="gauss_legendre")
    err_coarse = completeness_check(model, images, targets, coarse).relative_error
    err_fine = completeness_check(model, images, targets, fine).relative_error
    assert np.all(err_fine < 1e-3)
    assert np.median(err_coarse) > np.median(err_fine)


def test_a_per_channel_scale_divides_each_channels_gradient_by_its_std_and_ig_stays_complete():
    from generator.plumbing.input_scale import InputScale

    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    scale = InputScale(tuple(mean), tuple(std))
    weights, bias = random_linear((6, 5, 3))
    model = linear_model(weights, bias, shape=(6, 5, 3))
    images = RNG.uniform(size=(4, 6, 5, 3)).astype(np.float32)  # pixel/255
    targets = np.array([2, 0, 1, 2])
    grad_fn = GradientFunction(model, input_scale=scale)
    grads, scores = grad_fn(images, targets)
    w = np.moveaxis(weights, -1, 0)[targets]
    np.testing.assert_allclose(grads, w / std, rtol=1e-5)  # ∂f/∂u_c = w_c / std_c
    by_hand = np.einsum("nhwc,nhwc->n", (images - mean) / std, w) + bias[targets]
    np.testing.assert_allclose(scores, by_hand, rtol=1e-4, atol=1e-4)
    ig = integrated_gradients(grad_fn, images, targets, steps=4, baseline=0.0)  # x′ = black, in pixel/255
    np.testing.assert_allclose(ig, images * w / std, rtol=1e-4, atol=1e-6)
    check = completeness_check(grad_fn, images, targets, ig, baseline=0.0)
    black = np.einsum("hwc,nhwc->n", -mean / std * np.ones((6, 5, 3)), w) + bias[targets]
    np.testing.assert_allclose(check.logit_delta, by_hand - black, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ig.sum(axis=(1, 2, 3)), check.logit_delta, rtol=1e-4, atol=1e-4)
    assert np.all(check.relative_error < 1e-4)


def test_a_per_channel_scale_for_other_channels_than_the_model_reads_is_refused():
    from generator.plumbing.input_scale import InputScale

    weights, bias = random_linear()
    with pytest.raises(ValueError, match="model.input has 3 per-channel means and stds .* reads 1 channel$"):
        GradientFunction(linear_model(weights, bias), input_scale=InputScale((0.5,) * 3, (0.2,) * 3))


@pytest.mark.parametrize("shape, classes, fastest", [((32, 32, 3), 20, "sweep"), ((64, 64, 3), 2, "straight"),
                                                     ((8, 8, 1), 10, "straight")])
def test_the_cnn_for_other_inputs_takes_the_path_it_reports_with_tensorflows_own_gradient(shape, classes, fastest):
    import tensorflow as tf

    from generator.plumbing.input_scale import InputScale
    from generator.stages.model import build_cnn

    keras.utils.set_random_seed(5)
    model = build_cnn(shape, classes)
    scale = InputScale((0.5,) * shape[-1], tuple(0.2 + 0.05 * c for c in range(shape[-1])))
    images = RNG.uniform(size=(3, *shape)).astype(np.float32)
    targets = np.array([0, classes - 1, 1])
    x = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = model(scale.apply(x), training=False)
        score = tf.reduce_sum(logits * tf.one_hot(targets, classes))
    expected = tape.gradient(score, x).numpy()
    scale_tol = float(np.abs(expected).max())
    for path in ("fastest", "general"):
        grad_fn = GradientFunction(model, input_scale=scale, path=path)
        assert grad_fn.path == (fastest if path == "fastest" else "general")
        grads, _ = grad_fn(images, targets)
        np.testing.assert_allclose(grads, expected, rtol=1e-4, atol=1e-5 * scale_tol)
    # IG by the fast path and point by point. The scale divides each channel by its own std but keeps
    # black at 0: with black elsewhere, a path node can land within float rounding of a ReLU kink, where
    # the two orders of summation may take either side (a few pixels, ~1e-4 of the sum, any model).
    spread = InputScale((0.0,) * shape[-1], scale.std)
    fast = integrated_gradients(GradientFunction(model, input_scale=spread), images, targets, steps=16, baseline=0.0)
    general = integrated_gradients(GradientFunction(model, input_scale=spread, path="general"), images, targets,
                                   steps=16, baseline=0.0)
    np.testing.assert_allclose(fast, general, rtol=1e-4, atol=2e-5 * float(np.abs(general).max()))
