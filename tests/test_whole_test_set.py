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
