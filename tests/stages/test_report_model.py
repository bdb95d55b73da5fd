"""The report's model and how it reads pixels travel as one object with one gradient function."""

import dataclasses

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator import attributions as attr  # noqa: E402
from generator.plumbing.input_scale import BYTE  # noqa: E402
from generator.plumbing.settings import Settings  # noqa: E402
from generator.stages.report_model import ReportModel  # noqa: E402


def small_model():
    keras.utils.set_random_seed(1)
    return keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])


def byte_settings(chunk_size=16):
    defaults = Settings()
    return dataclasses.replace(defaults, model=dataclasses.replace(defaults.model, input=BYTE),
                               attribution=dataclasses.replace(defaults.attribution, chunk_size=chunk_size))


def test_the_settings_say_how_the_model_reads_pixels_and_its_gradient_function_is_built_once():
    model = small_model()
    read = ReportModel.of(model, byte_settings())
    assert (read.model, read.input_scale, read.output) == (model, BYTE, "logits")
    assert read.grad_fn.input_scale == BYTE and read.grad_fn.chunk_size == 16
    assert ReportModel.of(model, byte_settings()).grad_fn is read.grad_fn  # one per model and arguments
    assert ReportModel.of(read, Settings()) is read  # passed through, whatever other settings say


def test_a_copy_is_read_as_the_model_is():
    read = ReportModel.of(small_model(), byte_settings())
    copy = small_model()
    fn = read.function_of(copy)
    assert fn is read.function_of(copy) and fn is not read.grad_fn
    assert (fn.input_scale, fn.chunk_size) == (BYTE, 16)
    x = np.random.default_rng(0).uniform(size=(2, 6, 6, 1)).astype(np.float32)
    # The same weights, read the same way: the same gradients as the model's own function.
    np.testing.assert_allclose(fn(x, np.array([0, 2]))[0], read.grad_fn(x, np.array([0, 2]))[0], rtol=1e-6)
    assert fn is not attr.shared_gradient_function(copy)  # the pixel/255 reading is another function
