"""``--previous`` reports (review cases 102–106): checked before the first stage, each problem one line.

The command runs in a folder with a published site; every case must stop before the data stage
(nothing trained, nothing computed) and leave the site as it was.
"""

import json

import numpy as np
import pytest

from tests.helpers.cli import one_line_error
from generator.plumbing.output_guard import mark_site

keras = pytest.importorskip("keras")


@pytest.fixture()
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("published")
    mark_site(tmp_path / "site")
    return tmp_path


@pytest.fixture()
def previous(folder):
    """A well-formed previous report (tiny model) that each case then damages."""
    directory = folder / "prev"
    (directory / "data").mkdir(parents=True)
    (directory / "manifest.json").write_text(json.dumps({
        "tool": {"version": "0.1.0"}, "model": {"sha256": "ab" * 32},
        "settings": {"model": {"input": "unit", "output": "logits"}}}))
    labels = np.arange(50) % 10
    np.savez(directory / "data" / "predictions.npz", label=labels, predicted=labels, confidence=np.full(50, 0.9))
    np.savez(directory / "data" / "attributions.npz", index=np.array([0, 1]), target=np.array([0, 1]),
             integrated_gradients=np.zeros((2, 28, 28, 1), np.float32))
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]).save(
        directory / "data" / "model.keras")
    return directory


def stops_before_the_data(folder, capsys, *extra) -> str:
    line = one_line_error(["build", "--quick", "--previous", str(folder / "prev"), *extra], capsys,
                          never_printed="==> data")
    assert (folder / "site" / "index.html").read_text() == "published"
    return line


def resave(path, **changes):
    arrays = dict(np.load(path))
    arrays.update(changes)
    arrays = {key: value for key, value in arrays.items() if value is not None}
    np.savez(path, **arrays)


def test_case_102_a_missing_previous_report_stops_before_the_first_stage(folder, capsys):
    assert "prev does not exist" in stops_before_the_data(folder, capsys)


def test_case_103_random_bytes_in_every_file(previous, folder, capsys):
    for name in ("manifest.json", "data/predictions.npz", "data/attributions.npz", "data/model.keras"):
        (previous / name).write_bytes(np.random.default_rng(0).bytes(256))
    assert "manifest.json is not readable JSON" in stops_before_the_data(folder, capsys)


def test_case_104_predictions_without_predicted(previous, folder, capsys):
    resave(previous / "data" / "predictions.npz", predicted=None)
    line = stops_before_the_data(folder, capsys)
    assert "predictions.npz lacks the array(s) predicted" in line


def test_case_105_a_manifest_that_is_a_list(previous, folder, capsys):
    (previous / "manifest.json").write_text("[]")
    assert "manifest.json holds a JSON list, not the object" in stops_before_the_data(folder, capsys)


def test_case_106_a_broken_model_is_named_as_such(previous, folder, capsys):
    (previous / "data" / "model.keras").write_text("junk")
    resave(previous / "data" / "attributions.npz", index=np.array([1, 2]))
    line = stops_before_the_data(folder, capsys)
    assert "model.keras: not a Keras archive (not a zip file" in line and "File not found" not in line


@pytest.mark.parametrize("damage, says", [
    (lambda p: (p / "manifest.json").write_text(json.dumps({"tool": {"version": 3}, "model": {"sha256": "x"}})),
     "has no tool.version text"),
    (lambda p: resave(p / "data" / "predictions.npz", confidence=np.full(49, 0.5)),
     "must be 1-D arrays of one length"),
    (lambda p: resave(p / "data" / "predictions.npz", label=np.full(50, 12)), "label must hold class indices 0..9"),
    (lambda p: resave(p / "data" / "predictions.npz", confidence=np.full(50, 2.0)), "confidence must hold probabilities"),
    (lambda p: resave(p / "data" / "attributions.npz", integrated_gradients=np.zeros((2, 28, 28), np.float32)),
     "integrated_gradients (R, 28, 28, 1)"),
    (lambda p: resave(p / "data" / "attributions.npz", index=np.array([0, 50])), "index must hold integers in 0..49"),
    (lambda p: resave(p / "data" / "attributions.npz", integrated_gradients=np.full((2, 28, 28, 1), np.nan, np.float32)),
     "must hold finite numbers"),
    (lambda p: (p / "manifest.json").write_text(json.dumps({
        "tool": {"version": "0.1.0"}, "model": {"sha256": "x"}, "settings": {"model": {"output": "softmax"}}})),
     "settings.model.output is 'softmax'"),
    (lambda p: (p / "data" / "model.keras").unlink(), "lacks data/model.keras"),
])
def test_previous_reports_of_the_wrong_shape_are_one_line_each(previous, folder, capsys, damage, says):
    damage(previous)
    assert says in stops_before_the_data(folder, capsys)


def test_a_well_formed_previous_report_is_read_with_its_recorded_input_scale(previous):
    from generator.stages.previous import read_previous

    manifest = json.loads((previous / "manifest.json").read_text())
    manifest["settings"]["model"]["input"] = "mean=0.1307,std=0.3081"
    (previous / "manifest.json").write_text(json.dumps(manifest))
    report = read_previous(previous)
    assert (report.input_scale.mean, report.input_scale.std) == (0.1307, 0.3081)
    assert report.index.tolist() == [0, 1] and report.integrated_gradients.shape == (2, 28, 28, 1)
