"""Model stage: cache keys, loading a user's model safely, shape checks, evaluation."""

from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator.stages.data import Dataset  # noqa: E402
from generator.plumbing.input_scale import InputScale  # noqa: E402
from generator.stages.model import (  # noqa: E402
    ModelError,
    build_cnn,
    check_model_shapes,
    evaluate,
    fitted_images,
    learning_rate_schedule,
    load_user_model,
    training_description,
    training_key,
)
from generator.plumbing.settings_file import load_settings  # noqa: E402


def test_training_key_follows_data_training_settings_and_seed_only():
    base = load_settings(pyproject=None)
    key = training_key("abc", base)
    assert training_key("abc", load_settings(overrides={"selection": {"per_class": 3}}, pyproject=None)) == key
    assert training_key("abd", base) != key
    assert training_key("abc", load_settings(overrides={"train": {"epochs": 1}}, pyproject=None)) != key
    assert training_key("abc", load_settings(overrides={"seed": 1}, pyproject=None)) != key


def test_model_card_counts_the_images_trained_on_not_those_held_out_for_validation():
    assert fitted_images(60000, 0.1) == 54000 and fitted_images(6000, 0.1) == 5400
    assert fitted_images(1500, 0.0) == 1500 and fitted_images(7, 0.5) == 3  # Keras floors the training share
    default = training_description(load_settings(pyproject=None), 60000)
    assert "54,000 training images (the other 6,000 of 60,000 held out for validation)" in default
    quick = training_description(load_settings(overrides={"quick": True}, pyproject=None), 60000)
    assert "5,400 training images (the other 600 of 6,000" in quick
    small = training_description(load_settings(overrides={"train": {"train_subset": 9000}}, pyproject=None), 1500)
    assert "1,350 training images (the other 150 of 1,500" in small
    unsplit = training_description(load_settings(overrides={"train": {"validation_split": 0.0}}, pyproject=None), 60000)
    assert unsplit.endswith("60,000 training images")


def test_cnn_outputs_ten_logits():
    model = build_cnn()
    assert tuple(model.outputs[0].shape[1:]) == (10,)
    assert model.layers[-1].activation.__name__ == "linear"


def test_user_model_with_softmax_loads_and_evaluates_on_logits(tmp_path):
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    path = tmp_path / "user.keras"
    model.save(path)
    loaded = load_user_model(path)
    assert loaded.history is None and len(loaded.sha256) == 64
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(50, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, size=50)
    dataset = Dataset(x, y, x, y, "synthetic", "0" * 64)
    evaluation = evaluate(loaded.model, dataset)
    assert evaluation.confusion.sum() == 50
    assert evaluation.confusion.shape == (10, 10)
    assert np.all((evaluation.confidences > 0) & (evaluation.confidences <= 1))
    assert evaluation.accuracy == pytest.approx(np.mean(evaluation.predictions == y))
    np.testing.assert_allclose(evaluation.per_class_accuracy * evaluation.confusion.sum(1),
                               np.diag(evaluation.confusion))


@pytest.mark.parametrize("content", [b"", b"not a zip at all", None])
def test_broken_model_files_give_one_line_errors(tmp_path, content):
    path = tmp_path / "broken.keras"
    if content is None:
        good = tmp_path / "good.keras"
        build_cnn().save(good)
        content = good.read_bytes()[: good.stat().st_size // 2]  # truncated archive
    path.write_bytes(content)
    with pytest.raises(ModelError, match=f"cannot load model {path}") as error:
        load_user_model(path)
    assert "\n" not in str(error.value)


def test_missing_and_wrongly_shaped_models_are_refused(tmp_path):
    with pytest.raises(ModelError, match="model file not found"):
        load_user_model(tmp_path / "absent.keras")
    rgb = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(10)])
    rgb.save(tmp_path / "rgb.keras")
    with pytest.raises(ModelError, match=r"^rgb.keras expects 32×32×3 inputs; the data are 28×28×1 \(model "):
        load_user_model(tmp_path / "rgb.keras")
    five = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(5)])
    five.save(tmp_path / "five.keras")
    with pytest.raises(ModelError, match=r"^the model has 5 outputs; the data have 10 classes"):
        load_user_model(Path(tmp_path / "five.keras"))


def test_saved_models_are_byte_identical_after_normalisation(tmp_path):
    import time

    from generator.stages.keras_archive import normalize_keras_archive

    paths = [tmp_path / "a.keras", tmp_path / "b.keras"]
    for path in paths:  # the same model twice, as two Python objects (other shared-object ids)
        keras.backend.clear_session()  # the same layer names, as in a fresh process
        keras.utils.set_random_seed(0)
        model = build_cnn()
        model.save(path)
        time.sleep(1.1)  # another save time, and other zip timestamps
    assert paths[0].read_bytes() != paths[1].read_bytes()
    for path in paths:
        normalize_keras_archive(path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    reloaded = load_user_model(paths[1]).model
    x = np.random.default_rng(1).uniform(size=(2, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_learning_rate_warms_up_linearly_then_falls_along_a_cosine_to_zero():
    schedule = learning_rate_schedule(5e-3, steps=1000, warmup=0.1)
    rate = [float(schedule(step)) for step in (0, 50, 100, 550, 1000)]
    assert rate[0] == pytest.approx(5e-4) and rate[1] == pytest.approx(2.75e-3)  # linear from peak / 10
    assert rate[2] == pytest.approx(5e-3)  # the peak, at the end of the warm-up
    assert rate[3] == pytest.approx(2.5e-3, rel=1e-3)  # halfway down the cosine: (1 + cos(π/2)) / 2
    assert rate[4] == pytest.approx(0.0, abs=1e-9)


def test_model_shapes_are_checked_against_the_data_shape_and_class_count():
    model = build_cnn((32, 32, 3), 20)
    check_model_shapes(model, Path("m.keras"), (32, 32, 3), 20)  # the data's shape and K: accepted
    with pytest.raises(ModelError, match=r"^m.keras expects 32×32×3 inputs; the data are 28×28×1 \(model m.keras\)$"):
        check_model_shapes(model, Path("m.keras"), (28, 28, 1), 20)
    with pytest.raises(ModelError, match=r"^the model has 20 outputs; the data have 100 classes"):
        check_model_shapes(model, Path("m.keras"), (32, 32, 3), 100)


def test_a_per_channel_scale_for_other_channels_than_the_model_reads_is_refused(tmp_path):
    build_cnn().save(tmp_path / "grey.keras")
    with pytest.raises(ModelError, match=r"model.input has 3 per-channel means and stds .* reads 1 channel \(model "):
        load_user_model(tmp_path / "grey.keras", InputScale((0.4, 0.5, 0.6), (0.2, 0.3, 0.4)))


def tiny_dataset(rng, shape=(8, 9), classes=4, count=40):
    x = rng.integers(0, 256, size=(count, *shape), dtype=np.uint8)
    y = rng.integers(0, classes, size=count).astype(np.int64)
    return Dataset(x, y, x, y, "synthetic", "0" * 64)


def predictions_by_hand(model, unit_images, mean, std):
    return model.predict((unit_images - np.float32(mean)) / np.float32(std), verbose=0).argmax(axis=1)


def test_evaluate_feeds_a_per_channel_scale_and_takes_k_from_the_model():
    rng = np.random.default_rng(3)
    data = tiny_dataset(rng)
    model = keras.Sequential([keras.Input((8, 9, 1)), keras.layers.Flatten(), keras.layers.Dense(4)])
    scale = InputScale((0.3,), (0.2,))  # per channel, one channel
    result = evaluate(model, data, input_scale=scale)
    unit = data.x_test[..., None].astype(np.float32) / 255
    np.testing.assert_array_equal(result.predictions, predictions_by_hand(model, unit, 0.3, 0.2))
    assert result.confusion.shape == (4, 4) and result.confusion.sum() == 40
    with pytest.raises(ModelError, match="the model has 4 outputs; the data have 10 classes"):
        evaluate(model, data, classes=10)
    with pytest.raises(ModelError, match="the model has 3 outputs; the data have labels up to 3"):
        evaluate(keras.Sequential([keras.Input((8, 9, 1)), keras.layers.Flatten(), keras.layers.Dense(3)]), data)


def test_evaluate_applies_each_channels_mean_and_std_to_colour_images():
    rng = np.random.default_rng(4)
    data = tiny_dataset(rng, shape=(8, 8, 3), classes=5)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(5)])
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    result = evaluate(model, data, input_scale=InputScale(tuple(mean), tuple(std)))
    unit = data.x_test.astype(np.float32) / 255
    np.testing.assert_array_equal(result.predictions, predictions_by_hand(model, unit, mean, std))
