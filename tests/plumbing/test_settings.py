"""Settings: defaults < file < flags; unknown keys suggest the closest valid one."""

import pytest

from generator.plumbing.settings import Settings, SettingsError
from generator.plumbing.settings_file import load_settings


def test_defaults_without_files():
    settings = load_settings(pyproject=None)
    assert settings == Settings()
    assert settings.attribution.steps == 0 and 0 < settings.attribution.tolerance <= 0.01  # adaptive IG
    assert settings.selection.per_class == 16 and settings.selection.max_misclassified == 200


def test_pyproject_table_then_flags(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.gradient-gallery]\nseed = 5\n[tool.gradient-gallery.train]\nepochs = 2\nbatch_size = 64\n')
    settings = load_settings(pyproject=pyproject, overrides={"train": {"epochs": 7}})
    assert settings.seed == 5
    assert settings.train.epochs == 7
    assert settings.train.batch_size == 64


def test_config_file_with_top_level_keys(tmp_path):
    config = tmp_path / "report.toml"
    config.write_text('[selection]\nper_class = 3\n[data]\nclass_names = ["zero","one","two","three","four","five","six","seven","eight","nine"]\n')
    settings = load_settings(config=config)
    assert settings.selection.per_class == 3
    assert settings.data.class_names[9] == "nine"


def test_unknown_key_names_the_closest_valid_one(tmp_path):
    with pytest.raises(SettingsError, match="unknown setting 'train.epoch'; did you mean 'epochs'"):
        load_settings(overrides={"train": {"epoch": 3}}, pyproject=None)
    with pytest.raises(SettingsError, match="unknown setting 'selectoin'; did you mean 'selection'"):
        load_settings(overrides={"selectoin": {}}, pyproject=None)


def test_wrong_types_and_ranges_are_refused(tmp_path):
    with pytest.raises(SettingsError, match="'attribution.steps' must be an integer"):
        load_settings(overrides={"attribution": {"steps": "many"}}, pyproject=None)
    with pytest.raises(SettingsError, match="'attribution.steps' must be from 0 to 16,384, got -1"):
        load_settings(overrides={"attribution": {"steps": -1}}, pyproject=None)
    with pytest.raises(SettingsError, match=r"'attribution.tolerance' must be a finite number in \[0.0001, 0.5\], got 0.0"):
        load_settings(overrides={"attribution": {"tolerance": 0}}, pyproject=None)
    with pytest.raises(SettingsError, match="must name 10 classes"):
        load_settings(overrides={"data": {"class_names": ["a", "b"]}}, pyproject=None)
    bad = tmp_path / "bad.toml"
    bad.write_text("seed = = 3")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(config=bad)


def test_quick_shrinks_training_unless_set_explicitly():
    quick = load_settings(overrides={"quick": True}, pyproject=None)
    assert quick.train.epochs == 1 and quick.train.train_subset > 0
    assert quick.selection.per_class < Settings().selection.per_class
    explicit = load_settings(overrides={"quick": True, "train": {"epochs": 2}}, pyproject=None)
    assert explicit.train.epochs == 2


@pytest.mark.parametrize("url", ["github.com/owner/repo", "https://github.com/owner/repo)<script>", "javascript:alert(1)"])
def test_site_and_repository_urls_must_be_plain_http_urls(url):
    for key in ("site_url", "repo_url"):
        with pytest.raises(SettingsError, match=f"output.{key}"):
            load_settings(overrides={"output": {key: url}}, pyproject=None)
    assert load_settings(overrides={"output": {"repo_url": "https://github.com/owner/repo"}},
                         pyproject=None).output.repo_url == "https://github.com/owner/repo"
