"""The randomisation checks taken in batches (generator/stages/trust_sanity.py): batches joined
are the checks of all their images, and the sample stops where its effects are precise."""

import dataclasses

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator.plumbing.settings import AttributionSettings, Settings, TrustSettings  # noqa: E402
from generator.stages.data import load_dataset, to_model_input  # noqa: E402
from generator.stages.model import build_cnn  # noqa: E402
from generator.stages.trust_sanity import SANITY_BATCH, joined, precise_sanity, sanity_evidence  # noqa: E402

SETTINGS = Settings(attribution=AttributionSettings(smoothgrad_samples=4, expected_gradients_samples=8, steps=16,
                                                    chunk_size=256))
DETERMINISTIC = ("gradient", "saliency", "gradient_x_input", "integrated_gradients")  # no noise of their own


@pytest.fixture(scope="module")
def cnn_and_images():
    keras.utils.set_random_seed(4)
    model = build_cnn()
    dataset = load_dataset()
    images = to_model_input(dataset.x_test[:60])
    targets = np.argmax(model.predict(images, verbose=0), axis=1)
    return model, images, targets, to_model_input(dataset.x_train[:32])


def test_two_batches_joined_are_the_checks_of_all_their_images(cnn_and_images):
    model, images, targets, baselines = cnn_and_images
    quiet = lambda line: None  # noqa: E731
    whole = sanity_evidence(model, images[:6], targets[:6], None, SETTINGS, baselines, quiet)
    parts = [sanity_evidence(model, images[:4], targets[:4], None, SETTINGS, baselines, quiet),
             sanity_evidence(model, images[4:6], targets[4:6], None, SETTINGS, baselines, quiet, start=4)]
    both = joined(parts)
    for key in DETERMINISTIC:
        for check in ("cascade", "independent", "image_only", "image_only_randomised"):
            for metric in ("spearman_abs_support", "ssim"):
                np.testing.assert_allclose(getattr(getattr(both.methods[key], check), metric),
                                           getattr(getattr(whole.methods[key], check), metric), rtol=1e-5,
                                           err_msg=f"{key} {check} {metric}")
        np.testing.assert_allclose(both.methods[key].both_zero, whole.methods[key].both_zero)
    # A pixel no output depends on is one that is unreachable in every batch.
    assert both.unreachable_share == pytest.approx(whole.unreachable_share)
    assert np.array_equal(both.unreachable, parts[0].unreachable & parts[1].unreachable)
    # Smooth MPRT and the figure's grid come from the first batch only.
    assert len(parts[1].smooth_sample) == 0 and np.array_equal(both.smooth_sample, parts[0].smooth_sample)
    assert np.array_equal(both.grid, parts[0].grid)


def test_the_sample_grows_until_every_randomisation_effect_is_precise(cnn_and_images):
    model, images, targets, baselines = cnn_and_images
    loose = dataclasses.replace(SETTINGS, trust=TrustSettings(similarity_precision=1.0))
    sanity, stop = precise_sanity(model, images, targets, None, loose, baselines, lambda line: None)
    assert stop.images == SANITY_BATCH and stop.reached  # any interval is within ±1 after one batch
    assert sanity.methods["gradient"].cascade.ssim.shape[-1] == SANITY_BATCH
    strict = dataclasses.replace(SETTINGS, trust=TrustSettings(similarity_precision=1e-6))
    sanity, stop = precise_sanity(model, images, targets, None, strict, baselines, lambda line: None)
    assert stop.images == len(images) and not stop.reached  # never precise enough: every image is taken
    assert sanity.methods["gradient"].cascade.ssim.shape[-1] == len(images)
    def normal_half_width(effects):  # data randomisation did not run (no network): only the model's effects
        effects = effects[np.isfinite(effects)]
        return 1.959964 * np.std(effects, ddof=1) / np.sqrt(len(effects))

    widest = max(normal_half_width(m.cascade.spearman_abs_support[-1]) for m in sanity.methods.values())
    assert stop.half_width == pytest.approx(widest, rel=1e-6)
