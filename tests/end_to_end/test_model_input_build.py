"""`build --model M.keras` for models that read another input scale than pixel/255: without the
setting the build stops on one line naming the scale that works; with it, one quick build whose
accuracy is Keras' own and whose IG maps add up to logit(x) − logit(black) in the model's own space."""

import json

import numpy as np
import pytest

from tests.helpers.project import copy_project, run_build

keras = pytest.importorskip("keras")

from generator.plumbing.input_scale import BYTE, MNIST_STANDARD  # noqa: E402
from generator.stages.data import load_dataset, to_model_input  # noqa: E402

pytestmark = pytest.mark.slow  # one quick build, two builds that stop at the check


def rescaling_model():
    """Divides bytes by 255 itself, then Conv → BatchNormalization → ReLU → Dropout → Dense with softmax."""
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(4, 3, strides=2)(keras.layers.Rescaling(1 / 255)(inputs))
    x = keras.layers.ReLU()(keras.layers.BatchNormalization()(x))
    x = keras.layers.Dropout(0.2)(keras.layers.Flatten()(x))
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))


def linear_model():
    """Flatten → Dense → a Softmax layer (fed pixel/255, it loses 8 to 10 points on every seed tried)."""
    inputs = keras.Input((28, 28, 1))
    return keras.Model(inputs, keras.layers.Softmax()(keras.layers.Dense(10)(keras.layers.Flatten()(inputs))))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project with two functional models: one that divides bytes by 255 itself (Rescaling), one
    trained on (pixel/255 − 0.1307)/0.3081; each trained for a few seconds."""
    project = copy_project(tmp_path_factory.mktemp("model-input"))
    data = load_dataset()
    for name, make, scale in (("byte", rescaling_model, BYTE), ("standardised", linear_model, MNIST_STANDARD)):
        keras.utils.set_random_seed(0)
        model = make()
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
        model.fit(scale.apply(to_model_input(data.x_train[:3000])), data.y_train[:3000], epochs=3, batch_size=64,
                  verbose=0)
        model.save(project / f"{name}.keras")
    return project


@pytest.mark.parametrize("name, advice", [
    ("byte", 'set model.input = "byte" (or --model-input byte)'),
    ("standardised", "set model.input = { mean = 0.1307, std = 0.3081 } (or --model-input 0.1307,0.3081)")])
def test_without_the_setting_the_build_stops_on_one_line_naming_the_scale_that_works(project, name, advice):
    result = run_build(project, "--quick", "--model", f"{name}.keras", "--output", f"site-{name}")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("gradient-gallery")]  # not TF's logs
    assert len(lines) == 1 and lines[0].startswith('gradient-gallery: error: model accuracy ')
    assert 'with input "unit"; with "' in lines[0] and lines[0].endswith(advice), lines[0]
    assert not (project / f"site-{name}").exists()  # nothing published
    print(lines[0])


def test_with_input_byte_the_report_is_built_in_pixel_terms(project, monkeypatch):
    (project / "decoy.toml").write_text("[decoy]\nenabled = true\n", encoding="utf-8")  # it reads bytes there too
    result = run_build(project, "--quick", "--model", "byte.keras", "--model-input", "byte", "--output", "site-byte",
                       "--config", "decoy.toml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    site = project / "site-byte"
    manifest = json.loads((site / "manifest.json").read_text())
    arrays = np.load(site / "data" / "attributions.npz", allow_pickle=False)
    assert manifest["settings"]["model"]["input"] == "byte"
    assert manifest["model"]["description"] == "loaded from byte.keras, reading pixel (0..255)"
    # Accuracy: Keras' own evaluate of the model on the build's test images, in bytes.
    monkeypatch.setenv("KERAS_HOME", str(project / "no-keras-home"))  # the data the build found
    data = load_dataset()
    model = keras.saving.load_model(project / "byte.keras")
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    _, keras_accuracy = model.evaluate(data.x_test.astype(np.float32)[..., None], data.y_test, verbose=0)
    assert manifest["model"]["test_accuracy"] == pytest.approx(keras_accuracy, abs=1e-6)
    # Maps in pixel terms: images in pixel/255; IG adds up to logit(x) − logit(black), black = 0 bytes.
    assert arrays["image"].max() <= 1.0
    logits = keras.Model(model.input, model.layers[-1].input)  # the softmax's input, formed by hand here
    head = model.layers[-1]
    kernel, bias = head.get_weights()
    rows = np.array([t["row"] for e in manifest["examples"] for t in e["targets"]])
    hidden, black = (np.asarray(logits(x)) for x in (255.0 * arrays["image"][rows], np.zeros((1, 28, 28, 1))))
    targets = arrays["target"][rows]
    delta = (hidden @ kernel + bias)[np.arange(len(rows)), targets] - (black @ kernel + bias)[0, targets]
    recorded = np.array([t["completeness"]["logit_delta"] for e in manifest["examples"] for t in e["targets"]])
    np.testing.assert_allclose(recorded, delta, atol=1e-3)
    np.testing.assert_allclose(arrays["integrated_gradients"][rows].sum(axis=(1, 2, 3)), delta, rtol=0.02,
                               atol=0.02 * np.abs(delta).max())
    assert manifest["attribution"]["completeness"]["median_relative_error"] <= 0.01
    assert "model: accuracy on the first 1,000 test images: " in result.stdout
    assert (site / "trust" / "index.html").is_file()  # the sanity checks randomised its BatchNormalization too
    decoy = manifest["decoy"]
    assert decoy["normal_model_accuracy"] > 0.5, decoy  # the loaded model, fed bytes, reads decoy digits as digits
