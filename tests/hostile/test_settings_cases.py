"""Settings files, flags and values (review cases 1–30): every one checked when it is read.

A bad value stops the command with one line (exit 1) before the data are read; nothing already
published changes. Review cases are named by their number in the table.
"""

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from generator.plumbing.settings import Settings, SettingsError
from generator.plumbing.settings_file import load_settings, numeric_settings
from generator.plumbing.settings_limits import LIMITS
from tests.helpers import cli


@pytest.fixture()
def folder(tmp_path, monkeypatch):
    """An empty working folder with a published site whose bytes must not change."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("published")
    return tmp_path


def one_line_error(argv, capsys) -> str:
    """The error line; the published site is as it was."""
    line = cli.one_line_error(argv, capsys, never_printed="==> data")
    assert (Path("site") / "index.html").read_text() == "published"
    return line


def test_every_numeric_setting_has_a_declared_range():
    assert set(numeric_settings(Settings())) == set(LIMITS)
    for name, value in numeric_settings(Settings()).items():
        assert LIMITS[name].holds(value), f"the default of {name} is outside its own range"


def test_case_10_class_names_of_integers_speak_toml(folder, capsys):
    (folder / "gradient-gallery.toml").write_text("[data]\nclass_names = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n")
    line = one_line_error(["build", "--quick"], capsys)
    assert "'data.class_names' must be an array of strings" in line and "tuple" not in line


def test_case_14_a_settings_file_that_is_a_folder_is_an_error(folder, capsys):
    (folder / "gradient-gallery.toml").mkdir()
    line = one_line_error(["build", "--quick"], capsys)
    assert "gradient-gallery.toml is a folder, not a TOML file" in line


def test_case_16_config_naming_a_folder_gives_read_advice_not_write_advice(folder, capsys):
    line = one_line_error(["build", "--quick", "--config", "site"], capsys)
    assert "site is a folder, not a TOML file" in line
    assert "writable" not in line and "free space" not in line


@pytest.mark.parametrize("argv, says", [
    (["--seed", "-1"], "'seed' must be from 0 to 4,294,967,295, got -1"),                        # case 25
    (["--steps", "16", "--quadrature", "simpson"], "'attribution.method' must be one of gauss_legendre"),  # 26
    (["--quadrature", "simpson"], "'attribution.method' must be one of"),  # also when adaptive IG ignores it
    (["--per-class", "0", "--max-misclassified", "0"], "no example would be published"),          # case 27
    (["--per-class", "1000000000"], "'selection.per_class' must be from 0 to 1,000,000"),         # case 29
    (["--output", ""], "is empty"),
])
def test_bad_flags_stop_before_the_data_are_read(folder, capsys, argv, says):
    assert says in one_line_error(["build", "--quick", "--data", "not-read.npz", *argv], capsys)


def test_case_28_a_nan_learning_rate_in_the_settings_file_stops_at_once(folder, capsys):
    (folder / "gradient-gallery.toml").write_text("[train]\nlearning_rate = nan\n")
    assert "'train.learning_rate' must be a finite number in (0, 1], got nan" in one_line_error(
        ["build", "--quick"], capsys)


ABSURD = [  # case 30: the review's probe of load_settings; every one was accepted
    ("train", "learning_rate", math.nan), ("train", "learning_rate", -1.0), ("train", "learning_rate", 0.0),
    ("train", "learning_rate", math.inf), ("attribution", "baseline", math.nan), ("attribution", "baseline", 1e30),
    ("attribution", "smoothgrad_noise", math.nan), ("attribution", "smoothgrad_noise", math.inf),
    ("attribution", "method", "simpson"), (None, "seed", -1), (None, "seed", 2**70),
    ("attribution", "tolerance", 1e-300), ("attribution", "map_tolerance", math.nan),
    ("attribution", "steps", 10**9), ("train", "epochs", 10**9), ("train", "batch_size", 10**9),
    ("attribution", "chunk_size", 10**9), ("attribution", "smoothgrad_samples", 10**9),
    ("attribution", "expected_gradients_samples", 10**9), ("trust", "random_label_epochs", 10**9),
    ("trust", "random_orders", 10**9), ("selection", "max_misclassified", 10**9),
    ("gates", "min_accuracy", 95.0), ("decoy", "mismatched", math.nan), ("output", "site_dir", ""),
    ("output", "cache_dir", " "), ("model", "output", "softmax"),
]


@pytest.mark.parametrize("section, key, value", ABSURD, ids=[f"{s}.{k}={v!r}" for s, k, v in ABSURD])
def test_case_30_absurd_values_are_refused_when_read(section, key, value):
    overrides = {key: value} if section is None else {section: {key: value}}
    name = key if section is None else f"{section}.{key}"
    with pytest.raises(SettingsError, match=f"'{name}'"):
        load_settings(overrides=overrides, pyproject=None, project_settings=None)


def test_the_boundaries_themselves_are_accepted():
    load_settings(overrides={"seed": 2**32 - 1, "train": {"learning_rate": 1.0}, "attribution": {
        "baseline": 1.0, "tolerance": 1e-4, "smoothgrad_noise": 0.0, "steps": 16_384}}, pyproject=None,
        project_settings=None)


def test_every_numeric_field_is_checked_by_its_limit():
    """Each limit is applied: a value just past it is refused, naming the setting."""
    for name, limit in LIMITS.items():
        section, _, key = name.rpartition(".")
        default = numeric_settings(Settings())[name]
        bad = limit.high + (1 if isinstance(default, int) else max(1e-9, abs(limit.high) * 1e-9))
        if limit.high_open:
            bad = limit.high
        overrides = {key: type(default)(bad)} if not section else {section: {key: type(default)(bad)}}
        with pytest.raises(SettingsError, match=f"'{name}'"):
            load_settings(overrides=overrides, pyproject=None, project_settings=None)


def test_case_28_a_loss_that_becomes_nan_stops_training_with_one_line(monkeypatch, tmp_path):
    """Finite settings can still diverge: the first epoch whose loss is not finite stops the build,
    and nothing is cached."""
    pytest.importorskip("keras")
    from generator.stages import model as model_stage
    from generator.stages.divergence import TrainingDiverged
    from generator.stages.data import Dataset

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(64, 28, 28), dtype=np.uint8)
    labels = np.arange(64) % 10
    data = Dataset(images, labels, images[:8], labels[:8], "test", "0" * 64)
    real_compile = model_stage.compile_cnn

    def poisoned(model, learning_rate):  # a loss that turns NaN, as a diverging optimiser's does
        real_compile(model, learning_rate)
        model.compile(optimizer=model.optimizer, loss=lambda y, p: p[:, 0] * np.float32("nan"))

    monkeypatch.setattr(model_stage, "compile_cnn", poisoned)
    settings = dataclasses.replace(
        Settings(), train=dataclasses.replace(Settings().train, epochs=3, batch_size=32, validation_split=0.0),
        output=dataclasses.replace(Settings().output, cache_dir=str(tmp_path / "cache")))
    with pytest.raises(TrainingDiverged, match="the loss became nan in epoch 1"):
        model_stage.train_model(data, settings, log=lambda line: None)
    assert not list((tmp_path / "cache" / "models").glob("*.keras"))


def test_case_27_data_that_leave_nothing_to_publish_stop_with_one_line():
    """per_class = 0 is allowed with mistakes to show; a model without mistakes then selects nothing."""
    from generator.stages.selection import SelectionError, attribution_requests, check_rows, select_examples

    labels = np.arange(20) % 10
    selection = select_examples(labels, labels, np.ones(20), np.ones(20), per_class=0, max_misclassified=5)
    index, _, _ = attribution_requests(selection, labels, labels)
    with pytest.raises(SelectionError, match="no test image was selected: 0 correct and 0 of 0 misclassified"):
        check_rows(len(index), 0, selection.misclassified_total)


def test_case_29_a_large_selection_warns_with_the_gradient_evaluations_it_costs():
    from generator.stages.selection import cost_warning

    assert cost_warning(400, 0, 24, 64) is None
    warning = cost_warning(9_231, 0, 24, 64)  # every correct quick-build test image, as in the review
    assert f"{9_231 * (66 + 24 + 64 + 1):,} gradient evaluations" in warning
    assert f"{9_231 * (128 + 24 + 64 + 1):,} gradient evaluations" in cost_warning(9_231, 128, 24, 64)
