"""`gradient-gallery figure`: a published example drawn again from the site's arrays alone.

A tiny published site is written with the build's own writers (generator/stages/manifest.py), so the
loader is checked against the format the build really publishes; no model, no TensorFlow.
"""

import json
import struct
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

from generator.cli import main
from generator.figures.example import figure_size
from generator.figures.charts import DPI
from generator.stages.published import PublishedError, examples_from_published, read_published
from tests.helpers.cli import one_error_line
from tests.helpers.published import NAMES

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_same_completeness(loaded, built):
    assert loaded.steps == built.steps
    np.testing.assert_equal([loaded.attribution_sum, loaded.logit_delta, loaded.relative_error],
                            [built.attribution_sum, built.logit_delta, built.relative_error])


def test_the_loader_gives_back_what_the_build_drew(published):
    site, built, arrays = published
    report = read_published(site)
    assert report.class_names == NAMES
    assert [e.test_index for e in report.examples] == [e.test_index for e in built] == [7, 11, 42]
    for loaded, expected in zip(report.examples, built):
        assert (loaded.true_label, loaded.predicted, loaded.confidence) == (
            expected.true_label, expected.predicted, expected.confidence)
        np.testing.assert_array_equal(loaded.image, expected.image)
        assert [row.target for row in loaded.rows] == [row.target for row in expected.rows]
        for row, expected_row in zip(loaded.rows, expected.rows):
            for name in ("gradient", "saliency", "gradient_x_input", "smoothgrad", "integrated_gradients"):
                np.testing.assert_array_equal(getattr(row, name), getattr(expected_row, name))
            assert_same_completeness(row.completeness, expected_row.completeness)
            np.testing.assert_equal(row.noise, expected_row.noise)
        assert (loaded.contrast is None) == (expected.contrast is None)
    mistake = report.example(42)
    assert [row.target for row in mistake.rows] == [9, 4]
    np.testing.assert_array_equal(mistake.rows[1].integrated_gradients, arrays.ig.maps[3, :, :, 0])
    assert mistake.rows[0].completeness.relative_error == 0.5 and mistake.rows[0].completeness.steps == 128
    np.testing.assert_array_equal(mistake.contrast.integrated_gradients, arrays.contrast.maps[0, :, :, 0])
    assert np.isnan(mistake.contrast.completeness.relative_error)  # published as null
    assert mistake.contrast.completeness.steps == 4096
    assert np.isnan(mistake.rows[0].noise["smoothgrad"]) and mistake.rows[1].noise["smoothgrad"] == 0.4  # null, 0.4


def test_records_that_disagree_with_the_arrays_are_refused(published):
    site, _, _ = published
    manifest = json.loads((site / "manifest.json").read_text())
    with np.load(site / "data" / "attributions.npz") as archive:
        arrays = dict(archive)
    manifest["examples"][0]["targets"][0]["row"] = 1  # row 1 is test image 11
    with pytest.raises(ValueError, match="row 1 of the arrays is not test image 7"):
        examples_from_published(manifest["examples"], arrays)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_figure_writes_each_format_and_the_same_bytes_twice(published, tmp_path, suffix, capsys):
    site, built, _ = published
    first, second = tmp_path / f"first{suffix}", tmp_path / "out" / f"second{suffix}"
    for output in (first, second):
        assert main(["figure", "42", "--site", str(site), "--output", str(output)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"wrote {first}", f"wrote {second}"]
    data = first.read_bytes()
    assert data == second.read_bytes()
    if suffix == ".png":
        width, height = figure_size(built[2])  # three rows: predicted, true, contrast
        assert png_size(data) == (round(width * DPI), round(height * DPI))
    elif suffix == ".svg":
        assert ElementTree.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"
        assert b"<dc:date>" not in data and b"Matplotlib v" not in data
    else:
        assert data.startswith(b"%PDF")
        assert b"/CreationDate" not in data and b"/Producer" not in data
    assert main(["figure", "42", "--site", str(site), "--output", str(first)]) == 0
    assert capsys.readouterr().out.strip() == f"unchanged: {first}"


def test_the_site_defaults_to_the_output_setting(published, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # holds site/ and no pyproject.toml
    assert main(["figure", "7", "--output", "seven.png"]) == 0
    assert png_size((tmp_path / "seven.png").read_bytes()) == tuple(
        round(inches * DPI) for inches in figure_size(read_published(Path("site")).example(7)))


def test_an_unpublished_index_is_a_one_line_error(published, tmp_path, capsys):
    site, _, _ = published
    assert main(["figure", "8", "--site", str(site), "--output", str(tmp_path / "f.png")]) == 1
    line = one_error_line(capsys)
    assert line.startswith("gradient-gallery: error: test image 8 is not published")
    assert "7, 11, 42" in line
    assert not (tmp_path / "f.png").exists()


def test_an_unknown_suffix_is_a_one_line_error(published, tmp_path, capsys):
    site, _, _ = published
    assert main(["figure", "42", "--site", str(site), "--output", str(tmp_path / "f.jpg")]) == 1
    assert "unknown figure format '.jpg'" in one_error_line(capsys)
    assert not (tmp_path / "f.jpg").exists()


def test_a_missing_or_broken_site_is_a_one_line_error(published, tmp_path, capsys):
    site, _, _ = published
    assert main(["figure", "42", "--site", str(tmp_path / "nowhere"), "--output", str(tmp_path / "f.png")]) == 1
    assert "no site directory" in one_error_line(capsys)
    (site / "manifest.json").write_text("{}")
    with pytest.raises(PublishedError, match="missing 'settings'"):
        read_published(site)
    (site / "data" / "attributions.npz").write_bytes(b"not a zip")
    assert main(["figure", "42", "--site", str(site), "--output", str(tmp_path / "f.png")]) == 1
    assert "attributions.npz is not a readable .npz archive" in one_error_line(capsys)


def test_the_figure_command_imports_no_tensorflow(published, tmp_path):
    site, _, _ = published
    code = ("import sys\nfrom generator.cli import main\n"
            f"code = main(['figure', '11', '--site', {str(site)!r}, '--output', {str(tmp_path / 'f.svg')!r}])\n"
            "print(code, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "0 False False", result.stderr[-2000:]
