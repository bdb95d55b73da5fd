"""The nav lists the per-class pages a build wrote: MNIST's ten as configured, K others, or the
Classes index and the 20 most confused classes."""

import re
import shutil

import pytest
import yaml

from generator.pages.render import render_all
from generator.pages.report import report_pages
from generator.publish.build import build_site
from generator.publish.nav import class_nav_pages, site_nav, with_class_pages
from tests.helpers.pages import TEMPLATES, synthetic_inputs
from tests.helpers.project import ROOT


def _configured_nav():
    """The ``nav`` of the checkout's mkdocs.yml (its block alone: the rest has MkDocs' own YAML tags)."""
    block = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:\n", 1)[1].split("\n\n", 1)[0]
    return yaml.safe_load("nav:\n" + block)["nav"]


def _section(nav, title):
    return next(item[title] for item in nav if isinstance(item, dict) and title in item)


def test_the_ten_mnist_pages_give_the_configured_nav():
    nav = _configured_nav()
    written = [f"classes/class-{k}.md" for k in range(10)] + [f"misclassified/true-{k}.md" for k in range(10)]
    assert with_class_pages(nav, written) == nav
    # Without a mistake on class 5, its page is left out, as by omitting it.
    fewer = [page for page in written if page != "misclassified/true-5.md"]
    assert site_nav(nav, (), fewer) == site_nav(nav, ("misclassified/true-5.md",), None)


def test_two_classes_list_two_pages():
    nav = site_nav(_configured_nav(), (), ["classes/class-1.md", "classes/class-0.md", "misclassified/true-1.md"])
    assert _section(nav, "Classes") == ["classes/class-0.md", "classes/class-1.md"]
    assert _section(nav, "Misclassified")[1:] == ["misclassified/true-1.md"]


def test_many_classes_list_the_index_then_the_pages_in_class_order():
    generated = ["index.md", "classes.md", "explorer.md"] + [f"classes/class-{k}.md" for k in (97, 4, 12)] + [
        "misclassified/true-12.md", "misclassified.md"]
    pages = class_nav_pages(generated)
    assert pages == ["classes.md", "classes/class-97.md", "classes/class-4.md", "classes/class-12.md",
                     "misclassified/true-12.md"]
    nav = site_nav(_configured_nav(), (), pages)
    assert _section(nav, "Classes") == [{"All classes": "classes.md"}, "classes/class-4.md", "classes/class-12.md",
                                        "classes/class-97.md"]
    assert _section(nav, "Misclassified") == [{"By true class": "misclassified.md"}, "misclassified/true-12.md"]


@pytest.mark.slow
def test_a_site_of_a_hundred_classes_builds_strict(quick_build, tmp_path):
    """The quick build's pages with the report pages of a synthetic 100-class report in place of
    MNIST's (each image it shows a copy of one tile): MkDocs, strict, accepts the nav of the Classes
    index and 20 class pages, and the index's links to the explorer filtered to a class."""
    project, _ = quick_build
    docs = tmp_path / "docs"
    shutil.copytree(project / "site_src", docs)
    for folder in ("classes", "misclassified"):
        shutil.rmtree(docs / folder)
    pages = report_pages(synthetic_inputs(classes=100))
    tile = next((docs / "figures/tiles").glob("*.webp"))
    for page in render_all(pages, TEMPLATES, docs):
        for src in re.findall(r"\]\(([^)#?]+\.(?:webp|svg|png))", page.read_text(encoding="utf-8")):
            if not (page.parent / src).exists():
                (page.parent / src).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(tile, page.parent / src)
    site = tmp_path / "site"
    build_site(project / "mkdocs.yml", docs, site, class_pages=class_nav_pages(pages),
               omit_from_nav=("changes.md", "trust.md", "decoy.md"))  # render_all removed the evidence pages
    built = sorted(p.name for p in (site / "classes").iterdir() if p.name.startswith("class-"))
    assert len(built) == 20
    index = (site / "classes/index.html").read_text(encoding="utf-8")
    assert 'href="../explorer/?true=0"' in index and 'href="class-4/"' in index
