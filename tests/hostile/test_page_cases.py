"""Text on the pages: titles in attributes and classes without test images (review rows 83 and 51).

Row 83 builds a two-page site with each engine (a few seconds, no report): a hostile site
title and a class page's title made the way the report makes it (``escape_markdown``, front
matter), then reads the built HTML as a browser does, attributes decoded once. Row 51
renders the report's pages and its manifest from synthetic results with an empty class.
"""

import dataclasses
import importlib.util
import json
from html.parser import HTMLParser

import numpy as np
import pytest

from generator.pages.markdown_text import escape_markdown, front_matter_string
from generator.publish.build import build_site
from generator.stages.attribute import to_examples
from generator.stages.gallery import build_gallery
from generator.stages.manifest import build_manifest, write_manifest
from generator.stages.selection import Selection
from generator.stages.results import Evaluation
from tests.helpers.baselines import K, published
from tests.helpers.facts import FACTS
from tests.helpers.pages import TEMPLATES, render_pages, synthetic_inputs
from tests.helpers.sites import small_project

SITE = """</title><script>alert('t')</script> Ana's R&D report "x\""""
CLASS = """</title><script>alert(1)</script> Ana's "R&D" <img src=x onerror=alert(1)> &#60;"""
ENGINES = ["mkdocs", pytest.param("zensical", marks=pytest.mark.skipif(
    importlib.util.find_spec("zensical") is None, reason="zensical is not installed"))]


class Page(HTMLParser):
    """What a browser reads from a page: the attributes of links (decoded once), the
    ``<title>`` text, and anything that would run (scripts, ``on*`` attributes)."""

    def __init__(self, text: str):
        super().__init__()
        self.links, self.title, self.active, self._in = [], "", [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self._in = tag
        if tag == "a":
            self.links.append(attributes)
        self.active += [f"{tag} {name}" for name in attributes if name.startswith("on")]

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        if self._in == "script" and "alert" in data:
            self.active.append(f"script {data[:40]}")

    def link(self, css_class: str) -> list[dict]:
        return [a for a in self.links if css_class in (a.get("class") or "").split()]


@pytest.mark.parametrize("engine", ENGINES)
def test_83_titles_reach_tooltips_and_labels_escaped_once(tmp_path, engine):
    name = escape_markdown(f"Class {CLASS}")  # as generator/pages/report.py makes a class page's title
    index = f"---\ntitle: {front_matter_string(name)}\n---\n\n# {name}\n\nSee [the maths](maths.md).\n"
    docs = small_project(tmp_path, index=index)
    build_site(tmp_path / "mkdocs.yml", docs, tmp_path / "site", site_name=SITE, engine=engine)
    home = Page((tmp_path / "site" / "index.html").read_text(encoding="utf-8"))
    maths = Page((tmp_path / "site" / "maths" / "index.html").read_text(encoding="utf-8"))
    for page in (home, maths):
        assert page.active == []
        logos = page.link("md-logo")
        assert len(logos) == 2 and all(a["title"] == SITE and a["aria-label"] == SITE for a in logos), logos
    assert " ".join(home.title.split()) == f"Class {CLASS} - {SITE}"
    (previous,) = maths.link("md-footer__link--prev")
    assert previous["aria-label"] == f"Previous: Class {CLASS}"
    (following,) = home.link("md-footer__link--next")
    assert following["aria-label"] == "Next: Maths"


def without_class(inputs, k: int):
    """``inputs`` with no test image of class ``k``, evaluated as the build evaluates."""
    confusion = np.asarray(inputs.evaluation.confusion).copy()
    confusion[k] = 0
    rows = confusion.sum(axis=1)
    evaluation = dataclasses.replace(inputs.evaluation, confusion=confusion,
                                     per_class_accuracy=np.where(rows > 0, np.diag(confusion) / np.maximum(rows, 1),
                                                                 np.nan))
    examples = tuple(e for e in inputs.examples if e.true_label != k)
    return dataclasses.replace(inputs, evaluation=evaluation, examples=examples,
                               gallery=build_gallery(examples, evaluation.margins, len(rows)))


def test_51_a_class_without_test_images_shows_no_accuracy(tmp_path):
    render_pages(without_class(synthetic_inputs(), 5), TEMPLATES, tmp_path)
    class_page = (tmp_path / "classes" / "class-5.md").read_text(encoding="utf-8")
    assert "Accuracy on the 0 test images of class 5: **—**." in class_page
    home = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert "| [5](classes/class-5.md) | 0 | 0 | — |" in home
    assert "0%" not in class_page and "| 0 | 0 | 0% |" not in home
    assert "| [4](classes/class-4.md) | 100 | 95 | 95.00% |" in home  # the others keep theirs


def test_51_the_manifest_has_null_accuracy_for_a_class_without_test_images(tmp_path):
    arrays = published()  # test 0 is a 0, test 1 a 2 taken for a 1, test 2 a 0 taken for a 2
    labels, predictions = np.array([0, 2, 0]), np.array([0, 1, 2])
    confusion = np.zeros((K, K), np.int64)
    np.add.at(confusion, (labels, predictions), 1)  # class 1 has no test image
    evaluation = Evaluation(1 / 3, np.array([0.5, np.nan, 0.0]), confusion, predictions, np.full(3, 0.9),
                            np.full(3, 1.0))
    gallery = build_gallery(to_examples(arrays, labels, evaluation, 0.01), evaluation.margins, K)
    manifest = build_manifest(FACTS, labels, evaluation, Selection(((0,), (), ()), (1, 2), 2), arrays, gallery,
                              None, {})
    write_manifest(manifest, tmp_path / "manifest.json")
    written = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert written["model"]["per_class_accuracy"] == [0.5, None, 0.0]


def test_51_evaluation_gives_no_accuracy_to_a_class_without_test_images():
    keras = pytest.importorskip("keras")
    from generator.stages.data import Dataset
    from generator.stages.model import evaluate

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    images = np.random.default_rng(0).integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
    labels = np.arange(40) % 10
    labels[labels == 5] = 4  # no test image of class 5
    evaluation = evaluate(model, Dataset(images, labels, images, labels, "test", "0" * 64))
    assert np.isnan(evaluation.per_class_accuracy[5])
    rows = np.bincount(labels, minlength=10)
    others = np.flatnonzero(rows)
    np.testing.assert_allclose(evaluation.per_class_accuracy[others],
                               np.diag(evaluation.confusion)[others] / rows[others])
