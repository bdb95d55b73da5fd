"""The model's input scale: the affine map, how users write it, and the accuracy check's verdict."""

import numpy as np
import pytest

from generator.cli import main
from generator.plumbing.input_scale import BYTE, MNIST_STANDARD, UNIT, InputScale
from generator.plumbing.settings import SettingsError
from generator.plumbing.settings_file import load_settings


def test_each_scale_maps_black_and_white_pixels_to_its_formula():
    pixels = np.array([0, 255, 51], dtype=np.float32) / np.float32(255)  # black, white, 51
    np.testing.assert_array_equal(UNIT.apply(pixels), pixels)
    np.testing.assert_allclose(BYTE.apply(pixels), [0, 255, 51], rtol=1e-6)
    np.testing.assert_allclose(MNIST_STANDARD.apply(pixels), (pixels - 0.1307) / 0.3081, rtol=1e-6)
    assert MNIST_STANDARD.offset == pytest.approx(-0.1307 / 0.3081)  # the black baseline, in model space
    assert BYTE.scale == pytest.approx(255) and BYTE.offset == 0
    assert BYTE.apply(pixels).dtype == np.float32


@pytest.mark.parametrize("written, expected", [
    ("unit", UNIT), ("byte", BYTE), ("0.1307,0.3081", MNIST_STANDARD),
    ({"mean": 0.1307, "std": 0.3081}, MNIST_STANDARD),
    ("mean=0.5,std=0.25", InputScale(0.5, 0.25)), ({"mean": 0, "std": 2}, InputScale(0.0, 2.0))])
def test_model_input_is_read_from_names_tables_and_flag_strings(written, expected, tmp_path):
    settings = load_settings(overrides={"train": {"model": "m.keras"}, "model": {"input": written}}, pyproject=None)
    assert settings.model.input == expected
    label = settings.to_dict()["model"]["input"]  # published as a user would write it, and read back the same
    assert load_settings(overrides={"train": {"model": "m.keras"}, "model": {"input": label}},
                         pyproject=None).model.input == expected


def test_model_input_in_a_config_file_table(tmp_path):
    config = tmp_path / "report.toml"
    config.write_text('[train]\nmodel = "m.keras"\n[model]\ninput = { mean = 0.1307, std = 0.3081 }\n')
    assert load_settings(config=config).model.input == MNIST_STANDARD
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.gradient-gallery.train]\nmodel = "m.keras"\n[tool.gradient-gallery.model]\n'
                         'input = "byte"\nallow_low_accuracy = true\n')
    settings = load_settings(pyproject=pyproject)
    assert settings.model.input == BYTE and settings.model.allow_low_accuracy


@pytest.mark.parametrize("written, message", [
    ("bytes", "must be \"unit\", \"byte\" or"), ({"mean": 0.1}, "must be \"unit\""), ("1,0", "std above 0"),
    ({"mean": 0, "std": -1}, "std above 0"), ("a,b", "must be \"unit\""), (3, "must be \"unit\""),
    ({"mean": float("nan"), "std": 1}, "finite mean")])
def test_bad_model_inputs_are_refused(written, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(overrides={"train": {"model": "m.keras"}, "model": {"input": written}}, pyproject=None)


def test_a_scale_without_a_loaded_model_is_refused_as_the_cnn_trained_here_reads_pixel_over_255():
    with pytest.raises(SettingsError, match="is for a loaded model.*pass --model"):
        load_settings(overrides={"model": {"input": "byte"}}, pyproject=None)
    assert load_settings(overrides={"model": {"input": "unit"}}, pyproject=None).model.input == UNIT


def test_flags_set_the_model_section(capsys, monkeypatch):
    seen = {}
    monkeypatch.setattr("generator.pipeline.build", lambda settings, config=None: seen.setdefault("settings", settings) and 1 / 0)
    with pytest.raises(ZeroDivisionError):
        main(["build", "--model", "m.keras", "--model-input", "0.5,0.25", "--allow-low-accuracy"])
    assert seen["settings"].model.input == InputScale(0.5, 0.25) and seen["settings"].model.allow_low_accuracy
    assert main(["build", "--model-input", "byte"]) == 1
    assert "is for a loaded model" in capsys.readouterr().err


def test_the_check_names_the_scale_that_works_or_lists_every_one_tried():
    from generator.stages.input_check import chance_limit, verdict

    assert chance_limit(10) == pytest.approx(0.2) and chance_limit(2) == pytest.approx(1.0)
    assert verdict({UNIT: 0.11, BYTE: 0.93, MNIST_STANDARD: 0.2}, UNIT, 10, 1000) == (
        'model accuracy 11% with input "unit"; with "byte" it is 93%: set model.input = "byte" '
        "(or --model-input byte)")
    assert verdict({BYTE: 0.8, UNIT: 0.79, MNIST_STANDARD: 0.891}, BYTE, 10, 1000) == (
        'model accuracy 80% with input "byte"; with "mean=0.1307,std=0.3081" it is 89%: set model.input = '
        "{ mean = 0.1307, std = 0.3081 } (or --model-input 0.1307,0.3081)")
    assert verdict({UNIT: 0.97, BYTE: 0.1, MNIST_STANDARD: 0.99}, UNIT, 10, 1000) is None  # within the margin
    assert verdict({UNIT: 0.21, BYTE: 0.1, MNIST_STANDARD: 0.1}, UNIT, 10, 1000) is None  # above chance, best
    lost = verdict({UNIT: 0.2, BYTE: 0.1, MNIST_STANDARD: 0.12}, UNIT, 10, 1000)
    assert lost.startswith('model accuracy 20% with input "unit" ("byte" 10%, "mean=0.1307,std=0.3081" 12%): at or '
                           "below 20% (near chance) on the first 1,000 test images") and "--allow-low-accuracy" in lost


def test_cached_maps_of_a_model_are_keyed_by_the_scale_it_reads():
    from generator.stages import keys

    unit, byte = (load_settings(overrides={"train": {"model": "m.keras"}, "model": {"input": scale}}, pyproject=None)
                  for scale in ("unit", "byte"))
    for components in (keys.attribution_components, keys.whole_test_set_components, keys.baselines_components):
        assert components(unit, "data", "abc") != components(byte, "data", "abc")
    assert keys.trust_components(unit, "data", "abc", [1]) != keys.trust_components(byte, "data", "abc", [1])


IMAGENET = InputScale((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))


def test_a_per_channel_scale_standardises_each_channel_of_the_last_axis_and_keeps_the_dtype():
    pixels = np.random.default_rng(0).uniform(size=(2, 3, 4, 3)).astype(np.float32)
    mean, std = np.array(IMAGENET.mean), np.array(IMAGENET.std)
    np.testing.assert_allclose(IMAGENET.apply(pixels), (pixels - mean) / std, rtol=1e-5, atol=1e-6)
    assert IMAGENET.apply(pixels).dtype == np.float32 and IMAGENET.channels == 3 and UNIT.channels is None
    assert IMAGENET.scale == pytest.approx(tuple(1 / std)) and IMAGENET.offset == pytest.approx(tuple(-mean / std))
    with pytest.raises(ValueError, match="model.input has 3 per-channel means and stds .* reads 1 channel$"):
        IMAGENET.apply(pixels[..., :1])
    assert IMAGENET.channel_error(3) is None and MNIST_STANDARD.channel_error(3) is None  # a scalar fits any


def test_a_per_channel_scale_applies_to_tensors_too():
    tf = pytest.importorskip("tensorflow")
    pixels = np.random.default_rng(1).uniform(size=(2, 3, 4, 3)).astype(np.float32)
    applied = IMAGENET.apply(tf.constant(pixels))
    assert applied.dtype == tf.float32
    np.testing.assert_allclose(applied.numpy(), IMAGENET.apply(pixels), rtol=1e-6)


@pytest.mark.parametrize("written", [
    {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}, "0.485,0.456,0.406/0.229,0.224,0.225",
    "mean=0.485,0.456,0.406/std=0.229,0.224,0.225", " 0.485, 0.456, 0.406 / 0.229, 0.224, 0.225 "])
def test_per_channel_model_input_is_read_from_tables_and_flag_strings_and_published_as_written(written):
    settings = load_settings(overrides={"train": {"model": "m.keras"}, "model": {"input": written}}, pyproject=None)
    assert settings.model.input == IMAGENET
    label = settings.to_dict()["model"]["input"]
    assert label == "mean=0.485,0.456,0.406/std=0.229,0.224,0.225"
    assert load_settings(overrides={"train": {"model": "m.keras"}, "model": {"input": label}},
                         pyproject=None).model.input == IMAGENET
    assert IMAGENET.formula == "(pixel/255 − (0.485, 0.456, 0.406))/(0.229, 0.224, 0.225) per channel"


def test_the_scalar_forms_are_written_as_before():
    assert (UNIT.label, BYTE.label, MNIST_STANDARD.label) == ("unit", "byte", "mean=0.1307,std=0.3081")
    assert (UNIT.formula, BYTE.formula, MNIST_STANDARD.formula) == (
        "pixel/255", "pixel (0..255)", "(pixel/255 − 0.1307)/0.3081")


def test_a_per_channel_table_in_a_config_file_and_one_std_for_every_channel(tmp_path):
    config = tmp_path / "report.toml"
    config.write_text('[train]\nmodel = "m.keras"\n[model]\ninput = { mean = [0.5, 0.4, 0.3], std = 0.25 }\n')
    assert load_settings(config=config).model.input == InputScale((0.5, 0.4, 0.3), (0.25, 0.25, 0.25))
    one_channel = load_settings(overrides={"train": {"model": "m.keras"}, "model": {"input": "0.3/0.2"}},
                                pyproject=None).model.input
    assert one_channel == InputScale((0.3,), (0.2,)) and one_channel.label == "mean=0.3/std=0.2"
    assert load_settings(overrides={"train": {"model": "m.keras"}, "model": {"input": "0.5,0.4/0.2"}},
                         pyproject=None).model.input == InputScale((0.5, 0.4), (0.2, 0.2))


@pytest.mark.parametrize("written, message", [
    ({"mean": [0.5, 0.4], "std": [0.2, 0.2, 0.2]}, "as many stds as means .* 2 means and 3 stds"),
    ("0.5,0.4/0.2,0.2,0.2", "as many stds as means"), ({"mean": [0.5], "std": [0.0]}, "std above 0 in every channel"),
    ({"mean": [], "std": []}, "must be \"unit\""), ({"mean": ["a"], "std": [1]}, "must be \"unit\""),
    ("0.5,x/0.2,0.2", "must be \"unit\""), ("1/2/3", "must be \"unit\"")])
def test_bad_per_channel_model_inputs_are_refused(written, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(overrides={"train": {"model": "m.keras"}, "model": {"input": written}}, pyproject=None)


def test_the_check_names_a_per_channel_scale_as_a_user_writes_it():
    from generator.stages.input_check import setting_text

    assert setting_text(IMAGENET) == ("model.input = { mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225] } "
                                      "(or --model-input 0.485,0.456,0.406/0.229,0.224,0.225)")
