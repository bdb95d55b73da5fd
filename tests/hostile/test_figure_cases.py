"""The `figure` command and text in figures (review rows 89, 120 and 125).

Every case runs in process on a tiny published site written by the build's own writers (the
``published`` fixture of tests/helpers/published.py) or on hand-made results: no model,
no build. What a figure shows is read from the matplotlib figure as it is saved: each text,
and whether matplotlib's mathtext parser reads it.
"""

import json

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from generator.cli import main
from generator.figures.charts import draw_confusion_matrix
from tests.helpers.cli import one_error_line
from tests.helpers.hostile_figures import BAD_MATH, FIGURES, GOOD_MATH, NAMES


@pytest.fixture()
def saved_texts(monkeypatch):
    """Every visible text of each figure saved from now on, as (text, read as mathtext)."""
    texts = []
    save = Figure.savefig

    def spy(figure, *args, **kwargs):
        result = save(figure, *args, **kwargs)
        # _preprocess_math is the decision the renderer takes: literal text or mathtext.
        texts.extend((t.get_text(), bool(t._preprocess_math(t.get_text())[1]))
                     for t in figure.findobj(Text) if t.get_visible() and t.get_text())
        return result

    monkeypatch.setattr(Figure, "savefig", spy)
    return texts


def assert_names_literal(texts, names=(BAD_MATH, GOOD_MATH)):
    """Each name is shown somewhere, and no text that holds a name is read as mathtext."""
    for name in names:
        holding = [(text, math) for text, math in texts if name in text]
        assert holding, f"{name} is drawn nowhere"
        assert not [text for text, math in holding if math], f"{name} read as mathtext"


def test_89_mathtext_class_names_are_drawn_as_text_by_the_figure_command(published, tmp_path, capsys,
                                                                        saved_texts):
    site, _, _ = published
    manifest = json.loads((site / "manifest.json").read_text())
    manifest["settings"]["data"]["class_names"] = list(NAMES)
    (site / "manifest.json").write_text(json.dumps(manifest))
    output = tmp_path / "f.png"
    # Test image 42 is a 4 taken for a 9: its rows and its contrast panels name both classes.
    assert main(["figure", "42", "--site", str(site), "--output", str(output)]) == 0
    assert capsys.readouterr().err == ""
    assert output.read_bytes()[:4] == b"\x89PNG"
    assert any(f"IG of logit {BAD_MATH} − logit {GOOD_MATH}" in text for text, _ in saved_texts)
    assert_names_literal(saved_texts)


@pytest.mark.parametrize("figure", list(FIGURES))
def test_89_every_figure_draws_class_and_layer_names_as_text(figure, tmp_path, saved_texts):
    path = tmp_path / "figure.png"
    assert FIGURES[figure](path)
    assert path.read_bytes()[:4] == b"\x89PNG"
    names = (BAD_MATH,) if figure == "class means" else (GOOD_MATH,) if "other" in figure else (BAD_MATH, GOOD_MATH)
    assert_names_literal(saved_texts, names)


def test_89_log_axes_keep_their_typeset_numbers(tmp_path, saved_texts):
    """User text is literal, but the log colour bar's 10^-k labels are still mathtext."""
    confusion = np.diag(np.full(10, 980))
    confusion[2, 7] = 13
    assert draw_confusion_matrix(confusion, NAMES, tmp_path / "confusion.png")
    numbers = [(text, math) for text, math in saved_texts if r"\mathdefault" in text]
    assert len(numbers) >= 3
    assert all(math for _, math in numbers), numbers


def test_120_a_directory_as_output_is_named_and_a_file_name_asked_for(published, tmp_path, capsys):
    site, _, _ = published
    directory = tmp_path / "x.png"
    directory.mkdir()
    assert main(["figure", "42", "--site", str(site), "--output", str(directory)]) == 1
    line = one_error_line(capsys)
    assert line.startswith("gradient-gallery: error: ")
    assert f"{directory}: it is a directory" in line and "file name is needed" in line
    assert ".tmp" not in line
    assert list(directory.iterdir()) == []


def test_125_too_few_class_names_in_the_manifest_are_named_as_the_cause(published, tmp_path, capsys):
    site, _, _ = published
    manifest = json.loads((site / "manifest.json").read_text())
    manifest["settings"]["data"]["class_names"] = ["zero"]
    (site / "manifest.json").write_text(json.dumps(manifest))
    output = tmp_path / "a.png"
    assert main(["figure", "42", "--site", str(site), "--output", str(output)]) == 1
    line = one_error_line(capsys)
    assert "manifest.json: its class_names has 1 name while the published rows use classes up to 9" in line
    assert "does not attribute" not in line
    assert not output.exists()
