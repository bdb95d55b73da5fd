"""The README stays short and its Python example runs."""

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np

import generator.stages.data as data_stage

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_fits_on_a_screen_or_two():
    assert len(README.splitlines()) <= 200


def test_the_readme_names_every_method_the_report_shows():
    first_paragraph = README.split("\n\n")[1]
    for name in ("gradient", "saliency", "gradient × input", "SmoothGrad", "Integrated Gradients",
                 "Expected Gradients"):
        assert name in first_paragraph


def test_the_python_example_runs_on_a_saved_model(tmp_path, monkeypatch):
    """The example as written, on a small saved CNN instead of a build's model and on random images."""
    import keras

    (example,) = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(example.splitlines()) <= 10
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                              keras.layers.Flatten(), keras.layers.Dense(10)])
    (tmp_path / "site" / "data").mkdir(parents=True)
    model.save(tmp_path / "site" / "data" / "model.keras")
    images = np.random.default_rng(0).integers(0, 256, (8, 28, 28), dtype=np.uint8)
    monkeypatch.setattr(data_stage, "load_dataset", lambda: SimpleNamespace(x_test=images))
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)
    assert namespace["ig"].shape == namespace["images"].shape == (8, 28, 28, 1)
    assert all(m.shape == (8, 28, 28, 1) for m in namespace["maps"])
