"""Vendored MathJax and GLightbox: copied into the pages before any engine runs, loaded by the
site's own scripts, and the search index's formulas made plain text after the build."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.publish import mathjax as site_mathjax
from generator.publish import vendor
from generator.publish.build import SiteError, build_site
from generator.publish.mathjax import (
    mathjax_root,
    plain_formula,
    plain_search_index,
    plain_search_text,
    vendored_files,
)

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "site_src" / "javascripts"


def test_vendored_mathjax_files_come_from_the_installed_mathjax_in_a_fixed_order():
    files = vendored_files(mathjax_root())
    targets = [target for _, target in files]
    assert targets == sorted(targets) and len(set(targets)) == len(targets)
    assert {"LICENSE", "tex-mml-chtml.js"} <= set(targets)
    assert any(t.startswith("output/chtml/fonts/woff-v2/MathJax_Main-Regular") for t in targets)
    assert any(t.startswith("input/tex/extensions/") for t in targets)
    assert all(source.is_file() for source, _ in files)


def test_a_missing_mathjax_package_is_named(monkeypatch):
    monkeypatch.setattr(site_mathjax, "DISTRIBUTION", "no-such-distribution-gg")
    with pytest.raises(SiteError, match="no-such-distribution-gg"):
        mathjax_root()


def test_a_missing_glightbox_package_is_named(monkeypatch):
    monkeypatch.setattr(vendor, "GLIGHTBOX_DISTRIBUTION", "no-such-distribution-gg")
    with pytest.raises(SiteError, match="no-such-distribution-gg"):
        vendor.glightbox_files()


def test_vendor_assets_copies_every_file_byte_for_byte_and_none_is_a_page(tmp_path):
    assert vendor.vendor_assets(tmp_path) > 0
    target = tmp_path / vendor.VENDOR_DIR
    files = vendor.vendored_files()
    for source, relative in files:
        assert (target / relative).read_bytes() == source.read_bytes(), relative
    assert {"mathjax/tex-mml-chtml.js", "glightbox/glightbox.min.js", "glightbox/glightbox.min.css",
            "glightbox/LICENSE"} <= {relative for _, relative in files}
    assert not list(target.rglob("*.md")), "a vendored .md file would become a page of the site"


def test_vendor_assets_rewrites_nothing_when_up_to_date_and_removes_stale_files(tmp_path):
    vendor.vendor_assets(tmp_path)
    target = tmp_path / vendor.VENDOR_DIR
    entry = target / "mathjax" / "tex-mml-chtml.js"
    before = entry.stat().st_mtime_ns
    stale = target / "old-library" / "old.js"
    stale.parent.mkdir()
    stale.write_text("old")
    entry.write_text("damaged")
    assert vendor.vendor_assets(tmp_path) == 2  # the damaged file rewritten, the stale one deleted
    assert not stale.parent.exists()
    assert entry.read_bytes() == (mathjax_root() / "es5" / "tex-mml-chtml.js").read_bytes()
    assert vendor.vendor_assets(tmp_path) == 0
    assert entry.stat().st_mtime_ns >= before


@pytest.mark.parametrize(("script", "folder", "name"), [
    ("mathjax.js", "mathjax", "tex-mml-chtml.js"),
    ("lightbox.js", "glightbox", "glightbox.min.js"),
    ("lightbox.js", "glightbox", "glightbox.min.css"),
])
def test_the_site_scripts_load_files_that_are_vendored(script, folder, name):
    """Each site script finds its library at ../assets/vendor/<folder>/ from its own address."""
    text = (SCRIPTS / script).read_text(encoding="utf-8")
    assert f'"../{vendor.VENDOR_DIR}/{folder}/' in text and f'{name}"' in text
    assert f"{folder}/{name}" in {relative for _, relative in vendor.vendored_files()}


def test_the_site_scripts_load_nothing_from_another_host():
    for script in ("mathjax.js", "lightbox.js"):
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", (SCRIPTS / script).read_text()), script


def test_formulas_in_search_text_become_plain_text():
    text = ('<p>class \\(t\\) and \\(f_{\\text{pred}} - f_{\\text{true}}\\), \\(\\partial f_t / \\partial x_i\\)</p>'
            '\\[ \\sum_i \\mathrm{IG}_i \\] <p>after</p>')
    plain = plain_search_text(text)
    assert "\\(" not in plain and "\\[" not in plain and "\\" not in plain
    assert "class t and f_pred − f_true, ∂f_t / ∂x_i" in plain
    assert "after" in plain and "IG" not in plain  # display formulas are left out
    assert plain_formula("x' = 0") == "x′ = 0"


@pytest.mark.parametrize(("name", "key"), [("search/search_index.json", "docs"), ("search.json", "items")])
def test_both_engines_search_indexes_get_plain_formulas(tmp_path, name, key):
    index = tmp_path / name
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text(json.dumps({"config": {"lang": ["en"]}, key: [{"location": "m/", "text": "logit \\(f_t(x)\\)"}]}))
    plain_search_index(tmp_path)
    written = json.loads(index.read_text())
    assert written[key][0]["text"] == "logit f_t(x)" and written["config"] == {"lang": ["en"]}


def small_site(folder: Path, plugins: str = "[search]") -> Path:
    """A two-page project with the site's scripts and the vendored files: one page with formulas."""
    docs = folder / "docs"
    (docs / "javascripts").mkdir(parents=True)
    for script in ("mathjax.js", "lightbox.js"):
        (docs / "javascripts" / script).write_bytes((SCRIPTS / script).read_bytes())
    (docs / "index.md").write_text("# Home\n\nNo formula, a price of &#36;5.\n")
    (docs / "maths.md").write_text("# Maths\n\nThe logit $f_t(x)$ and\n\n$$\n\\int_0^1 g(\\alpha)\\, d\\alpha\n$$\n")
    vendor.vendor_assets(docs)
    (folder / "mkdocs.yml").write_text(
        "site_name: t\nnav: [index.md, maths.md]\ntheme: {name: material, font: false}\n"
        "extra_javascript: [javascripts/mathjax.js, javascripts/lightbox.js]\n"
        "markdown_extensions: [{pymdownx.arithmatex: {generic: true}}]\n"
        f"plugins: {plugins}\n")
    return docs


def test_a_small_site_builds_with_mkdocs_and_no_plugin_of_ours(tmp_path):
    """Scripts in every page, MathJax in the site but in no page's HTML, the search index plain."""
    docs = small_site(tmp_path)
    build_site(tmp_path / "mkdocs.yml", docs, tmp_path / "site")
    site = tmp_path / "site"
    for page in ("index.html", "maths/index.html"):
        html = (site / page).read_text()
        assert "javascripts/mathjax.js" in html and "tex-mml-chtml.js" not in html
    assert (site / "assets" / "vendor" / "mathjax" / "tex-mml-chtml.js").is_file()
    assert (site / "assets" / "vendor" / "glightbox" / "glightbox.min.js").is_file()
    index = json.loads((site / "search" / "search_index.json").read_text())
    texts = " ".join(doc["text"] for doc in index["docs"])
    assert "f_t(x)" in texts and "\\(" not in texts and "\\int" not in texts
