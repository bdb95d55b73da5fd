"""The gradient-gallery-mathjax MkDocs plugin: vendored files, script tags, plain-text search."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from generator.publish import mathjax as mkdocs_mathjax
from generator.publish.mathjax import (
    MathJaxPlugin,
    mathjax_root,
    plain_formula,
    plain_search_text,
    script_tags,
    vendored_files,
)


def test_vendored_files_come_from_the_installed_mathjax_in_a_fixed_order():
    files = vendored_files(mathjax_root())
    targets = [target for _, target in files]
    assert targets == sorted(targets) and len(set(targets)) == len(targets)
    assert {"LICENSE", "tex-mml-chtml.js"} <= set(targets)
    assert any(t.startswith("output/chtml/fonts/woff-v2/MathJax_Main-Regular") for t in targets)
    assert any(t.startswith("input/tex/extensions/") for t in targets)
    assert all(source.is_file() for source, _ in files)


def test_a_missing_mathjax_package_is_named(monkeypatch):
    monkeypatch.setattr(mkdocs_mathjax, "DISTRIBUTION", "no-such-distribution-gg")
    with pytest.raises(PluginError, match="no-such-distribution-gg"):
        mathjax_root()


@pytest.mark.parametrize(("page_url", "prefix"), [
    ("", ""),                                   # the home page
    ("methods/gradient/", "../../"),            # use_directory_urls: true
    ("methods/gradient.html", "../"),           # use_directory_urls: false (file://)
])
def test_script_tags_are_relative_to_the_page(page_url, prefix):
    tags = script_tags(page_url, "javascripts/mathjax.js", "assets/vendor/mathjax")
    assert f'<script src="{prefix}javascripts/mathjax.js"></script>' in tags
    assert f'src="{prefix}assets/vendor/mathjax/tex-mml-chtml.js"' in tags
    assert tags.index("javascripts/mathjax.js") < tags.index("tex-mml-chtml.js")


def test_only_pages_with_arithmatex_output_get_the_scripts():
    plugin = MathJaxPlugin()
    plugin.load_config({})
    page = SimpleNamespace(url="methods/", file=SimpleNamespace(src_uri="methods.md"))
    with_math = '<html><head><title>t</title></head><body><span class="arithmatex">\\(x\\)</span></body></html>'
    without = "<html><head><title>t</title></head><body>$5 and &#36;x&#36;</body></html>"
    result = plugin.on_post_page(with_math, page=page, config={})
    assert 'src="../assets/vendor/mathjax/tex-mml-chtml.js"' in result
    assert result.index("tex-mml-chtml.js") < result.index("</head>")
    assert plugin.on_post_page(without, page=page, config={}) == without


def test_formulas_in_search_text_become_plain_text():
    text = ('<p>class \\(t\\) and \\(f_{\\text{pred}} - f_{\\text{true}}\\), \\(\\partial f_t / \\partial x_i\\)</p>'
            '\\[ \\sum_i \\mathrm{IG}_i \\] <p>after</p>')
    plain = plain_search_text(text)
    assert "\\(" not in plain and "\\[" not in plain and "\\" not in plain
    assert "class t and f_pred − f_true, ∂f_t / ∂x_i" in plain
    assert "after" in plain and "IG" not in plain  # display formulas are left out
    assert plain_formula("x' = 0") == "x′ = 0"


def test_a_small_site_builds_with_the_plugin(tmp_path):
    """End to end through MkDocs: scripts on the formula page only, files copied, search index plain."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    docs = tmp_path / "docs"
    (docs / "javascripts").mkdir(parents=True)
    (docs / "javascripts" / "mathjax.js").write_text("window.MathJax = {};\n")
    (docs / "index.md").write_text("# Home\n\nNo formula, a price of &#36;5.\n")
    (docs / "maths.md").write_text("# Maths\n\nThe logit $f_t(x)$ and\n\n$$\n\\int_0^1 g(\\alpha)\\, d\\alpha\n$$\n")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\nnav: [index.md, maths.md]\ntheme: {name: material, font: false}\n"
        "markdown_extensions: [{pymdownx.arithmatex: {generic: true}}]\n"
        "plugins: [search, gradient-gallery-mathjax]\n")
    build(load_config(config_file=str(tmp_path / "mkdocs.yml"), site_dir=str(tmp_path / "site"), strict=True))
    site = tmp_path / "site"
    assert "tex-mml-chtml.js" in (site / "maths" / "index.html").read_text()
    assert "tex-mml-chtml.js" not in (site / "index.html").read_text()
    assert (site / "assets" / "vendor" / "mathjax" / "tex-mml-chtml.js").is_file()
    index = json.loads((site / "search" / "search_index.json").read_text())
    texts = " ".join(doc["text"] for doc in index["docs"])
    assert "f_t(x)" in texts and "\\(" not in texts and "\\int" not in texts
