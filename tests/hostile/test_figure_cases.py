"""The `figure` command and text in figures (review rows 89, 120 and 125).

Every case runs in process on a tiny published site written by the build's own writers (the
``published`` fixture of tests/test_publication_figure.py) or on hand-made results: no model,
no build. What a figure shows is read from the matplotlib figure as it is saved: each text,
and whether matplotlib's mathtext parser reads it.
"""

import json

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from generator.cli import main
from generator.figures.baselines import draw_baselines
from generator.figures.changes import draw_changed_image
from generator.figures.charts import draw_confusion_matrix
from generator.figures.example import draw_class_means, draw_example, map_scales
from generator.figures.trust import draw_cascade_grid, draw_similarity
from generator.stages.baselines import BaselineStudy
from generator.stages.changes import ChangedImage
from generator.stages.results import ClassMeans, Completeness, ContrastMap, Example
from generator.stages.trust import METHOD_KEYS, METRICS
from test_figures import make_example
from test_publication_figure import one_error_line, published  # noqa: F401 (a fixture)

BAD_MATH, GOOD_MATH = r"$\nope$", "$x^2$"
"""Class names that mathtext would refuse (an unknown symbol) and would typeset (x squared)."""
NAMES = ("0", "1", "2", "3", GOOD_MATH, "5", "6", "7", "8", BAD_MATH)


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


def contrast_example() -> Example:
    wrong = make_example(42, 4, 9)
    check = Completeness(1.0, 1.0, 0.0, 64)
    contrast = ContrastMap({"integrated_gradients": np.ones((28, 28), np.float32),
                            "expected_gradients": -np.ones((28, 28), np.float32)}, check, check)
    return Example(42, 4, 9, 0.6, wrong.image, wrong.rows, contrast)


def baseline_study() -> BaselineStudy:
    rng = np.random.default_rng(0)
    return BaselineStudy(
        test_index=np.array([42]), predicted=np.array([9]), true=np.array([4]), images=rng.random((1, 28, 28)),
        maps=rng.normal(size=(1, 5, 28, 28)), attribution_sum=np.ones((1, 5)), score_delta=np.ones((1, 5)),
        relative_error=np.zeros((1, 5)), study_black_share=np.zeros(5), eg_missing_ink=np.zeros(1), black_share={})


def changed_image() -> ChangedImage:
    rng = np.random.default_rng(1)
    return ChangedImage(42, 4, 4, 9, 0.9, 0.6, rng.random((28, 28)), rng.normal(size=(28, 28)),
                        rng.normal(size=(28, 28)))


def similarity(layers, path):
    shape = (len(METRICS), len(METHOD_KEYS), len(layers))
    return draw_similarity(np.full(shape, 0.5), np.full(shape, 0.4), np.full(shape, 0.6), layers, path)


LAYERS = ("dense", BAD_MATH, GOOD_MATH)
FIGURES = {
    "example with contrast": lambda path: draw_example(contrast_example(), map_scales([contrast_example()]),
                                                       NAMES, path),
    "class means": lambda path: draw_class_means(
        ClassMeans(9, 3, 1, *np.random.default_rng(2).normal(size=(4, 28, 28))), NAMES, path),
    "class means of the other name": lambda path: draw_class_means(
        ClassMeans(4, 3, 1, *np.random.default_rng(2).normal(size=(4, 28, 28))), NAMES, path),
    "confusion matrix": lambda path: draw_confusion_matrix(np.diag(np.full(10, 9)) + 1, NAMES, path),
    "changes": lambda path: draw_changed_image(changed_image(), 1.0, NAMES, path),
    "baselines": lambda path: draw_baselines(baseline_study(), NAMES, path),
    "cascade grid (layer names)": lambda path: draw_cascade_grid(
        np.random.default_rng(3).normal(size=(len(LAYERS) + 1, len(METHOD_KEYS), 28, 28)), LAYERS, 42, path),
    "similarity (layer names)": lambda path: similarity(LAYERS, path),
}


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
