"""The trust rules on models whose right answer is known, through the real trust computations.

The models are built, not trained (only the data-randomisation network trains, a few epochs of a
Dense layer, about a second); the trust stage's own functions (:func:`measure_trust`,
:func:`sanity_evidence`) measure them on MNIST with small samples, and :mod:`generator.stages.trust_rules`
judges them:

- a model that **ignores its input** (a Dense layer with a zero kernel: constant logits) has maps
  that are zero everywhere and curves with equal ends: every check must fail, for every method;
- a **linear** model (logit = W·x on the flattened image, W drawn from the layer's own initialiser,
  scaled by 10 so that most images' logits move by more than 1 unit along a curve) has exact
  maps: the gradient is the column W_t, gradient × input and Integrated Gradients (black
  baseline) are x ⊙ W_t. Every map depends on W entirely, so both randomisations must pass for
  the gradient, gradient × input and IG; with the black fill, deleting pixels in the order of
  x ⊙ W_t removes the largest terms of the logit first, the best possible order, so deletion must
  pass for gradient × input and IG against both controls;
- a model that reads only a patch is the decoy check's (``tests/stages/test_decoy_rules.py``), judged by
  the same :func:`~generator.stages.decoy_rules.verdict`.

Efficient MPRT was proposed as the randomisation effect; the linear model shows why it is not the
rule (:func:`test_efficient_mprt_misses_a_change_the_rank_correlation_sees`).
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator.plumbing.records import from_arrays, to_arrays  # noqa: E402
from generator.plumbing.settings import AttributionSettings, Settings, TrainSettings, TrustSettings  # noqa: E402
from generator.stages import trust_rules  # noqa: E402
from generator.stages.data import load_dataset, to_model_input  # noqa: E402
from generator.stages.decoy_rules import verdict  # noqa: E402
from generator.stages.intervals import Interval  # noqa: E402
from generator.stages.trust import measure_trust, sanity_evidence, summarise  # noqa: E402
from generator.stages.trust_records import TrustEvidence  # noqa: E402
from generator.stages.trust_rules import (FAIL, INCONCLUSIVE, NO_CHANGE, PASS, better_control, judge,  # noqa: E402
                                          trust_verdicts)

EXACT = ("gradient", "gradient_x_input", "integrated_gradients")
INPUT_TIMES_WEIGHTS = ("gradient_x_input", "integrated_gradients")
SETTINGS = Settings(
    trust=TrustSettings(sanity_images=24, faithfulness_images=40, random_label_images=100, random_label_epochs=3),
    attribution=AttributionSettings(smoothgrad_samples=4, expected_gradients_samples=8, steps=16, chunk_size=256),
    train=TrainSettings(model="known-answer.keras"))  # a loaded model: data randomisation clones its architecture


def dense(kernel=None, bias=None, seed=0):
    """Flatten → Dense(10) on 28 × 28 × 1 images; the layer's own initialiser unless given. The layers
    are named, so the randomisation checks' seeds (from layer names) do not depend on how many
    layers Keras made before in this process."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(name="flatten"),
                              keras.layers.Dense(10, name="dense")])
    drawn, zero = model.layers[-1].get_weights()
    model.layers[-1].set_weights([drawn if kernel is None else np.asarray(kernel, np.float32),
                                  zero if bias is None else np.asarray(bias, np.float32)])
    return model


def ignores_input():
    return dense(np.zeros((784, 10)), np.random.default_rng(1).normal(size=10))


def linear(seed=7):
    """W from the layer's own initialiser (seeded), times 10; no bias."""
    model = dense(seed=seed)
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([10 * kernel, bias])
    return model


@pytest.fixture(scope="module")
def mnist():
    return load_dataset()


def measured(model, dataset):
    """The trust stage on ``model``, read back through the cache's flat arrays, and its verdicts."""
    predictions = np.argmax(model.predict(to_model_input(dataset.x_test), verbose=0), axis=1)
    baselines = to_model_input(dataset.x_train[:64])
    evidence = measure_trust(model, dataset, predictions, np.arange(200), baselines, SETTINGS, log=lambda line: None)
    trust = summarise(from_arrays(TrustEvidence, to_arrays(evidence)), seed=0)
    return trust, trust_verdicts(trust)


@pytest.fixture(scope="module")
def blind(mnist):
    return measured(ignores_input(), mnist)


@pytest.fixture(scope="module")
def linear_model(mnist):
    model = linear()
    return model, *measured(model, mnist)


def every_judgement(verdicts):
    """(check, judgement) for every verdict of one method, per fill for the curves."""
    yield "model_randomisation", verdicts.model_randomisation
    yield "data_randomisation", verdicts.data_randomisation
    for direction in ("deletion", "insertion"):
        for fill, judgement in getattr(verdicts, direction).items():
            yield f"{direction}, {fill}", judgement


def test_the_rule_reads_intervals_on_the_better_side_and_fails_what_has_nothing_to_measure():
    i = lambda low, high: Interval((low + high) / 2, low, high)  # noqa: E731
    assert judge(i(0.2, 0.4), NO_CHANGE, 30, lower_is_better=True) == PASS
    assert judge(i(0.98, 1.0), NO_CHANGE, 30, lower_is_better=True) == INCONCLUSIVE  # touching 1 is not below
    assert judge(NO_CHANGE, NO_CHANGE, 30, lower_is_better=True) == FAIL  # the map did not change
    assert judge(i(0.1, 0.2), i(0.3, 0.4), 30, lower_is_better=True) == PASS  # deletion: below the control
    assert judge(i(0.4, 0.5), i(0.3, 0.4), 30, lower_is_better=True) == FAIL  # at or above
    assert judge(i(0.4, 0.5), i(0.3, 0.4), 30, lower_is_better=False) == INCONCLUSIVE  # insertion: touching
    assert judge(i(0.41, 0.5), i(0.3, 0.4), 30, lower_is_better=False) == PASS
    nothing = Interval(np.nan, np.nan, np.nan)
    assert judge(nothing, nothing, 0, lower_is_better=True) == FAIL  # nothing to measure
    assert judge(i(0.1, 0.2), i(0.3, 0.4), 0, lower_is_better=False) == FAIL
    wide = Interval(0.5, 0.3, 0.7)
    assert better_control({"random": i(0.4, 0.5), "image_only": wide}, True)[0] == "random"  # by the mean
    assert better_control({"random": i(0.4, 0.5), "image_only": wide}, False)[0] == "image_only"
    assert better_control({"random": nothing, "image_only": i(0.5, 0.6)}, True)[0] == "image_only"


def test_the_decoy_check_and_the_trust_checks_share_one_verdict_function():
    from generator.stages import decoy_records as decoy

    assert trust_rules.verdict is verdict and decoy.verdict is verdict  # tests/stages/test_decoy_rules.py: the patch reader


def test_a_model_that_ignores_its_input_fails_every_check_for_every_method(blind):
    trust, verdicts = blind
    assert set(verdicts) == set(trust.methods) and len(verdicts) == 6
    for key, method in verdicts.items():
        for check, judgement in every_judgement(method):
            assert judgement.verdict == FAIL, (key, check)
            assert judgement.images == 0, (key, check)  # by the rule on nothing to measure
    assert all(ends.usable == 0 for ends in trust.ends.values())  # no curve has a height


def test_the_linear_models_maps_are_exact(linear_model, mnist):
    model, trust, _ = linear_model
    kernel = model.layers[-1].get_weights()[0]
    evidence = trust.evidence
    images = to_model_input(mnist.x_test[evidence.sample[:2]])
    targets = np.argmax(model.predict(images, verbose=0), axis=1)
    images = images[..., 0]
    trained = evidence.grid[0]  # (methods, 2, H, W): the trained model's maps of the first two images
    order = list(trust.methods)
    for n, target in enumerate(targets):
        weights = kernel[:, target].reshape(28, 28)
        np.testing.assert_allclose(trained[order.index("gradient"), n], weights, rtol=1e-5, atol=1e-6)
        for key in INPUT_TIMES_WEIGHTS:
            np.testing.assert_allclose(trained[order.index(key), n], images[n] * weights, rtol=1e-4, atol=1e-5)


def test_a_linear_model_passes_both_randomisations_for_its_exact_maps(linear_model):
    _, _, verdicts = linear_model
    for key in EXACT:
        for check in ("model_randomisation", "data_randomisation"):
            judgement = getattr(verdicts[key], check)
            assert judgement.verdict == PASS, (key, check, judgement)
            assert judgement.images == SETTINGS.trust.sanity_images
    assert verdicts["gradient"].model_randomisation.effect.high < 0.1  # W_t against a fresh draw: unrelated


def test_a_linear_model_passes_deletion_with_the_black_fill_against_both_controls(linear_model):
    _, trust, verdicts = linear_model
    for key in INPUT_TIMES_WEIGHTS:
        judgement = verdicts[key].deletion["black"]
        assert judgement.verdict == PASS, (key, judgement)
        assert judgement.images > SETTINGS.trust.faithfulness_images // 2
        for name, control in trust.controls.items():
            assert judge(judgement.effect, control.deletion["black"], judgement.images, True) == PASS, (key, name)


def test_efficient_mprt_misses_a_change_the_rank_correlation_sees(linear_model):
    """Why the randomisation rule is not Efficient MPRT against 0: the linear model's gradient is
    its weight column, and a fresh draw from the same initialiser gives an unrelated column of
    the same distribution, so the map changes completely while its complexity (the entropy of
    its histogram) does not. A rule on Efficient MPRT cannot pass it, whatever the sample."""
    _, trust, verdicts = linear_model
    for key in ("gradient", "saliency", "smoothgrad", *INPUT_TIMES_WEIGHTS):  # "less than one hundredth" (the page)
        rise = trust.methods[key].efficient_mprt
        assert abs(rise.mean) < 0.01 and rise.high - rise.low < 0.02, (key, rise)
        assert verdicts[key].model_randomisation.verdict == PASS
    for key in ("gradient", "saliency", "smoothgrad"):
        assert verdicts[key].model_randomisation.effect.mean < 0.1  # the gradient is W_t: unrelated to a fresh draw
    for key in INPUT_TIMES_WEIGHTS:  # "near one half" (the page): the maps share the factor x
        assert 0.3 < verdicts[key].model_randomisation.effect.mean < 0.7, key


def test_what_the_page_says_of_the_measures_without_a_rule(blind, linear_model):
    """The trust page's sentences on SSIM and on the similarity to another class, on the known models."""
    trust, _ = blind
    for key, method in trust.methods.items():  # a map that is zero everywhere scores 0 against any map
        ssim = trust.evidence.methods[key].cascade.ssim[-1]
        np.testing.assert_allclose(ssim, 0.0, atol=0.005, err_msg=key)  # 0.00 as the page shows it
        assert np.isnan(method.cascade[-1].spearman_abs_support.mean), key
    _, trust, _ = linear_model
    target = trust.methods["gradient_x_input"].random_target  # classes weigh unrelated pixels; black pixels tie
    assert target.spearman_abs.low > 0.95 and abs(target.spearman.mean) < 0.1


def test_random_target_has_no_rule_because_a_correct_map_may_keep_its_ranking(mnist):
    """A linear model whose classes weigh the same pixels (kernel = w aᵀ, one number a_c per class):
    the correct map of every class is a_c times one map, so any rule asking the absolute map to
    change with the class would fail exact maps."""
    rng = np.random.default_rng(3)
    model = dense(np.outer(rng.normal(size=784), rng.choice([-2.0, -1.0, 1.0, 3.0], size=10)), np.zeros(10))
    x = to_model_input(mnist.x_test[:16])
    targets = np.argmax(model.predict(x, verbose=0), axis=1)
    sanity = sanity_evidence(model, x, targets, None, SETTINGS, to_model_input(mnist.x_train[:64]), lambda line: None)
    for key in EXACT:
        np.testing.assert_allclose(sanity.methods[key].target.spearman_abs, 1.0, atol=1e-9, err_msg=key)
        np.testing.assert_allclose(np.abs(sanity.methods[key].target.spearman), 1.0, atol=1e-9, err_msg=key)
