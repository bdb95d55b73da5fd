"""Inputs as the figures draw them (generator/figures/input_image.py): grey images through the grey
colour map as always, colour (H, W, 3) images in their own colours, in every figure that shows an
input (the publication figure, baselines, decoy, reading, changes)."""

from dataclasses import replace

import numpy as np
import pytest
from matplotlib.image import imread

from generator.figures.baselines import draw_baselines
from generator.figures.changes import draw_changed_image
from generator.figures.decoy import draw_decoy
from generator.figures.example import draw_example, map_scales
from generator.figures.input_image import (INPUT_SCALE, channels_last, input_pixels, input_tile_rgb, is_colour,
                                           read_colour_tile)
from generator.figures.reading import AnnotatedRow, draw_annotated_example
from generator.methods import shown_input
from generator.stages.baselines import COLUMNS, BaselineStudy
from generator.stages.changes import ChangedImage
from generator.stages.colour_scale import colour_table
from generator.stages.results import Example
from tests.helpers.decoy import synthetic_decoy
from tests.helpers.figures import make_row

SIDE = 32
NAMES = [str(k) for k in range(10)]
GREEN = np.array([0.0, 1.0, 0.0], np.float32)
"""A colour no figure's colour map holds (pure green): where it shows, the input was drawn in colour."""


def colour_image(rng: np.random.Generator) -> np.ndarray:
    """(32, 32, 3) pixel/255 values: random colours around a pure green 12×12 square."""
    image = (rng.integers(0, 256, (SIDE, SIDE, 3)) / 255).astype(np.float32)
    image[10:22, 10:22] = GREEN
    return image


def green_pixels(path) -> int:
    """How many pixels of a saved PNG are pure green (each channel within 3% of (0, 1, 0))."""
    rgb = imread(path)[..., :3]
    return int(np.sum(np.all(np.abs(rgb - GREEN) < 0.03, axis=-1)))


def test_grey_inputs_are_drawn_as_before_and_colour_ones_as_they_are():
    grey = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    assert input_pixels(grey) is grey
    np.testing.assert_array_equal(input_pixels(grey[..., None]), grey)
    assert not is_colour(grey) and not is_colour(grey[..., None])
    colour = np.stack([grey, 1 - grey, np.full_like(grey, 1.2)], axis=-1)
    assert is_colour(colour)
    assert input_pixels(colour).shape == (3, 4, 3) and input_pixels(colour).max() == 1.0  # clipped to [0, 1]
    with pytest.raises(ValueError, match="2 channels|shape"):
        input_pixels(np.zeros((3, 4, 2)))
    assert channels_last(grey).shape == (3, 4, 1) and channels_last(colour) is colour


def test_shown_input_drops_a_grey_channel_and_keeps_colour():
    grey = np.random.default_rng(0).random((2, 5, 6, 1)).astype(np.float32)
    np.testing.assert_array_equal(shown_input(grey), grey[..., 0])
    colour = np.random.default_rng(1).random((2, 5, 6, 3)).astype(np.float32)
    assert shown_input(colour) is colour


def test_a_grey_tile_is_the_grey_scale_with_equal_channels():
    grey = np.arange(256, dtype=np.float32).reshape(16, 16) / 255
    rgb = input_tile_rgb(grey)
    assert rgb.shape == (16, 16, 3) and rgb.dtype == np.uint8
    assert np.all(rgb[..., 0] == rgb[..., 1]) and np.all(rgb[..., 1] == rgb[..., 2])
    np.testing.assert_array_equal(rgb, colour_table("gray")[INPUT_SCALE.levels(grey)])
    np.testing.assert_array_equal(input_tile_rgb(grey[..., None]), rgb)


def test_a_colour_tile_holds_each_channel_byte():
    rng = np.random.default_rng(2)
    pixels = rng.integers(0, 256, (8, 9, 3))
    rgb = input_tile_rgb((pixels / 255).astype(np.float32))
    np.testing.assert_array_equal(rgb, pixels)
    np.testing.assert_allclose(read_colour_tile(rgb), pixels / 255)


def colour_example(rng: np.random.Generator, true: int = 2, predicted: int = 7) -> Example:
    targets = (true,) if true == predicted else (predicted, true)
    rows = tuple(make_row(t, rng.normal(size=(SIDE, SIDE)).astype(np.float32)) for t in targets)
    return Example(5, true, predicted, 0.8, colour_image(rng), rows)


def test_the_publication_figure_draws_a_colour_input_in_colour(tmp_path):
    rng = np.random.default_rng(3)
    example = colour_example(rng)
    assert draw_example(example, map_scales([example]), NAMES, tmp_path / "colour.png")
    grey = replace(example, image=example.image.mean(axis=-1))
    assert draw_example(grey, map_scales([grey]), NAMES, tmp_path / "grey.png")
    assert green_pixels(tmp_path / "colour.png") > 100  # the square, in both rows' input panels
    assert green_pixels(tmp_path / "grey.png") == 0


def test_the_reading_figure_draws_a_colour_input_in_colour(tmp_path):
    rng = np.random.default_rng(4)
    image = colour_image(rng)
    image[:4, :4] = 0.0  # a pixel at the baseline in every channel, for the "x = baseline" callout
    ig = rng.normal(size=(SIDE, SIDE)).astype(np.float32)
    row = AnnotatedRow(image=image, gradient=ig * 2, ig=ig, target_name="cat", attribution_sum=1.0,
                       logit_delta=1.01, steps=64, gradient_scale=2.0, ig_scale=1.0, baseline=0.0)
    assert draw_annotated_example(row, tmp_path / "reading.png")
    assert green_pixels(tmp_path / "reading.png") > 30


def test_the_baselines_figure_draws_colour_inputs_and_baselines_in_colour(tmp_path):
    rng = np.random.default_rng(5)
    images = np.stack([colour_image(rng)])
    study = BaselineStudy(
        test_index=np.array([42]), predicted=np.array([9]), true=np.array([4]), images=images,
        maps=rng.normal(size=(1, len(COLUMNS), SIDE, SIDE)), attribution_sum=np.ones((1, len(COLUMNS))),
        score_delta=np.ones((1, len(COLUMNS))), relative_error=np.zeros((1, len(COLUMNS))),
        study_black_share=np.zeros(len(COLUMNS)), eg_missing_ink=np.zeros(1), black_share={},
        baselines=np.stack([np.stack([np.zeros_like(images[0])] + [images[0]] * (len(COLUMNS) - 2))]))
    assert draw_baselines(study, NAMES, tmp_path / "baselines.png")
    assert green_pixels(tmp_path / "baselines.png") > 30 * (len(COLUMNS) - 1)


def test_the_decoy_figure_draws_colour_inputs_in_colour(tmp_path):
    rng = np.random.default_rng(6)
    decoy = synthetic_decoy()
    decoy = replace(decoy, examples=np.stack([colour_image(rng) for _ in decoy.examples]))
    assert draw_decoy(decoy, tmp_path / "decoy.png")
    assert green_pixels(tmp_path / "decoy.png") > 30


def test_the_changes_figure_draws_a_colour_input_in_colour(tmp_path):
    rng = np.random.default_rng(7)
    change = ChangedImage(42, 4, 4, 9, 0.9, 0.6, colour_image(rng), rng.normal(size=(SIDE, SIDE)),
                          rng.normal(size=(SIDE, SIDE)))
    assert draw_changed_image(change, 1.0, NAMES, tmp_path / "changes.png")
    assert green_pixels(tmp_path / "changes.png") > 30
