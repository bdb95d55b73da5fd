"""Vendored GLightbox: copied into the pages before any engine runs and loaded by the site's own
script; a small site built with MkDocs and no plugin of ours (formulas typeset after the build,
see tests/publish/test_formulas.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.publish import vendor
from generator.publish.build import SiteError, build_site

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "site_src" / "javascripts"


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
    assert {relative for _, relative in files} == {"glightbox/glightbox.min.js", "glightbox/glightbox.min.css",
                                                   "glightbox/LICENSE"}
    assert not list(target.rglob("*.md")), "a vendored .md file would become a page of the site"


def test_vendor_assets_rewrites_nothing_when_up_to_date_and_removes_stale_files(tmp_path):
    vendor.vendor_assets(tmp_path)
    target = tmp_path / vendor.VENDOR_DIR
    entry = target / "glightbox" / "glightbox.min.js"
    before = entry.stat().st_mtime_ns
    stale = target / "old-library" / "old.js"
    stale.parent.mkdir()
    stale.write_text("old")
    entry.write_text("damaged")
    assert vendor.vendor_assets(tmp_path) == 2  # the damaged file rewritten, the stale one deleted
    assert not stale.parent.exists()
    assert entry.read_bytes() == dict((t, s) for s, t in vendor.vendored_files())["glightbox/glightbox.min.js"].read_bytes()
    assert vendor.vendor_assets(tmp_path) == 0
    assert entry.stat().st_mtime_ns >= before


@pytest.mark.parametrize(("script", "folder", "name"), [
    ("lightbox.js", "glightbox", "glightbox.min.js"),
    ("lightbox.js", "glightbox", "glightbox.min.css"),
])
def test_the_site_scripts_load_files_that_are_vendored(script, folder, name):
    """Each site script finds its library at ../assets/vendor/<folder>/ from its own address."""
    text = (SCRIPTS / script).read_text(encoding="utf-8")
    assert f'"../{vendor.VENDOR_DIR}/{folder}/' in text and f'{name}"' in text
    assert f"{folder}/{name}" in {relative for _, relative in vendor.vendored_files()}


def test_the_site_scripts_load_nothing_from_another_host():
    for script in ("lightbox.js",):
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", (SCRIPTS / script).read_text()), script


def small_site(folder: Path, plugins: str = "[search]") -> Path:
    """A two-page project with the site's lightbox script and the vendored files: one page with formulas."""
    docs = folder / "docs"
    (docs / "javascripts").mkdir(parents=True)
    (docs / "javascripts" / "lightbox.js").write_bytes((SCRIPTS / "lightbox.js").read_bytes())
    (docs / "index.md").write_text("# Home\n\nNo formula, a price of &#36;5.\n")
    (docs / "maths.md").write_text("# Maths\n\nThe logit $f_t(x')$ and\n\n$$\n\\int_0^1 g(\\alpha)\\, d\\alpha\n$$\n")
    vendor.vendor_assets(docs)
    (folder / "mkdocs.yml").write_text(
        "site_name: t\nnav: [index.md, maths.md]\ntheme: {name: material, font: false}\n"
        "extra_javascript: [javascripts/lightbox.js]\n"
        "markdown_extensions: [{pymdownx.arithmatex: {generic: true}}]\n"
        f"plugins: {plugins}\n")
    return docs


def test_a_small_site_builds_with_mkdocs_and_no_plugin_of_ours(tmp_path):
    """The lightbox script in every page and GLightbox in the site; formulas typeset as MathML
    after the engine ran, no script for them; the search index's formulas plain text."""
    docs = small_site(tmp_path)
    build_site(tmp_path / "mkdocs.yml", docs, tmp_path / "site")
    site = tmp_path / "site"
    for page in ("index.html", "maths/index.html"):
        html = (site / page).read_text()
        assert "javascripts/lightbox.js" in html and "glightbox.min.js" not in html
        assert "arithmatex" not in html and "mathjax" not in html.lower()
    maths = (site / "maths" / "index.html").read_text()
    assert maths.count("<math") == 2 and '<div class="gg-formula"><math display="block">' in maths
    home = (site / "index.html").read_text()
    assert "&#36;5" in home and "<math" not in home, "a dollar sign stays text"
    assert (site / "assets" / "vendor" / "glightbox" / "glightbox.min.js").is_file()
    index = json.loads((site / "search" / "search_index.json").read_text())
    texts = " ".join(doc["text"] for doc in index["docs"])
    assert "f_t(x′)" in texts and "\\(" not in texts and "\\int" not in texts and "<m" not in texts
