"""The attribution stage: completeness is enforced by doubling the steps, up to a cap."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator import explain  # noqa: E402
from generator.settings import AttributionSettings  # noqa: E402


def kinked_model():
    """logit_0 = relu(w·x − c): a kink on the path that coarse quadrature misses."""
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1, activation="relu"), keras.layers.Dense(2, use_bias=False)])
    model.layers[1].set_weights([np.full((16, 1), 0.5, np.float32), np.array([-3.3], np.float32)])
    model.layers[2].set_weights([np.array([[1.0, -1.0]], np.float32)])
    return model


def test_rows_above_tolerance_are_recomputed_with_more_steps():
    images = np.linspace(0.6, 1.0, 3)[:, None, None, None] * np.ones((3, 4, 4, 1), np.float32)
    images = images.astype(np.float32)
    settings = AttributionSettings(steps=2, method="riemann_left", chunk_size=16)
    messages = []
    arrays = explain.compute_attributions(kinked_model(), images, np.arange(3), np.zeros(3, int), settings, messages.append)
    assert np.all(arrays.relative_error <= explain.COMPLETENESS_TOLERANCE)
    assert np.all(arrays.steps > 2)
    assert any("retrying with 4 steps" in m for m in messages)
    np.testing.assert_allclose(arrays.attribution_sum, arrays.logit_delta, rtol=explain.COMPLETENESS_TOLERANCE)
    np.testing.assert_allclose(arrays.saliency, np.abs(arrays.gradient))


def test_rows_still_missing_at_the_cap_stay_flagged(monkeypatch):
    monkeypatch.setattr(explain, "MAX_REFINED_STEPS", 4)
    images = np.full((2, 4, 4, 1), 0.8, np.float32)
    settings = AttributionSettings(steps=2, method="riemann_left", chunk_size=16)
    arrays = explain.compute_attributions(kinked_model(), images, np.arange(2), np.zeros(2, int), settings, lambda m: None)
    assert np.all(arrays.steps == 4)
    assert np.all(arrays.relative_error > explain.COMPLETENESS_TOLERANCE)
