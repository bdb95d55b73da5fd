"""Per-class mean maps over the whole test set."""

import numpy as np

from generator.stages.whole_test_set import class_means


def test_class_means_split_correct_and_misclassified_images():
    maps = np.stack([np.full((2, 2), v, float) for v in (1.0, 3.0, -2.0, 5.0, -7.0)])
    labels = np.array([0, 0, 0, 1, 1])
    predictions = np.array([0, 0, 1, 1, 0])
    means = class_means(maps, labels, predictions, classes=3)
    zero, one, two = means
    assert (zero.correct, zero.misclassified) == (2, 1)
    np.testing.assert_allclose(zero.signed_correct, 2.0)
    np.testing.assert_allclose(zero.signed_misclassified, -2.0)
    np.testing.assert_allclose(zero.absolute_misclassified, 2.0)
    assert (one.correct, one.misclassified) == (1, 1)
    np.testing.assert_allclose(one.signed_misclassified, -7.0)
    np.testing.assert_allclose(one.absolute_misclassified, 7.0)
    assert (two.correct, two.misclassified) == (0, 0)
    np.testing.assert_array_equal(two.signed_correct, 0.0)


def test_absolute_mean_is_not_the_absolute_of_the_mean():
    maps = np.stack([np.ones((1, 1)), -np.ones((1, 1))])
    (means,) = class_means(maps, np.array([0, 0]), np.array([0, 0]), classes=1)
    assert means.signed_correct[0, 0] == 0.0 and means.absolute_correct[0, 0] == 1.0


def test_the_pass_checks_every_map_against_its_true_class_logits():
    """A ReLU-free model: IG is exact, so each map's completeness error is ~0 only if both ends
    are the logits of the attributed (true) class, not of the predicted one."""
    keras = __import__("pytest").importorskip("keras")
    from generator.attributions import GradientFunction, completeness, integrated_gradients
    from generator.plumbing.settings import AttributionSettings
    from generator.stages.whole_test_set import attribute_whole_test_set

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(3, activation="tanh"),
                              keras.layers.Dense(3)])
    grad_fn = GradientFunction(model)
    images = np.random.default_rng(0).uniform(size=(12, 6, 6, 1)).astype(np.float32)
    labels = np.arange(12) % 3
    predictions = (labels + 1) % 3
    whole = attribute_whole_test_set(grad_fn, images, labels, predictions, AttributionSettings(baseline=0.2),
                                     log=lambda line: None)
    maps = integrated_gradients(grad_fn, images, labels, steps=16, baseline=0.2)
    _, at_input = grad_fn(images, labels)
    _, at_baseline = grad_fn(np.full_like(images, 0.2), labels)
    expected = completeness(maps, at_input, at_baseline).relative_error
    np.testing.assert_allclose(whole.relative_error, expected, rtol=1e-4, atol=1e-6)
    assert whole.means[0].correct == 0 and whole.means[0].misclassified == 4
