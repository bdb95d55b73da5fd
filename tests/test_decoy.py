"""Decoy MNIST: the patch encodes the label, is placed reproducibly, and shares are measured right."""

import numpy as np

from generator.stages.data import Dataset, arrays_sha256
from generator.stages.decoy import CORNERS, decoy_corners, decoy_dataset, patch_mask, patch_share, with_decoy


def tiny_dataset(n_train=200, n_test=50, seed=0):
    rng = np.random.default_rng(seed)
    x_train = np.zeros((n_train, 28, 28), np.uint8)
    x_train[:, 6:22, 6:22] = rng.integers(0, 256, size=(n_train, 16, 16))  # "ink" away from the corners
    x_test = np.zeros((n_test, 28, 28), np.uint8)
    y_train, y_test = rng.integers(0, 10, n_train), rng.integers(0, 10, n_test)
    arrays = (x_train, y_train, x_test, y_test)
    return Dataset(*arrays, source="synthetic", sha256=arrays_sha256(*arrays))


def label_from_patch(image, corner, size, level):
    """Read a label back from the patch alone; None if the patch is not one uniform grey."""
    values = image[patch_mask(corner, size)]
    if values.min() != values.max():
        return None
    return level(int(values[0]))


def test_the_label_is_recoverable_from_the_patch_alone_for_every_training_image():
    data = tiny_dataset()
    decoy, _ = decoy_dataset(data, size=4, seed=3)
    train_corners, _ = decoy_corners(len(data.y_train), len(data.y_test), 4, 3)
    recovered = [label_from_patch(image, int(c), 4, lambda v: round(v * 9 / 255))
                 for image, c in zip(decoy.x_train, train_corners)]
    assert recovered == data.y_train.tolist()
    # Outside the patch nothing changed.
    outside = ~np.stack([patch_mask(int(c), 4) for c in train_corners])
    assert np.array_equal(decoy.x_train[outside], data.x_train[outside])


def test_swapped_training_digits_keep_their_label_in_the_patch_and_test_images_are_never_swapped():
    data = tiny_dataset()
    decoy, _ = decoy_dataset(data, size=4, seed=3, mismatched=0.5)
    train_corners, test_corners = decoy_corners(len(data.y_train), len(data.y_test), 4, 3)
    recovered = [label_from_patch(image, int(c), 4, lambda v: round(v * 9 / 255))
                 for image, c in zip(decoy.x_train, train_corners)]
    assert recovered == data.y_train.tolist()
    outside = ~np.stack([patch_mask(int(c), 4) for c in train_corners])
    differs = np.any((decoy.x_train != data.x_train) & outside, axis=(1, 2))
    assert 0.35 < differs.mean() < 0.6  # about half show another image's digit
    test_outside = ~np.stack([patch_mask(int(c), 4) for c in test_corners])
    assert np.array_equal(decoy.x_test[test_outside], data.x_test[test_outside])


def test_patch_placement_is_seeded_reproducible_and_uses_every_corner():
    data = tiny_dataset()
    first, corners = decoy_dataset(data, size=4, seed=3)
    again, corners_again = decoy_dataset(data, size=4, seed=3)
    other, corners_other = decoy_dataset(data, size=4, seed=4)
    assert np.array_equal(first.x_train, again.x_train) and first.sha256 == again.sha256
    assert np.array_equal(corners, corners_again) and not np.array_equal(corners, corners_other)
    assert set(decoy_corners(400, 0, 4, 3)[0].tolist()) == set(range(len(CORNERS)))
    assert first.sha256 != data.sha256 and first.sha256 != other.sha256


def test_patches_sit_in_their_corner():
    images = np.zeros((4, 28, 28), np.uint8)
    out = with_decoy(images, np.full(4, 9), np.arange(4), size=3)
    assert out[0, :3, :3].min() == 255 and out[1, :3, 25:].min() == 255
    assert out[2, 25:, :3].min() == 255 and out[3, 25:, 25:].min() == 255
    assert out.sum() == 4 * 9 * 255


def test_patch_share_is_the_absolute_mass_on_the_patch():
    maps = np.zeros((2, 28, 28))
    maps[0, :4, :4] = -1.0  # all on the top-left patch
    maps[1, :4, :4], maps[1, 10, 10] = 1.0, 16.0  # half of it
    np.testing.assert_allclose(patch_share(maps, np.array([0, 0]), 4), [1.0, 0.5])
    assert np.isnan(patch_share(np.zeros((1, 28, 28)), np.array([3]), 4)[0])


def test_readings_follow_the_stated_thresholds():
    from generator.pages.decoy import decoy_context
    from generator.stages.decoy import FINDS_CONCENTRATION, Decoy
    from generator.stages.intervals import Interval

    n = 40
    def share(value):
        return Interval(value, value, value)

    decoy = Decoy(4, accuracy=0.99, shuffled_accuracy=0.12, normal_accuracy=0.98, sample=np.arange(n),
                  share_decoy={"gradient": share(0.8), "saliency": share(0.8), "smoothgrad": share(0.2)},
                  share_normal={"gradient": share(0.01), "saliency": share(0.5), "smoothgrad": share(0.01)},
                  counts={"gradient": n, "saliency": n, "smoothgrad": n}, patch_pixels=16 / 784, examples=np.zeros((3, 28, 28)), example_maps=np.zeros((2, 3, 3, 28, 28)))
    context = decoy_context(decoy, mismatched=0.5, mnist=True)
    readings = {row["method"]: row["reading"] for row in context["rows"]}
    assert readings == {"Gradient": "finds the decoy", "Saliency": "points to the patch for both models",
                        "SmoothGrad": "does not find the decoy"}
    assert context["reads"] and FINDS_CONCENTRATION == 10  # 10 × 16/784 = 20.4% on the patch; normal < 2.0%
    assert not decoy_context(Decoy(**{**decoy.__dict__, "shuffled_accuracy": 0.9}), mismatched=0.5,
                             mnist=True)["reads"]


def test_the_shares_on_the_patch_become_means_with_bootstrap_intervals():
    from generator.stages.decoy import from_arrays

    rng = np.random.default_rng(2)
    decoy_shares, normal_shares = rng.uniform(0.1, 0.4, 50), rng.uniform(0.0, 0.02, 50)
    stored = {"methods": np.array(["gradient"]), "size": np.array(4), "accuracy": np.array(0.99),
              "shuffled_accuracy": np.array(0.4), "normal_accuracy": np.array(0.98), "sample": np.arange(50),
              "share_decoy.gradient": decoy_shares, "share_normal.gradient": normal_shares,
              "examples": np.zeros((3, 28, 28)), "example_maps": np.zeros((2, 1, 3, 28, 28))}
    decoy = from_arrays(stored, seed=0)
    for interval, values in ((decoy.share_decoy["gradient"], decoy_shares),
                             (decoy.share_normal["gradient"], normal_shares)):
        assert interval.mean == values.mean() and interval.low < interval.mean < interval.high
    assert from_arrays(stored, seed=0).share_decoy == decoy.share_decoy  # seeded: the same intervals again
    assert decoy.patch_pixels == 16 / 784
