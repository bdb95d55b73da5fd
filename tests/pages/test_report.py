"""Pages: strict templates, every tile linked with alt text, stable anchors, mistakes ordered, user text escaped."""

import re
import shutil
from pathlib import Path

import jinja2
import pytest

from generator.stages.gallery import build_gallery
from generator.pages.markdown_text import escape_markdown
from generator.plumbing.numbers import digits, percent
from generator.pages.report import PageInputs
from tests.helpers.pages import NAMES, TEMPLATES, explorer_row, render_pages, synthetic_inputs

def _all_text(docs: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(docs.rglob("*.md")))


def test_a_template_using_an_undefined_variable_fails(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "class.md.j2").write_text("# Class {{ name }}\n{{ acuracy }}\n", encoding="utf-8")
    with pytest.raises(jinja2.UndefinedError, match="acuracy"):
        render_pages(synthetic_inputs(), templates, tmp_path / "docs")


def test_every_page_is_written_and_every_tile_is_linked(tmp_path):
    inputs = synthetic_inputs()
    written = render_pages(inputs, TEMPLATES, tmp_path)
    expected = ["index.md", *(f"classes/class-{k}.md" for k in range(10)), "misclassified.md",
                *(f"misclassified/true-{k}.md" for k in (1, 2, 4)), "explorer.md"]  # true classes with a mistake
    assert [p.relative_to(tmp_path).as_posix() for p in written] == expected
    text = _all_text(tmp_path)
    for figure in [inputs.confusion_figure, inputs.curves_figure]:
        assert f"{figure}){{ loading=lazy }}" in text
    for k in range(10):
        page = (tmp_path / f"classes/class-{k}.md").read_text(encoding="utf-8")
        assert f"\n# Class {k}\n" in page
        # Its two correct examples: an input and six maps each, and nothing else.
        assert len(re.findall(r"\]\(\.\./figures/tiles/\d{5}-", page)) == 2 * 7
        for e in (e for e in inputs.examples if e.correct and e.true_label == k):
            assert f'id="test-{e.test_index:05d}"' in page
            assert f"../figures/tiles/{e.test_index:05d}-{k}-ig.webp" in page
            assert f"../figures/tiles/{e.test_index:05d}-{k}-eg.webp" in page
        # One colour bar per method in the legend and again in the table head.
        assert page.count("](../figures/tiles/scale-") == 2 * 6


def test_tiles_larger_than_their_box_are_smoothed_and_small_ones_stay_crisp(tmp_path):
    from dataclasses import replace

    import numpy as np

    from generator.pages.gallery import TILE_PIXELS, smooth_tiles

    small = synthetic_inputs()
    assert not smooth_tiles(small.examples, TILE_PIXELS)
    examples = tuple(replace(e, image=np.zeros((TILE_PIXELS + 1, 64, 3), np.float32)) for e in small.examples)
    assert smooth_tiles(examples, TILE_PIXELS) and not smooth_tiles(examples, TILE_PIXELS + 1)
    large = replace(small, examples=examples, gallery=build_gallery(examples, small.evaluation.margins, 10))
    for inputs, folder in ((small, tmp_path / "small"), (large, tmp_path / "large")):
        render_pages(inputs, TEMPLATES, folder)
    for page in ("classes/class-3.md", "misclassified/true-2.md", "explorer.md"):
        assert "gg-smooth" not in (tmp_path / "small" / page).read_text(encoding="utf-8")
        assert (tmp_path / "large" / page).read_text(encoding="utf-8").count(" gg-smooth\"") == 1


def test_every_map_has_alt_text_naming_image_method_and_class(tmp_path):
    render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    images = re.findall(r"!\[([^\]]*)\]\(([^)]*)\)", _all_text(tmp_path))
    # 20 correct × 7 tiles, 4 mistakes × (1 input + 2 × 6 maps + 2 contrast maps), 13 gallery pages
    # (10 classes, 3 true classes with a mistake) × 6 colour bars in the legend and 6 in the table head,
    # the explorer's 24 inputs, 24 IG maps, 4 contrast maps and its IG colour bar, confusion matrix and
    # training curves.
    assert len(images) == 20 * 7 + 4 * 15 + 13 * 12 + (24 * 2 + 4 + 1) + 2
    for alt, src in images:
        assert alt, src
    misclassified = (tmp_path / "misclassified/true-2.md").read_text(encoding="utf-8")
    assert "Test image 7: Integrated Gradients map for class 2" in misclassified
    assert "Test image 7: contrastive Integrated Gradients, logit 7 − logit 2" in misclassified
    assert "Test image 7: contrastive Expected Gradients, logit 7 − logit 2" in misclassified
    assert "(../figures/tiles/00007-contrast.webp)" in misclassified
    assert "(../figures/tiles/00007-contrast-eg.webp)" in misclassified


def test_mistakes_are_most_confident_first_and_pairs_link_to_their_first(tmp_path):
    render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    anchors = {k: re.findall(r'<tbody id="(test-\d{5})"', (tmp_path / f"misclassified/true-{k}.md").read_text())
               for k in (1, 2, 4)}
    assert anchors == {2: ["test-00008", "test-00007"], 4: ["test-00005"], 1: ["test-00003"]}  # p = 0.8, then 0.61
    page = (tmp_path / "misclassified.md").read_text(encoding="utf-8")
    assert '<tbody id="' not in page  # the index has no gallery
    # The index's table of true classes: mistakes in the test split, shown, linked to their page.
    per_class = re.findall(r"^\| \[?([^|\]]+?)\]?(?:\(([^)]*)\))? \| (\d+) \| (\d+) \|$", page, flags=re.MULTILINE)
    assert per_class == [("Class 1", "misclassified/true-1.md", "2", "1"), ("Class 2", "misclassified/true-2.md", "2", "2"),
                         ("Class 4", "misclassified/true-4.md", "5", "1"), ("Class 5", "", "1", "0")]
    # The folded pair table: most frequent pair first, each linked to its most confident image.
    pairs = re.findall(r"^    \| \[?([^|\]]+?)\]?(?:\(([^)]*)\))? \|", page, flags=re.MULTILINE)
    assert [label for label, _ in pairs[1:]] == ["4 → 9", "1 → 3", "2 → 7", "5 → 6"]
    assert dict(pairs[1:])["2 → 7"] == "misclassified/true-2.md#test-00008" and dict(pairs[1:])["5 → 6"] == ""
    # A class page links its mistakes to that image, and only names pairs with none shown.
    five = (tmp_path / "classes/class-5.md").read_text(encoding="utf-8")
    assert "- 6: 1" in five and "misclassified/true" not in five
    two = (tmp_path / "classes/class-2.md").read_text(encoding="utf-8")
    assert "(../misclassified/true-2.md#test-00008)" in two


def test_explorer_lists_every_example_linked_to_its_row(tmp_path):
    inputs = synthetic_inputs()
    render_pages(inputs, TEMPLATES, tmp_path)
    page = (tmp_path / "explorer.md").read_text(encoding="utf-8")
    links = re.findall(r'<td class="gg-index" data-label="Test #" markdown="span">\[(\d+)\]\(([^)]*)\)</td>', page)
    assert sorted(int(i) for i, _ in links) == sorted(e.test_index for e in inputs.examples)
    assert dict(links)["8"] == "misclassified/true-2.md#test-00008"
    assert dict(links)["131"] == "classes/class-3.md#test-00131"
    # IG error, then EG error: a mistake's contrastive EG misses its sum by 0.1, 1.17% of its Σ|EG| of
    # 128/15, its other maps by nothing.
    row_8 = explorer_row(page, 8)
    assert 'data-label="IG error">0%</td>\n<td class="gg-number gg-secondary" data-label="EG error">1.17% (0.100)</td>' \
        in row_8
    # Its input, its IG map of the predicted class and its contrast map, each linked to its row.
    thumbnails = re.findall(r"\[!\[([^\]]*)\]\(([^)]*)\)\{[^}]*\}\]\(([^)]*)\)", row_8)
    assert thumbnails == [("Test image 8", "figures/tiles/00008-input.webp", dict(links)["8"]),
                          ("Test image 8: Integrated Gradients map for class 7", "figures/tiles/00008-7-ig.webp",
                           dict(links)["8"]),
                          ("Test image 8: contrastive Integrated Gradients, logit 7 − logit 2",
                           "figures/tiles/00008-contrast.webp", dict(links)["8"])]
    assert '<tr data-true="2" data-predicted="7" data-result="mistake" data-flags=""' in row_8
    # A correct image has no contrast map: an empty cell keeps the columns in place.
    row_131 = explorer_row(page, 131)
    assert "-ig.webp" in row_131 and "contrast" not in row_131 and '<td class="gg-thumb gg-empty"></td>' in row_131


def test_class_pages_order_by_margin_and_say_how_examples_were_chosen(tmp_path):
    render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    page = (tmp_path / "classes/class-3.md").read_text(encoding="utf-8")
    assert re.findall(r'<tbody id="(test-\d{5})"', page) == ["test-00130", "test-00131"]  # margins 1.30, 1.31
    assert "evenly spaced values of the *margin*" in page and "from\nthe smallest, 1.30, to the largest, 1.31" in page


def test_legend_states_the_limits_and_what_they_clip(tmp_path):
    inputs = synthetic_inputs()
    render_pages(inputs, TEMPLATES, tmp_path)
    page = (tmp_path / "classes/class-0.md").read_text(encoding="utf-8")
    ig = next(m for m in inputs.gallery.methods if m.key == "integrated_gradients")
    clipped = next(p for p in inputs.gallery.pages if p.page == "classes/class-0.md").clipping[ig.key]
    assert f"−{digits(ig.scale.limit)}" in page and f"+{digits(ig.scale.limit)}" in page
    assert f"Clipped: {percent(clipped.pixels)} of pixels ({percent(clipped.inked_pixels)} of non-zero " \
           f"ones), holding {percent(clipped.attribution)} of &#124;attribution&#124;" in page or \
           f"Clipped: {percent(clipped.pixels)} of pixels" in page


def test_capped_misclassified_page_says_how_many_are_shown(tmp_path):
    render_pages(synthetic_inputs(misclassified_total=9), TEMPLATES, tmp_path)
    assert "Showing 4 of 9 misclassified test images" in (tmp_path / "misclassified.md").read_text()
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


def test_code_name_is_literal_inline_code_and_refuses_anything_but_a_plain_name():
    from generator.pages.markdown_text import code_name

    assert code_name("data.class_names") == "`data.class_names`"
    for bad in ("a`b", "a|b", "a b", "<x>", ""):
        with pytest.raises(ValueError, match="plain name"):
            code_name(bad)


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


def test_an_example_on_no_gallery_page_is_refused(tmp_path):
    inputs = synthetic_inputs()
    gallery = build_gallery([e for e in inputs.examples if e.test_index != 7], inputs.evaluation.margins, 10)
    with pytest.raises(ValueError, match=r"\[7\]"):
        render_pages(PageInputs(**{**inputs.__dict__, "gallery": gallery}), TEMPLATES, tmp_path)
