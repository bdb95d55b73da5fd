"""Figures: shared colour scales, valid and reproducible PNGs, robustness to bad values."""

import struct

import numpy as np
import pytest
from matplotlib.image import imread

from generator.methods import keys
from generator.figures.example import (
    MIN_SCALE,
    MapScales,
    completeness_text,
    draw_class_means,
    draw_example,
    map_scales,
)
from generator.figures.charts import draw_confusion_matrix, draw_training_curves
from generator.stages.results import ClassMeans, Completeness, ContrastMap, Example, TrainingHistory
from tests.helpers.figures import make_example, make_row

NAMES = tuple(str(k) for k in range(10))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == PNG_SIGNATURE
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        chunks.append((data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return chunks


def test_map_scales_take_the_percentile_over_the_inked_pixels_of_all_examples():
    image = np.zeros((2, 2), np.float32)
    first = np.array([[1.0, -2.0], [3.0, -4.0]])
    second = np.array([[-5.0, 6.0], [-7.0, 8.0]])
    examples = [
        Example(1, 0, 0, 0.9, image, (make_row(0, first, ig=first * 10),)),
        Example(2, 1, 2, 0.8, image, (make_row(2, second, ig=second * 10), make_row(1, first * 0))),
    ]
    # |values| pooled: 1..8 plus four zeros from the last row, which do not count (they are
    # not ink); the median of 1..8 is 4.5.
    scales = map_scales(examples, percentile=50)
    assert scales.gradient == pytest.approx(4.5)
    assert scales.saliency == pytest.approx(4.5)
    assert scales.integrated_gradients == pytest.approx(45.0)
    # The maximum is the 100th percentile: the largest |value| of any example, not of one.
    assert map_scales(examples, percentile=100).gradient == pytest.approx(8.0)


def test_map_scales_ignore_non_finite_values_and_never_return_zero():
    image = np.zeros((2, 2), np.float32)
    gradient = np.array([[1.0, np.nan], [np.inf, 3.0]])
    example = Example(1, 0, 0, 0.9, image, (make_row(0, gradient, ig=np.zeros((2, 2))),))
    scales = map_scales([example], percentile=100)
    assert scales.gradient == pytest.approx(3.0)
    assert scales.integrated_gradients == MIN_SCALE
    assert map_scales([]) == MapScales(dict.fromkeys(keys(), MIN_SCALE))


def test_contrast_maps_share_their_methods_scale():
    image = np.zeros((2, 2), np.float32)
    row = make_row(0, np.ones((2, 2)), ig=np.ones((2, 2)))
    check = Completeness(36.0, 36.0, 0.0, 64)
    contrast = ContrastMap({"integrated_gradients": np.full((2, 2), 9.0), "expected_gradients": np.full((2, 2), -5.0)},
                           check, check)
    example = Example(1, 1, 0, 0.9, image, (row, row), contrast)
    scales = map_scales([example], percentile=100)
    assert scales.integrated_gradients == pytest.approx(9.0) and scales.expected_gradients == pytest.approx(5.0)


def test_draw_example_writes_a_png_with_one_row_of_maps_per_target(tmp_path):
    correct, wrong = make_example(17, 3, 3), make_example(1234, 2, 7, seed=1)
    scales = map_scales([correct, wrong])
    assert draw_example(correct, scales, NAMES, tmp_path / "correct.png")
    assert draw_example(wrong, scales, NAMES, tmp_path / "figures" / "wrong.png")

    one_row = imread(tmp_path / "correct.png")
    two_rows = imread(tmp_path / "figures" / "wrong.png")
    assert one_row.shape[1] == two_rows.shape[1]
    assert 1.7 * one_row.shape[0] < two_rows.shape[0] < 2.3 * one_row.shape[0]
    assert one_row.std() > 0.05  # something was drawn, not a blank canvas


def test_same_inputs_give_the_same_bytes_and_leave_the_file_alone(tmp_path):
    example = make_example(1234, 2, 7)
    scales = map_scales([example])
    path = tmp_path / "example.png"
    assert draw_example(example, scales, NAMES, path) is True
    first = path.read_bytes()
    first_mtime = path.stat().st_mtime_ns
    assert draw_example(example, scales, NAMES, path) is False
    assert path.read_bytes() == first
    assert path.stat().st_mtime_ns == first_mtime
    # Another scale changes the picture, and the file.
    wider = MapScales({**scales.limits, "gradient": scales.gradient * 2})
    assert draw_example(example, wider, NAMES, path) is True


def test_png_carries_no_timestamp_or_software_text(tmp_path):
    example = make_example(5, 1, 1)
    path = tmp_path / "example.png"
    draw_example(example, map_scales([example]), NAMES, path)
    chunks = png_chunks(path.read_bytes())
    kinds = {kind for kind, _ in chunks}
    assert b"tIME" not in kinds
    texts = b" ".join(body for kind, body in chunks if kind in (b"tEXt", b"iTXt", b"zTXt"))
    for word in (b"Software", b"Creation", b"Date", b"matplotlib"):
        assert word.lower() not in texts.lower()


def test_non_finite_maps_and_odd_class_names_are_drawn_without_error(tmp_path):
    example = make_example(9, 2, 7)
    broken = example.rows[0].gradient.copy()
    broken[3, 4] = np.nan
    bad_row = make_row(7, broken, ig=np.full((28, 28), np.inf))
    example = Example(9, 2, 7, 0.5, example.image, (bad_row, example.rows[1]))
    names = NAMES[:2] + ("$x$ <b>",) + NAMES[3:]
    assert draw_example(example, map_scales([example]), names, tmp_path / "nan.png")
    assert imread(tmp_path / "nan.png").ndim == 3


def test_confusion_matrix_draws_with_and_without_errors(tmp_path):
    confusion = np.diag(np.full(10, 980))
    confusion[2, 7] = 13
    confusion[4, 9] = 1
    assert draw_confusion_matrix(confusion, NAMES, tmp_path / "confusion.png")
    assert draw_confusion_matrix(np.zeros((10, 10), int), NAMES, tmp_path / "empty.png")
    assert not draw_confusion_matrix(confusion, NAMES, tmp_path / "confusion.png")
    assert imread(tmp_path / "confusion.png").shape[2] in (3, 4)


@pytest.mark.parametrize(
    "history",
    [
        TrainingHistory(loss=[0.4], accuracy=[0.9]),
        TrainingHistory(loss=[0.5, 0.3, 0.2], accuracy=[0.8, 0.9, 0.95],
                        val_loss=[0.4, 0.3, 0.25], val_accuracy=[0.85, 0.9, 0.93]),
        TrainingHistory(),
    ],
    ids=["1-epoch-no-validation", "3-epochs", "empty"],
)
def test_training_curves_draw_for_any_number_of_epochs(tmp_path, history):
    path = tmp_path / "curves.png"
    assert draw_training_curves(history, path)
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert not draw_training_curves(history, path)


def test_contrast_adds_a_row_and_misses_are_flagged(tmp_path):
    wrong = make_example(1234, 2, 7, seed=1)
    contrast = ContrastMap({"integrated_gradients": np.ones((28, 28), np.float32),
                            "expected_gradients": -np.ones((28, 28), np.float32)},
                           Completeness(784.0, 700.0, 0.12, 1024), Completeness(-784.0, -790.0, 0.008, 64))
    with_contrast = Example(1234, 2, 7, 0.93, wrong.image, wrong.rows, contrast)
    scales = map_scales([with_contrast])
    draw_example(wrong, scales, NAMES, tmp_path / "two.png")
    draw_example(with_contrast, scales, NAMES, tmp_path / "three.png")
    two, three = imread(tmp_path / "two.png"), imread(tmp_path / "three.png")
    assert 1.3 * two.shape[0] < three.shape[0] < 1.7 * two.shape[0]
    assert "ABOVE THE 1% TOLERANCE" in completeness_text(contrast.completeness)
    assert "TOLERANCE" not in completeness_text(wrong.rows[0].completeness)


def test_class_means_figure_draws_with_an_empty_group(tmp_path):
    rng = np.random.default_rng(3)
    maps = rng.normal(size=(4, 28, 28))
    means = ClassMeans(3, 900, 0, maps[0], np.abs(maps[1]), np.zeros((28, 28)), np.zeros((28, 28)))
    assert draw_class_means(means, NAMES, tmp_path / "means.png")
    assert imread(tmp_path / "means.png").std() > 0.05
