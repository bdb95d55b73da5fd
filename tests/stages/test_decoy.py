"""Decoy MNIST: the patch encodes the label in a grey that is never black, sits where the model
reads, and the localisation metrics, intervals, rules and page follow their closed forms."""

import re

import numpy as np
import pytest

from generator.stages.data import Dataset, arrays_sha256
from generator.stages.decoy import CORNERS, decoy_corners, decoy_dataset, patch_mask, with_decoy
from generator.stages.decoy_data import grey_level, patch_masks, readable_share
from generator.stages.decoy_rules import FAIL, INCONCLUSIVE, PASS, RULE, verdict
from generator.stages.intervals import Interval, interval
from generator.stages.localisation import mass_accuracy, paired_means, percentile_interval, rank_accuracy
from tests.helpers.decoy import measurement, synthetic_decoy


def level_of(grey):
    """The label whose patch has this grey (255 − 25·y)."""
    return (255 - grey) / 25


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
    recovered = [label_from_patch(image, int(c), 4, level_of) for image, c in zip(decoy.x_train, train_corners)]
    assert recovered == data.y_train.tolist()
    # Outside the patch nothing changed.
    outside = ~np.stack([patch_mask(int(c), 4) for c in train_corners])
    assert np.array_equal(decoy.x_train[outside], data.x_train[outside])


def test_swapped_training_digits_keep_their_label_in_the_patch_and_test_images_are_never_swapped():
    data = tiny_dataset()
    decoy, _ = decoy_dataset(data, size=4, seed=3, mismatched=0.5)
    train_corners, test_corners = decoy_corners(len(data.y_train), len(data.y_test), 4, 3)
    recovered = [label_from_patch(image, int(c), 4, level_of) for image, c in zip(decoy.x_train, train_corners)]
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
    assert out[0, :3, :3].min() == 30 and out[1, :3, 25:].min() == 30
    assert out[2, 25:, :3].min() == 30 and out[3, 25:, 25:].min() == 30
    assert out.sum() == 4 * 9 * 30


def test_patches_sit_in_the_corners_of_the_region_read():
    out = with_decoy(np.zeros((4, 28, 28), np.uint8), np.zeros(4), np.arange(4), size=4, extent=(26, 26))
    assert out[0, :4, :4].min() == 255 and out[1, :4, 22:26].min() == 255
    assert out[2, 22:26, :4].min() == 255 and out[3, 22:26, 22:26].min() == 255
    assert out[:, 26:, :].max() == 0 and out[:, :, 26:].max() == 0  # nothing in the unread border
    assert out.sum() == 4 * 16 * 255


def test_grey_levels_are_never_black_and_tell_every_label_apart():
    greys = grey_level(np.arange(10))
    assert greys.tolist() == [255, 230, 205, 180, 155, 130, 105, 80, 55, 30]
    assert greys.min() >= 30 and len(set(greys.tolist())) == 10


def test_the_report_cnn_reads_every_patch_pixel_where_the_patches_are_now_placed():
    pytest.importorskip("keras")
    from generator.stages.model import build_cnn
    from generator.stages.read_region import read_region

    region = read_region(build_cnn())
    assert (region.rows, region.columns, region.unread_pixels) == (26, 26, 28 * 28 - 26 * 26)
    data = tiny_dataset()
    _, corners = decoy_dataset(data, size=4, seed=3, extent=(region.rows, region.columns))
    assert readable_share(corners, 4, (26, 26), (26, 26)) == 1.0
    # Placed in the image's own corners, a 4×4 patch kept 16, 8, 8 and 4 readable pixels.
    assert readable_share(np.arange(4), 4, (28, 28), (26, 26)) == (16 + 8 + 8 + 4) / 64


def test_mass_accuracy_is_the_absolute_mass_on_the_patch():
    maps = np.zeros((2, 28, 28))
    maps[0, :4, :4] = -1.0  # all on the top-left patch
    maps[1, :4, :4], maps[1, 10, 10] = 1.0, 16.0  # half of it
    masks = patch_masks(np.array([0, 0]), 4, (28, 28), (28, 28))
    np.testing.assert_allclose(mass_accuracy(maps, masks), [1.0, 0.5])
    assert np.isnan(mass_accuracy(np.zeros((1, 28, 28)), masks[:1])[0])


def test_rank_accuracy_counts_the_top_k_pixels_on_the_patch_and_shares_ties_evenly():
    masks = patch_masks(np.zeros(5, int), 4, (28, 28), (28, 28))
    maps = np.zeros((5, 28, 28))
    maps[0, :4, :4] = -2.0  # the 16 largest |values| are the patch
    maps[0, 20, 20] = 1.0
    maps[1, :4, :2], maps[1, 10, 10:18] = 5.0, 5.0  # 8 of the top 16 on the patch
    maps[2] = 1.0  # every pixel tied: the patch's share of the image
    maps[3, :4, 0], maps[3, 12, 0:8] = 3.0, 3.0  # 12 above the 16th value, 4 of them on the patch
    maps[3, :4, 1:3], maps[3, :2, 3], maps[3, 20, 0:10] = 1.0, 1.0, 1.0  # 20 tied at it, 10 on the patch
    # maps[4] stays 0 everywhere: no order, NaN.
    values = rank_accuracy(maps, masks)
    np.testing.assert_allclose(values[:4], [1.0, 0.5, 16 / 784, (4 + 4 * 10 / 20) / 16])
    assert np.isnan(values[4])


def test_the_rule_passes_above_fails_at_or_below_and_is_inconclusive_when_the_intervals_overlap():
    def i(low, high):
        return Interval((low + high) / 2, low, high)

    assert verdict(i(0.3, 0.4), i(0.1, 0.29)) == PASS
    assert verdict(i(0.3, 0.4), i(0.1, 0.3)) == INCONCLUSIVE  # touching is not above
    assert verdict(i(0.1, 0.2), i(0.2, 0.3)) == FAIL  # at or below
    assert verdict(i(0.0, 0.0), i(0.0, 0.0)) == FAIL  # a map that is 0 on the patch for both models
    assert verdict(i(0.1, 0.3), i(0.2, 0.4)) == INCONCLUSIVE
    assert verdict(Interval(np.nan, np.nan, np.nan), i(0.0, 0.1)) == INCONCLUSIVE
    assert "entirely above" in RULE and "at or below" in RULE and "inconclusive" in RULE


def test_paired_resamples_give_the_bootstrap_interval_of_each_column():
    rng = np.random.default_rng(4)
    values = rng.uniform(size=(30, 2))
    means = paired_means(values, seed=7)
    for column in range(2):
        expected = interval(values[:, column], seed=7)
        assert percentile_interval(means[:, column]) == pytest.approx((expected.low, expected.high))
    low, high = percentile_interval(np.array([1.0, 2.0, np.inf, np.inf, np.nan]), level=0.5)
    assert (low, high) == (1.0, np.inf)  # an infinite ratio stays infinite, NaN is left out


def test_the_metrics_become_means_with_paired_intervals_per_model_and_per_corner():
    import dataclasses

    from generator.plumbing.records import from_arrays, to_arrays
    from generator.stages.decoy import DecoyMeasurement, summarise

    measured = measurement()
    measured.methods["gradient"].rank[1, 5] = np.nan  # a normal map that is 0 everywhere: the image leaves both means
    measured = from_arrays(DecoyMeasurement, to_arrays(measured))  # as the cache stores and returns it
    decoy = summarise(measured, seed=0)
    rank = decoy.methods["gradient"].rank
    kept = np.delete(measured.methods["gradient"].rank, 5, axis=1)
    assert rank.count == 39 and rank.means.decoy == interval(kept[0], 0) and rank.means.normal == interval(kept[1], 0)
    assert rank.difference.mean == pytest.approx(kept[0].mean() - kept[1].mean())
    assert rank.ratio.mean == pytest.approx(kept[0].mean() / kept[1].mean())
    assert rank.ratio.low < rank.ratio.mean < rank.ratio.high
    corners = np.delete(measured.corners, 5)
    for c, name in enumerate(CORNERS):
        assert rank.corners[name].decoy.mean == pytest.approx(kept[0, corners == c].mean())
    again = summarise(measured, seed=0)  # seeded: the same intervals again
    assert [dataclasses.astuple(m.rank.means) for m in again.methods.values()] == [dataclasses.astuple(rank.means)]
    assert decoy.methods["gradient"].reading() == PASS and decoy.reads_patch() == PASS
    assert decoy.methods["gradient"].nonzero_median == (619.5, 119.5)  # the median of 600…639 and of 100…139
    overlapping = synthetic_decoy(decoy_range=(0.0, 0.1))
    assert overlapping.methods["gradient"].reading() == INCONCLUSIVE


def numbers(text):
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text.replace(",", ""))]


def render_page(decoy, mnist=True):
    from generator.pages.decoy import TEMPLATE, decoy_context
    from generator.pages.markdown_text import environment
    from tests.helpers.pages import TEMPLATES

    context = decoy_context(decoy, mismatched=0.5, mnist=mnist)
    return context, environment(TEMPLATES).get_template(TEMPLATE).render(context)


def test_the_page_states_the_rules_before_the_results_and_each_reading_follows_its_row():
    from generator.stages.decoy_rules import READS_RULE

    decoy = synthetic_decoy(methods=("gradient", "saliency"))
    context, page = render_page(decoy)
    first_result = page.index("| Gradient |")
    assert page.index(RULE) < first_result and page.index(READS_RULE) < page.index("## Does the decoy model read")
    assert page.index("## Does the decoy model read") < first_result
    assert "unchanged from the clean 98.86%" in page  # D6: the same accuracy, said so
    assert "bottom 2 rows and right 2 columns" in page and "108 of 784" in page and "100.0%" in page
    for row in context["rows"]:
        decoy_low, normal_high = numbers(row["decoy"])[1], numbers(row["normal"])[2]
        assert row["reading"] == "finds the decoy (pass)" and decoy_low > normal_high  # visible at the shown precision
    assert "it reads the patch (pass)" in page
    assert "| 620 / 120 |" in page.replace("\u00a0", " ")  # the medians, rounded to nearest (619.5 → 620)
    assert "its rows repeat the gradient's" not in page  # the synthetic saliency differs from the gradient
    other = synthetic_decoy(clean_accuracy=0.9880)
    assert "98.80% on the test images without a patch" in render_page(other)[1]
    assert "[model card](index.md#model) states it too" in page


def test_the_page_cites_the_model_card_and_the_one_off_measurement_only_where_they_apply():
    import dataclasses

    from generator.stages.read_region import ReadRegion

    own_model = dataclasses.replace(synthetic_decoy(), normal_region=ReadRegion(28, 28, 28, 28))  # reads every pixel
    _, page = render_page(own_model)
    assert "never reads the bottom 2 rows and right 2 columns" in page and "model card" not in page
    assert "99.29%" in page and "99.29%" not in render_page(dataclasses.replace(own_model, size=8))[1]


def test_bounds_the_rule_compared_are_shown_with_enough_decimals_to_see_the_order():
    from generator.pages.decoy import visible_decimals
    from generator.stages.decoy import Pair

    pair = Pair(Interval(0.05, 0.03104, 0.07), Interval(0.02, 0.01, 0.03101))
    assert verdict(pair.decoy, pair.normal) == PASS and visible_decimals(pair, PASS) == 3
    assert visible_decimals(Pair(Interval(0.5, 0.4, 0.6), Interval(0.1, 0.0, 0.2)), PASS) == 1


def test_the_model_card_states_the_unread_border_only_where_the_layers_show_one():
    from generator.pages.inputs import unread_border
    from generator.stages.read_region import ReadRegion

    line = unread_border(ReadRegion(26, 26, 28, 28))
    assert line.startswith("the bottom 2 rows and right 2 columns (108 of 784 pixels, 13.8%)")
    assert unread_border(ReadRegion(28, 27, 28, 28)).startswith("the right 1 column (28 of 784 pixels, 3.6%)")
    assert unread_border(ReadRegion(28, 28, 28, 28)) is None and unread_border(None) is None


def test_the_manifest_record_carries_every_number_the_rule_reads_and_its_reading_follows_from_them():
    from generator.stages.decoy_rules import READS_RULE
    from generator.stages.evidence_records import decoy_record

    decoy = synthetic_decoy(methods=("gradient", "integrated_gradients"), decoy_range=(0.05, 0.2))
    record = decoy_record(decoy)
    assert record["rule"] == RULE and record["reads_patch_rule"] == READS_RULE and record["readable_patch_share"] == 1.0
    assert record["unread_border"] == {"rows": 2, "columns": 2, "pixels": 108}
    for key, method in record["methods"].items():
        rank = method["rank_accuracy"]
        assert rank["decoy"] == decoy.methods[key].rank.means.decoy.to_dict()
        assert method["reading"] == verdict(Interval(**rank["decoy"]), Interval(**rank["normal"]))
        assert set(rank["corners"]) == set(CORNERS) and set(method["mass_accuracy"]) >= {"decoy", "normal", "ratio"}
    lost = record["accuracy_lost"]
    assert record["reads_patch"] == verdict(Interval(**lost["decoy"]), Interval(**lost["normal"])) == PASS


def test_accuracy_intervals_drawn_as_counts_match_the_closed_form_and_the_image_by_image_bootstrap():
    from generator.stages.decoy import counted_interval

    correct = np.zeros(10_000)
    correct[:9_000] = 1.0  # 90% accurate
    counted = counted_interval(correct, seed=3)
    half_width = 1.96 * np.sqrt(0.9 * 0.1 / 10_000)  # the normal approximation: ±0.59 pp
    assert counted.mean == 0.9
    assert counted.low == pytest.approx(0.9 - half_width, abs=0.0006)
    assert counted.high == pytest.approx(0.9 + half_width, abs=0.0006)
    change = np.repeat([-1.0, 0.0, 1.0], [300, 9_000, 700])  # −1/0/1 per image, mean 0.04
    half_width = 1.96 * np.sqrt((0.1 - 0.04 ** 2) / 10_000)
    for bounds in (counted_interval(change, seed=3), interval(change, seed=3)):  # as counts, and image by image
        # 1,000 resamples put a 2.5% quantile within about ±0.0003 (one standard error) of its limit
        assert bounds.low == pytest.approx(0.04 - half_width, abs=0.0012)
        assert bounds.high == pytest.approx(0.04 + half_width, abs=0.0012)
