"""Colour scales and map tiles: limits from inked pixels, measured clipping, and tiles that
decode back to the values they show within one colour step."""

import io

import numpy as np
import pytest
from PIL import Image

from generator.stages.colour_scale import LEVELS, ColourScale, clipping, limit
from generator.figures.tiles import INPUT_SCALE, draw_colour_bar, read_tile, tile_bytes

SIGNED = ColourScale(limit=2.0, signed=True, cmap="RdBu_r", unit="logit units")
MAGNITUDE = ColourScale(limit=3.0, signed=False, cmap="viridis", unit="logit per unit intensity")


def test_limit_ignores_zero_pixels():
    # 1,000 zeros and the values 1 … 200: a percentile over all pixels would be pulled to 0.
    maps = [np.zeros(1000), np.arange(1, 201, dtype=float)]
    assert limit(maps, 50.0) == pytest.approx(100.5)
    assert limit(maps, 100.0) == 200.0
    assert limit([np.zeros(5)]) == 1e-12
    assert limit([np.array([np.nan, np.inf, 4.0])], 100.0) == 4.0


def test_clipping_counts_pixels_inked_pixels_and_attribution():
    values = np.array([0.0, 0.0, 0.0, 0.0, 1.0, -1.0, 2.0, -6.0])  # |v| sums to 10
    measured = clipping([values], 1.5)
    assert measured.pixels == pytest.approx(2 / 8)
    assert measured.inked_pixels == pytest.approx(2 / 4)
    assert measured.attribution == pytest.approx(8 / 10)
    assert clipping([np.zeros(4)], 1.0).attribution == 0.0


def test_zero_has_its_own_step_and_the_ends_are_the_limits():
    assert SIGNED.levels(np.array([-2.0, 0.0, 2.0, 9.0])).tolist() == [0, LEVELS // 2, LEVELS - 1, LEVELS - 1]
    assert SIGNED.values(np.array([0, LEVELS // 2, LEVELS - 1])).tolist() == [-2.0, 0.0, 2.0]
    assert MAGNITUDE.levels(np.array([-1.0, 0.0, 3.0])).tolist() == [0, 0, LEVELS - 1]


@pytest.mark.parametrize("scale", [SIGNED, MAGNITUDE, INPUT_SCALE])
def test_a_tile_decodes_to_its_values_within_one_colour_step(scale):
    rng = np.random.default_rng(0)
    low = -scale.limit if scale.signed else 0.0
    values = rng.uniform(low * 1.2, scale.limit * 1.2, size=(28, 28))
    data = tile_bytes(values, scale)
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    assert Image.open(io.BytesIO(data)).size == (28, 28)
    decoded = read_tile(data, scale)
    shown = np.clip(values, low, scale.limit)  # beyond the limit a tile shows the limit
    assert np.max(np.abs(decoded - shown)) <= scale.step


def test_equal_maps_give_equal_bytes_and_tiles_stay_small():
    values = np.linspace(-2, 2, 784).reshape(28, 28)
    assert tile_bytes(values, SIGNED) == tile_bytes(values.copy(), SIGNED)
    assert len(tile_bytes(values, SIGNED)) < 28 * 28 * 3  # smaller than the raw RGB pixels, whatever the map


def test_a_map_with_non_finite_values_is_one_grey():
    values = np.ones((28, 28))
    values[3, 4] = np.nan
    pixels = np.asarray(Image.open(io.BytesIO(tile_bytes(values, SIGNED))).convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) == 1


def test_colour_bar_runs_from_the_lowest_to_the_highest_value(tmp_path):
    draw_colour_bar(SIGNED, tmp_path / "bar.webp")
    decoded = read_tile((tmp_path / "bar.webp").read_bytes(), SIGNED)
    assert decoded.shape == (1, LEVELS)
    assert np.all(np.diff(decoded[0]) > 0)
    assert decoded[0, 0] == -2.0 and decoded[0, -1] == 2.0


@pytest.mark.parametrize("side", [8, 64])
@pytest.mark.parametrize("scale", [SIGNED, MAGNITUDE])
def test_a_tile_of_any_size_is_written_at_its_size_and_decodes_within_one_step(side, scale):
    values = np.random.default_rng(side).uniform(-scale.limit, scale.limit, size=(side, side + 3))
    data = tile_bytes(values, scale)
    assert Image.open(io.BytesIO(data)).size == (side + 3, side)  # (width, height): one pixel per value
    shown = np.clip(values, -scale.limit if scale.signed else 0.0, scale.limit)
    assert np.max(np.abs(read_tile(data, scale) - shown)) <= scale.step
    assert Image.open(io.BytesIO(tile_bytes(np.zeros((256, 256)), scale))).size == (256, 256)


def test_a_colour_input_tile_is_rgb_and_decodes_to_its_pixels():
    pixels = np.random.default_rng(3).integers(0, 256, (32, 40, 3))
    data = tile_bytes((pixels / 255).astype(np.float32), INPUT_SCALE)
    image = Image.open(io.BytesIO(data))
    assert image.size == (40, 32) and image.mode == "RGB"
    decoded = read_tile(data, INPUT_SCALE, colour=True)
    np.testing.assert_allclose(decoded, pixels / 255, atol=1e-12)  # lossless: every byte as it was
    assert np.any(decoded[..., 0] != decoded[..., 1])


def test_a_grey_input_tile_has_equal_channels_and_a_non_finite_colour_one_is_one_grey():
    grey = np.random.default_rng(4).random((28, 28)).astype(np.float32)
    pixels = np.asarray(Image.open(io.BytesIO(tile_bytes(grey, INPUT_SCALE))).convert("RGB"))
    assert np.all(pixels[..., 0] == pixels[..., 1]) and np.all(pixels[..., 1] == pixels[..., 2])
    assert np.max(np.abs(read_tile(tile_bytes(grey, INPUT_SCALE), INPUT_SCALE) - grey)) <= INPUT_SCALE.step
    colour = np.ones((8, 8, 3), np.float32)
    colour[2, 3, 1] = np.inf
    pixels = np.asarray(Image.open(io.BytesIO(tile_bytes(colour, INPUT_SCALE))).convert("RGB"))
    assert pixels.shape == (8, 8, 3) and len(np.unique(pixels.reshape(-1, 3), axis=0)) == 1
