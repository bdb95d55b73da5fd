"""One compiled gradient function per model: the public methods keep a model's GradientFunction
while the model lives, and no compiled function traces twice, whatever the batch size."""

import gc
import logging
import weakref

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator import attributions as attr  # noqa: E402
from generator.attributions.engine.shared import functions_of  # noqa: E402

RNG = np.random.default_rng(5)


def sweep_cnn(seed=0):
    """Conv → ReLU → max pooling twice, then a linear head: a model the sweep applies to."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(3, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Conv2D(4, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Flatten(), keras.layers.Dense(3)])


def images(n):
    return RNG.uniform(size=(n, 12, 12, 1)).astype(np.float32)


def test_the_public_methods_reuse_one_gradient_function_per_model_and_chunk_size():
    model = sweep_cnn()
    x, t = images(3), np.array([0, 1, 2])
    first = attr.integrated_gradients(model, x, t, steps=8, chunk_size=64)
    (kept,) = functions_of(model).values()
    again = attr.integrated_gradients(model, x, t, steps=8, chunk_size=64)
    attr.gradient(model, x, t, chunk_size=64)
    assert list(functions_of(model).values()) == [kept]
    np.testing.assert_array_equal(first, again)
    assert attr.as_grad_fn(model, 64) is kept
    assert attr.as_grad_fn(model, 32) is not kept  # another chunk size, another function


def test_a_models_gradient_function_goes_with_the_model():
    model = sweep_cnn()
    attr.integrated_gradients(model, images(2), np.array([0, 1]), steps=4)
    kept = weakref.ref(attr.as_grad_fn(model))
    del model
    gc.collect()
    assert kept() is None


@pytest.mark.parametrize("path", ["general", "straight", "sweep"])
def test_each_compiled_function_traces_once_whatever_the_batch(path):
    grad_fn = attr.GradientFunction(sweep_cnn(), chunk_size=4, path=path)
    for n in (1, 3, 9):  # chunks of 1, 3, 4 and 1 images
        x, t = images(n), RNG.integers(0, 3, size=n)
        grad_fn(x, t)
        grad_fn.logits(x)
        attr.integrated_gradients(grad_fn, x, t, steps=5, chunk_size=4)
    compiled = [grad_fn._compiled, grad_fn._forward]
    sums = grad_fn.straight_path_sums
    compiled += {"general": [], "straight": [getattr(sums, "compiled", None)],
                 "sweep": [getattr(sums, name, None) for name in ("_opening", "_starts", "_closing")]}[path]
    assert [function.experimental_get_tracing_count() for function in compiled] == [1] * len(compiled)


def test_many_models_gradient_functions_are_not_reported_as_retracing(caplog):
    # One gradient function per randomised copy, as the trust checks make them: each traces once.
    x, t = images(2), np.array([0, 2])
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        for seed in range(7):
            attr.integrated_gradients(attr.GradientFunction(sweep_cnn(seed)), x, t, steps=6)
    assert not [record for record in caplog.records if "retracing" in record.getMessage()]


@pytest.mark.parametrize("activation", [None, "softmax"])
def test_a_model_trained_in_place_between_calls_is_attributed_with_its_new_weights(activation):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation=activation)])
    x, t = images(2)[:, :4, :4], np.array([0, 1])
    before = attr.gradient(model, x, t)
    model.set_weights([2.0 * w for w in model.get_weights()])  # the logits double, and so their gradient
    np.testing.assert_allclose(attr.gradient(model, x, t), 2.0 * before, rtol=1e-5, atol=1e-7)
