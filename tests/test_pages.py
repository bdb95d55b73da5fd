"""Pages: strict templates, every figure linked, pairs ordered, user text escaped."""

import re
import shutil
from pathlib import Path

import jinja2
import numpy as np
import pytest

from generator.markdown_text import escape_markdown
from generator.pages import PageInputs, render_pages
from generator.report import AttributionRow, Completeness, Evaluation, Example

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
NAMES = tuple(str(k) for k in range(10))


def _example(test_index: int, true: int, predicted: int, confidence: float) -> Example:
    zeros = np.zeros((4, 4), np.float32)
    targets = (true,) if true == predicted else (predicted, true)
    rows = tuple(AttributionRow(t, zeros, zeros, zeros, zeros, zeros, Completeness(0.0, 0.0, 0.0, 8)) for t in targets)
    return Example(test_index, true, predicted, confidence, zeros, rows)


def synthetic_inputs(class_names: tuple[str, ...] = NAMES, misclassified_total: int = 9,
                     title: str = "Gradient Gallery") -> PageInputs:
    """Two correct examples per class and misclassified pairs 2→7 (×2), 4→9 (×1), 1→3 (×1).

    The confusion matrix makes 4→9 the most frequent mistake (5), then 2→7 and 1→3 tied
    at 2 (tie broken by the true class), then 5→6 (1, nothing shown).
    """
    examples = [_example(100 + 10 * k + j, k, k, 0.99 - 0.1 * j) for k in range(10) for j in range(2)]
    examples += [_example(7, 2, 7, 0.61), _example(8, 2, 7, 0.8), _example(5, 4, 9, 0.7), _example(3, 1, 3, 0.55)]
    confusion = np.diag(np.full(10, 95))
    confusion[4, 9], confusion[2, 7], confusion[1, 3], confusion[5, 6] = 5, 2, 2, 1
    evaluation = Evaluation(
        accuracy=float(np.trace(confusion) / confusion.sum()),
        per_class_accuracy=np.diag(confusion) / confusion.sum(axis=1),
        confusion=confusion,
        predictions=np.zeros(int(confusion.sum()), int),
        confidences=np.ones(int(confusion.sum())),
    )
    return PageInputs(
        title=title,
        class_names=class_names,
        evaluation=evaluation,
        examples=tuple(examples),
        example_figures={e.test_index: f"figures/examples/test-{e.test_index:05d}.png" for e in examples},
        confusion_figure="figures/confusion.png",
        curves_figure="figures/training-curves.png",
        model_summary=(("Architecture", "Conv(32)-Pool-Conv(64)-Pool-Dropout-Dense(10)"), ("Model sha256", "ab12")),
        attribution_summary=(("IG quadrature", "gauss_legendre, 64 steps"), ("Median completeness error", "0.12%")),
        misclassified_total=misclassified_total,
        tool_version="0.1.0",
    )


def _all_text(docs: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(docs.rglob("*.md")))


def test_a_template_using_an_undefined_variable_fails(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "class.md.j2").write_text("# Class {{ name }}\n{{ acuracy }}\n", encoding="utf-8")
    with pytest.raises(jinja2.UndefinedError, match="acuracy"):
        render_pages(synthetic_inputs(), templates, tmp_path / "docs")


def test_every_page_is_written_and_every_example_figure_is_linked(tmp_path):
    inputs = synthetic_inputs()
    written = render_pages(inputs, TEMPLATES, tmp_path)
    expected = ["index.md", *(f"classes/class-{k}.md" for k in range(10)), "misclassified.md"]
    assert [p.relative_to(tmp_path).as_posix() for p in written] == expected
    text = _all_text(tmp_path)
    for figure in [*inputs.example_figures.values(), inputs.confusion_figure, inputs.curves_figure]:
        assert f"{figure}){{ loading=lazy }}" in text
    for k in range(10):
        page = (tmp_path / f"classes/class-{k}.md").read_text(encoding="utf-8")
        assert f"\n# Class {k}\n" in page
        assert page.count("](../figures/examples/") == 2  # its two correct examples, nothing else


def test_every_image_has_alt_text_naming_classes_and_methods(tmp_path):
    render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    images = re.findall(r"!\[([^\]]*)\]\(([^)]*)\)", _all_text(tmp_path))
    assert len(images) == 24 + 2
    for alt, src in images:
        assert alt, src
    misclassified = (tmp_path / "misclassified.md").read_text(encoding="utf-8")
    assert (
        "Test image 7: true 2, predicted 7 — input, gradient, saliency, gradient × input, SmoothGrad and "
        "Integrated Gradients maps for classes 7 and 2" in misclassified
    )


def test_pairs_are_ordered_by_count_then_by_true_and_predicted_class(tmp_path):
    render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    page = (tmp_path / "misclassified.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.*) \{ #(true-\d-predicted-\d) \}$", page, flags=re.MULTILINE)
    assert [anchor for _, anchor in headings] == ["true-4-predicted-9", "true-1-predicted-3", "true-2-predicted-7"]
    # Within a pair, the most confident mistake first.
    assert page.index("test-00008.png") < page.index("test-00007.png")
    # A class page links to the pairs that have examples, and only names the others.
    five = (tmp_path / "classes/class-5.md").read_text(encoding="utf-8")
    assert "- 6: 1" in five and "#true-5-predicted-6" not in five
    two = (tmp_path / "classes/class-2.md").read_text(encoding="utf-8")
    assert "(../misclassified.md#true-2-predicted-7)" in two


def test_capped_misclassified_page_says_how_many_are_shown(tmp_path):
    render_pages(synthetic_inputs(misclassified_total=9), TEMPLATES, tmp_path)
    assert "Showing 4 of 9 misclassified test images." in (tmp_path / "misclassified.md").read_text()
    render_pages(synthetic_inputs(misclassified_total=4), TEMPLATES, tmp_path)
    page = (tmp_path / "misclassified.md").read_text()
    assert "All 4 misclassified test images are shown." in page and "Showing" not in page


def test_user_text_is_escaped_everywhere(tmp_path):
    hostile = ("<script>alert(1)</script>", "[x](javascript:alert(1))", "$x$", "--8<-- secret\n# heading",
               "{ onclick=alert(1) }", "a|b*c_d`e`\\f!g&h")
    names = (*hostile, *NAMES[len(hostile):])
    render_pages(synthetic_inputs(class_names=names, title="**Bold** <i>title</i>"), TEMPLATES, tmp_path)
    text = _all_text(tmp_path)
    for raw in [*hostile, "<i>", "**Bold**", "--8<--", "# heading", "a|b", "`e`", "\\f", "&h"]:
        assert raw not in text, raw
    assert "# Class &#60;script&#62;alert&#40;1&#41;&#60;/script&#62;\n" in text
    for line in text.splitlines():
        assert not line.startswith(("--8<--", "# heading")), line


def test_escape_markdown_leaves_no_markup_and_one_line():
    escaped = escape_markdown("---\nline two & <tag> [link](url) $math$ #1 | ! * _ ` \\ { } ~")
    assert "\n" not in escaped
    assert not escaped.startswith("-")
    assert not set(escaped) & set("<>[]()$|!*_`\\{}~")
    assert escape_markdown("Plain text 42, ok.") == "Plain text 42, ok."


def test_stale_class_pages_are_removed_and_nothing_else(tmp_path):
    (tmp_path / "classes").mkdir()
    (tmp_path / "classes" / "class-10.md").write_text("old", encoding="utf-8")
    (tmp_path / "classes" / "notes.txt").write_text("keep", encoding="utf-8")
    (tmp_path / "methods.md").write_text("# Methods\n", encoding="utf-8")
    render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    assert not (tmp_path / "classes" / "class-10.md").exists()
    assert (tmp_path / "classes" / "notes.txt").exists()
    assert (tmp_path / "methods.md").read_text(encoding="utf-8") == "# Methods\n"


def test_rendering_twice_leaves_the_pages_untouched(tmp_path):
    first = render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    stamps = {p: p.stat().st_mtime_ns for p in first}
    render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    assert {p: p.stat().st_mtime_ns for p in first} == stamps


def test_loaded_model_gets_a_sentence_instead_of_training_curves(tmp_path):
    inputs = synthetic_inputs()
    loaded = PageInputs(**{**inputs.__dict__, "curves_figure": None})
    render_pages(loaded, TEMPLATES, tmp_path)
    home = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert "training-curves" not in home and "loaded from a file" in home


def test_an_example_without_a_figure_is_refused(tmp_path):
    inputs = synthetic_inputs()
    figures = dict(inputs.example_figures)
    del figures[7]
    with pytest.raises(ValueError, match=r"\[7\]"):
        render_pages(PageInputs(**{**inputs.__dict__, "example_figures": figures}), TEMPLATES, tmp_path)
