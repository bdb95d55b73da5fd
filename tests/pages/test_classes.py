"""Pages for any number of classes K: every class listed, at most 20 class pages above the limit,
chance = 1/K, no MNIST wording for other data, the top confusions of a hand-made matrix."""

import re

import numpy as np
import pytest

from generator.pages.classes import TOP_CONFUSIONS, Confusion, chance, top_confusions
from generator.stages.gallery import CLASS_PAGE_LIMIT
from tests.helpers.pages import TEMPLATES, render_pages, synthetic_inputs


def _written(tmp_path, classes):
    inputs = synthetic_inputs(classes=classes)
    written = {p.relative_to(tmp_path).as_posix(): p.read_text(encoding="utf-8")
               for p in render_pages(inputs, TEMPLATES, tmp_path)}
    return inputs, written


def _most_confused(confusion, limit):
    """The classes with the most mistakes as true class, ties by index (written out, not the code's)."""
    mistakes = [(int(row.sum() - row[k]), k) for k, row in enumerate(confusion)]
    return sorted(k for _, k in sorted(mistakes, key=lambda m: (-m[0], m[1]))[:limit])


@pytest.mark.parametrize("classes", [2, 20, 100, 1000])
def test_every_class_is_listed_and_at_most_twenty_have_pages(tmp_path, classes):
    inputs, written = _written(tmp_path, classes)
    class_pages = sorted(int(re.fullmatch(r"classes/class-(\d+)\.md", p)[1]) for p in written if p.startswith("classes/"))
    wrong_pages = [p for p in written if p.startswith("misclassified/")]
    if classes <= CLASS_PAGE_LIMIT:
        assert class_pages == list(range(classes))
        assert "classes.md" not in written
        return
    assert class_pages == _most_confused(inputs.evaluation.confusion, CLASS_PAGE_LIMIT)
    assert len(wrong_pages) <= CLASS_PAGE_LIMIT
    index = written["classes.md"]
    rows = re.findall(r"^\| \[([^\]]+)\]\(([^)]+)\)", index, flags=re.M)
    assert [name for name, _ in rows] == [str(k) for k in range(classes)]
    for k, (_, link) in enumerate(rows):
        assert link == (f"classes/class-{k}.md" if k in class_pages else f"explorer.md?true={k}")
    assert f"right {chance(classes)} of the time" in index and f"All {classes:,} classes" in index
    home = written["index.md"]
    assert home.count("](classes/class-") == CLASS_PAGE_LIMIT and "](classes.md)" in home
    # Every published example is still in the explorer, linked to a page or to its tile.
    assert written["explorer.md"].count("<tr data-true=") == len(inputs.examples)


@pytest.mark.parametrize("classes, expected", [(2, "50%"), (20, "5%"), (100, "1%"), (1000, "0.1%"), (3, "33%")])
def test_chance_is_one_in_k(classes, expected):
    assert chance(classes) == expected


@pytest.mark.parametrize("classes", [2, 20, 100, 1000])
def test_no_digit_or_ten_class_wording_for_other_data(tmp_path, classes):
    _, written = _written(tmp_path, classes)
    text = "\n".join(written.values())
    assert "digit" not in text.lower()
    assert "10 classes" not in text and f"{classes:,} classes" in text


def test_the_top_confusions_of_a_hand_made_matrix():
    confusion = np.array([[90, 6, 4, 0],
                          [1, 97, 0, 2],
                          [0, 6, 44, 0],
                          [0, 0, 0, 0]])
    assert top_confusions(confusion, limit=3) == [
        Confusion(0, 1, 6, 0.06), Confusion(2, 1, 6, 0.12), Confusion(0, 2, 4, 0.04)]
    assert [(c.true, c.predicted) for c in top_confusions(confusion)] == [(0, 1), (2, 1), (0, 2), (1, 3), (1, 0)]
    assert top_confusions(np.diag([5, 5])) == []


def test_the_home_page_tabulates_the_top_confusions_above_the_limit(tmp_path):
    inputs, written = _written(tmp_path, 100)
    home = written["index.md"]
    table = re.findall(r"^\| (\d+) → (\d+) \| (\d+) \| ([\d.]+%) \|$", home, flags=re.M)
    assert len(table) == TOP_CONFUSIONS
    assert table[0] == ("13", "0", "6", "5.9%")  # 6 of the 95 + 6 test images of class 13
    confusion = inputs.evaluation.confusion
    assert [int(n) for *_, n, _ in table] == sorted((int(confusion[t, p]) for t, p in zip(*np.nonzero(confusion))
                                                     if t != p), reverse=True)[:TOP_CONFUSIONS]


def test_up_to_the_limit_the_home_page_has_no_index_and_no_confusion_table(tmp_path):
    _, written = _written(tmp_path, 20)
    assert "classes.md" not in written["index.md"] and "True → predicted" not in written["index.md"]


def test_a_later_build_of_fewer_classes_removes_the_index_and_the_other_class_pages(tmp_path):
    render_pages(synthetic_inputs(classes=100), TEMPLATES, tmp_path)
    render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    assert not (tmp_path / "classes.md").exists()
    assert sorted(p.name for p in (tmp_path / "classes").iterdir()) == sorted(f"class-{k}.md" for k in range(10))


def test_the_misclassified_index_links_classes_without_pages_to_their_filtered_mistakes(tmp_path):
    inputs, written = _written(tmp_path, 100)
    index = written["misclassified.md"]
    assert "The 20 true classes with the most mistakes have their own page" in index
    assert "Each true class has its own page" not in index
    assert "[Class 1](explorer.md?true=1&show=mistake)" in index
    assert "[Class 4](misclassified/true-4.md)" in index  # a paged class with a published mistake
    _, ten = _written(tmp_path / "ten", 10)
    assert "Each true class has its own page of maps, the most confident mistakes first. Each image there has\n" in (
        ten["misclassified.md"])
