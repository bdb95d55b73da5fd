"""Models a user brings: functional or Sequential, BatchNormalization, Dropout, Rescaling and
Normalization layers, a softmax in the head or as its own layer, each saved by Keras 3 and loaded
back, and read in its own input scale. Each is trained for a few seconds on 2,000 MNIST images."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator import attributions as attr  # noqa: E402
from generator.attributions.engine.input_convolution import input_convolution_layer  # noqa: E402
from generator.plumbing.input_scale import BYTE, MNIST_STANDARD, UNIT  # noqa: E402
from generator.stages.data import Dataset, load_dataset, to_model_input  # noqa: E402
from generator.stages.input_check import InputScaleError, check_input_scale  # noqa: E402
from generator.stages.model import evaluate, load_user_model  # noqa: E402


def rescaling_byte():
    """Functional, divides bytes by 255 itself, softmax in its last Dense."""
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(inputs))
    x = keras.layers.Dense(32, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x)), BYTE


def standardised_softmax_layer():
    """Functional, trained on (pixel/255 − 0.1307)/0.3081, a separate Softmax layer (linear, so that fed
    pixel/255 it loses 8 to 10 points on every seed tried, clearly more than the check's margin)."""
    inputs = keras.Input((28, 28, 1))
    scores = keras.layers.Dense(10, name="scores")(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, keras.layers.Softmax()(scores)), MNIST_STANDARD


def sequential_batch_norm():
    """Sequential, Conv → BatchNormalization → ReLU → Dropout, Activation("softmax") at the end."""
    return keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3, strides=2), keras.layers.BatchNormalization(),
        keras.layers.ReLU(), keras.layers.Flatten(), keras.layers.Dropout(0.2), keras.layers.Dense(10),
        keras.layers.Activation("softmax")]), UNIT


def functional_normalization():
    """Functional with its own names: Normalization of pixel/255, Conv, BatchNormalization, softmax head."""
    inputs = keras.Input((28, 28, 1), name="digits")
    x = keras.layers.Normalization(mean=0.1307, variance=0.3081 ** 2, name="standardise")(inputs)
    x = keras.layers.Conv2D(4, 3, name="first_conv")(x)
    x = keras.layers.ReLU()(keras.layers.BatchNormalization(name="bn")(x))
    x = keras.layers.Dropout(0.2)(keras.layers.Flatten()(keras.layers.MaxPooling2D(2)(x)))
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax", name="my_head")(x)), UNIT


def sequential_conv_first():
    """Sequential opening with a convolution (the col2im gradient applies), softmax in its last Dense."""
    return keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]), UNIT


KINDS = {make.__name__: make for make in (rescaling_byte, standardised_softmax_layer, sequential_batch_norm,
                                          functional_normalization, sequential_conv_first)}


@pytest.fixture(scope="module")
def dataset():
    data = load_dataset()
    return Dataset(data.x_train[:2000], data.y_train[:2000], data.x_test[:1000], data.y_test[:1000], "first images",
                   "0" * 64)


@pytest.fixture(scope="module")
def models(dataset, tmp_path_factory):
    """Kind → (model saved by Keras 3 and loaded back as a user's model, its input scale)."""
    directory = tmp_path_factory.mktemp("user-models")
    trained = {}
    for name, make in KINDS.items():
        keras.utils.set_random_seed(0)
        model, scale = make()
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
        model.fit(scale.apply(to_model_input(dataset.x_train)), dataset.y_train, epochs=3, batch_size=64, verbose=0)
        model.save(directory / f"{name}.keras")
        trained[name] = load_user_model(directory / f"{name}.keras", scale).model, scale
    return trained


def images_and_targets(dataset, count=4):
    return to_model_input(dataset.x_test[:count]), dataset.y_test[:count]


@pytest.mark.parametrize("kind", KINDS)
def test_logits_model_gives_the_pre_softmax_values(kind, models, dataset):
    model, scale = models[kind]
    x = scale.apply(images_and_targets(dataset)[0])
    head = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)][-1]
    if isinstance(model, keras.Sequential):  # the layers below the head, one after the other
        hidden = x
        for layer in model.layers[:model.layers.index(head)]:
            hidden = layer(hidden, training=False)
    else:
        hidden = keras.Model(model.input, head.input)(x)
    hidden = np.asarray(hidden)
    kernel, bias = head.get_weights()
    logits = np.asarray(attr.logits_model(model)(x))
    np.testing.assert_allclose(logits, hidden @ kernel + bias, rtol=1e-4, atol=1e-4)
    probabilities = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(probabilities / probabilities.sum(1, keepdims=True), model(x), atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_pixel_gradient_is_the_finite_difference_and_the_chain_rule(kind, models, dataset):
    model, scale = models[kind]
    images, targets = images_and_targets(dataset)
    # Noise, so that no unit sits on a ReLU kink or a max-pool tie, as all of a flat black background does.
    images = (images + np.random.default_rng(0).uniform(0.0, 0.1, size=images.shape)).astype(np.float32)
    grad_fn = attr.GradientFunction(model, input_scale=scale)
    grads, scores = grad_fn(images, targets)
    # One pixel at a time, the three steepest per image, by h = 1e-3 of pixel/255 either way. Where the
    # two one-sided slopes agree the logit is linear over [x − h, x + h] (no ReLU kink or max-pool switch
    # inside), and there the gradient must be the central difference.
    steepest = np.argsort(-np.abs(grads.reshape(len(images), -1)), axis=1)[:, :3].ravel()
    rows = np.repeat(np.arange(len(images)), 3)
    h = 1e-3
    step = np.zeros((len(rows), images[0].size), dtype=np.float32)
    step[np.arange(len(rows)), steepest] = h
    step = step.reshape(-1, *images.shape[1:])
    at, plus, minus = (grad_fn.logits(images[rows] + sign * step)[np.arange(len(rows)), targets[rows]].astype(float)
                       for sign in (0, 1, -1))
    right, left = (plus - at) / h, (at - minus) / h
    linear = np.abs(right - left) <= 0.05 * np.maximum(np.abs(right), np.abs(left))
    assert linear.sum() >= len(rows) - 2
    np.testing.assert_allclose(grads.reshape(len(images), -1)[rows, steepest][linear],
                               ((plus - minus) / (2 * h))[linear], rtol=2e-2)
    # ∂f/∂(pixel/255) = scale · ∂f/∂x_model, the gradient of the model in its own input space.
    model_grads, model_scores = attr.GradientFunction(model)(scale.apply(images), targets)
    np.testing.assert_allclose(grads, scale.scale * model_grads, rtol=1e-4, atol=1e-6 * scale.scale)
    np.testing.assert_allclose(scores, model_scores, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_integrated_gradients_sum_to_the_logit_change_from_a_black_image(kind, models, dataset):
    model, scale = models[kind]
    images, targets = images_and_targets(dataset)
    maps = attr.integrated_gradients(attr.GradientFunction(model, input_scale=scale), images, targets, steps=128,
                                     baseline=0.0)
    black = np.full_like(images, (0.0 - scale.mean) / scale.std)  # a black pixel, in the model's own input space
    logits = attr.logits_model(model)
    rows = np.arange(len(targets))
    change = np.asarray(logits(scale.apply(images)))[rows, targets] - np.asarray(logits(black))[rows, targets]
    np.testing.assert_allclose(maps.sum(axis=(1, 2, 3)), change, rtol=1e-2, atol=1e-3 * np.abs(change).max())


@pytest.mark.parametrize("kind", ["rescaling_byte", "standardised_softmax_layer"])
def test_integrated_gradients_are_the_same_in_pixel_and_in_model_terms(kind, models, dataset):
    model, scale = models[kind]
    images, targets = images_and_targets(dataset)
    pixel_terms = attr.integrated_gradients(attr.GradientFunction(model, input_scale=scale), images, targets,
                                            steps=32, baseline=0.0)
    model_terms = attr.integrated_gradients(attr.GradientFunction(model), scale.apply(images), targets, steps=32,
                                            baseline=scale.offset)
    np.testing.assert_allclose(pixel_terms, model_terms, rtol=1e-3, atol=1e-5 * np.abs(model_terms).max())


@pytest.mark.parametrize("kind", ["rescaling_byte", "standardised_softmax_layer"])
def test_accuracy_in_its_scale_is_keras_own_and_the_check_names_that_scale(kind, models, dataset):
    model, scale = models[kind]
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    _, keras_accuracy = model.evaluate(scale.apply(to_model_input(dataset.x_test)), dataset.y_test, verbose=0)
    assert evaluate(model, dataset, input_scale=scale).accuracy == pytest.approx(keras_accuracy, abs=1e-6)
    lines = []
    accuracies = check_input_scale(model, dataset, scale, False, lines.append)
    assert accuracies[scale] == pytest.approx(keras_accuracy, abs=1e-6) and accuracies[scale] > 0.8
    with pytest.raises(InputScaleError) as stop:
        check_input_scale(model, dataset, UNIT, False, lines.append)
    assert str(stop.value).startswith('model accuracy ') and f'with "{scale.label}" it is ' in str(stop.value)
    assert "set model.input = " in str(stop.value) and "\n" not in str(stop.value)
    print(lines)  # the accuracies the check measured, for the record (pytest -s)


def test_a_flag_lets_a_model_near_chance_through_with_a_warning(models, dataset):
    model, _ = models["rescaling_byte"]
    lines = []
    check_input_scale(model, dataset, MNIST_STANDARD, True, lines.append)
    assert lines[-1].startswith("model: warning: model accuracy") and lines[-1].endswith("allow_low_accuracy is set)")


def test_randomisation_redraws_batch_norm_and_leaves_a_normalization_of_the_input(models, dataset):
    from generator.stages.randomisation import cascade, weighted_layers

    model, scale = models["functional_normalization"]
    randomisable, skipped = weighted_layers(model)
    assert randomisable == ["my_head", "bn", "first_conv"] and "standardise" in skipped
    before = [w.copy() for w in model.get_weights()]
    x = scale.apply(images_and_targets(dataset)[0])
    trained_logits = np.asarray(attr.logits_model(model)(x))
    copies = cascade(model, seed=0)
    assert [name for name, _ in copies] == randomisable
    for (_, copy), (a, b) in zip(copies, zip(before, model.get_weights())):
        assert not np.allclose(attr.GradientFunction(copy, input_scale=scale).logits(x), trained_logits)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))  # the model is untouched
    np.testing.assert_array_equal(copies[1][1].get_layer("bn").moving_mean, 0.0)  # re-drawn from its initializer


def test_the_first_convolution_gradient_stays_for_sequential_models_that_open_with_one(models):
    assert input_convolution_layer(attr.logits_model(models["sequential_conv_first"][0])) is not None
    for kind in ("sequential_batch_norm", "functional_normalization", "rescaling_byte"):
        assert input_convolution_layer(attr.logits_model(models[kind][0])) is None
