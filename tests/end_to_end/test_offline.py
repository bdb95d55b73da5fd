"""The built quick site loads nothing from another host, and its formulas are all MathML.

A static scan of every HTML, CSS and JavaScript file of the site (source maps aside: browsers
fetch them only with the developer tools open). Links a reader may follow (``<a href>`` to a
paper) are fine; resources a page loads by itself are not. ``tests/end_to_end/test_browser.py`` checks
the same at run time, in Chromium.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("tensorflow")

EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*['"]?\s*((?:https?:)?//[^'")\s]+)""", re.IGNORECASE)
CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*['"]?\s*((?:https?:)?//[^'")\s;]+)""", re.IGNORECASE)
JS_LOADS = (
    # fetch("https://…"), import("https://…"), importScripts(…), new Worker(…), …
    re.compile(r"""\b(?:fetch|import|importScripts|Worker|SharedWorker|EventSource|WebSocket|sendBeacon)"""
               r"""\s*\(\s*["'`]((?:https?:)?//[^"'`]+)"""),
    # import x from "https://…" / import "https://…"
    re.compile(r"""\bimport\b[^;()]{0,200}?\bfrom\s*["'`]((?:https?:)?//[^"'`]+)"""),
    re.compile(r"""\bimport\s*["'`]((?:https?:)?//[^"'`]+)"""),
    # element.src = "https://…" / element.href = "https://…"
    re.compile(r"""\.(?:src|href)\s*=\s*["'`]((?:https?:)?//[^"'`]+)"""),
    # any function called with an absolute URL literal, e.g. a minified script loader t("https://…")
    re.compile(r"""[\w$]\s*\(\s*["'`](https?://[^"'`]+)"""),
    # a base URL kept for later loads: url = "https://…", mapsPath: "https://…"
    re.compile(r"""\b(?:url|URL|path|Path|\w+(?:Url|URL|Path))\s*[:=]\s*["'`]((?:https?:)?//[^"'`]+)"""),
)
NAMESPACES = ("http://www.w3.org/",)
"""XML namespace identifiers: names passed to createElementNS and the like, never fetched."""
CONDITIONAL_LOADS = {
    # Material for MkDocs' bundle loads these two only when a page needs them;
    # test_conditional_loads_stay_dormant keeps it that way for this site.
    "https://unpkg.com/mermaid@": "only for pages holding a Mermaid diagram (class 'mermaid')",
    "https://unpkg.com/resize-observer-polyfill": "only in browsers without ResizeObserver (none since 2020)",
}
RESOURCE_ATTRIBUTES = {"src", "srcset", "poster", "data", "background", "action", "formaction"}
MATH_PAGES = ("methods/index.html", "methods/gradient/index.html", "methods/saliency/index.html",
              "methods/integrated-gradients/index.html", "methods/more-methods/index.html",
              "methods/reading-the-maps/index.html")


class _ResourceScan(HTMLParser):
    """Collects every URL an HTML page would load by itself."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name in RESOURCE_ATTRIBUTES:
                self.loads += [part.split()[0] for part in value.split(",") if part.strip()]
            if name == "href" and tag not in ("a", "area"):
                self.loads.append(value)
            if name == "style":
                self.loads += CSS_URL.findall(value) + CSS_IMPORT.findall(value)
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.loads.append(values.get("content", "").partition("url=")[2])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.loads += CSS_URL.findall(data) + CSS_IMPORT.findall(data)


class _TextOutsideMath(HTMLParser):
    """Text of a page outside MathML, scripts, styles and code; and the tags and text of its formulas."""

    SKIPPED = {"script", "style", "code", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.math: list[str] = []
        self.math_tags: list[str] = []
        self.leftovers = 0  # arithmatex elements: formulas the build did not typeset
        self._stack: list[tuple[str, bool, bool]] = []  # (tag, is a formula, is skipped)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag in ("br", "img", "hr", "input", "meta", "link", "wbr", "source"):
            return
        self.leftovers += "arithmatex" in classes
        if any(math for _, math, _ in self._stack):
            self.math_tags.append(tag)
        self._stack.append((tag, tag == "math", tag in self.SKIPPED))
        if tag == "math":
            self.math.append("")

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if any(math for _, math, _ in self._stack):
            self.math[-1] += data
        elif not any(skipped for _, _, skipped in self._stack):
            self.text.append(data)


def _files(site: Path, *suffixes: str) -> list[Path]:
    return sorted(p for p in site.rglob("*") if p.suffix in suffixes and p.is_file())


def _is_external(url: str) -> bool:
    return bool(EXTERNAL.match(url))


@pytest.mark.slow
def test_html_pages_load_nothing_from_another_host(quick_build):
    project, _ = quick_build
    site = project / "site"
    pages = _files(site, ".html")
    assert len(pages) >= 15, "the quick site should have the report, class, misclassified and methods pages"
    offending = []
    for page in pages:
        scan = _ResourceScan()
        scan.feed(page.read_text(encoding="utf-8"))
        offending += [f"{page.relative_to(site)}: {url}" for url in scan.loads if _is_external(url)]
    assert offending == []


@pytest.mark.slow
def test_stylesheets_load_nothing_from_another_host(quick_build):
    project, _ = quick_build
    site = project / "site"
    sheets = _files(site, ".css")
    assert sheets, "no stylesheet found: the scan would prove nothing"
    offending = []
    for sheet in sheets:
        text = sheet.read_text(encoding="utf-8", errors="replace")
        offending += [f"{sheet.relative_to(site)}: {url}" for url in CSS_URL.findall(text) + CSS_IMPORT.findall(text)]
    assert offending == []


@pytest.mark.slow
def test_scripts_load_nothing_from_another_host(quick_build):
    project, _ = quick_build
    site = project / "site"
    scripts = _files(site, ".js", ".mjs")
    assert any("glightbox" in s.name for s in scripts) and not any("mathjax" in str(s) for s in scripts)
    offending = []
    for script in scripts:
        text = script.read_text(encoding="utf-8", errors="replace")
        for pattern in JS_LOADS:
            for url in pattern.findall(text):
                if url.startswith(NAMESPACES) or any(url.startswith(p) for p in CONDITIONAL_LOADS):
                    continue
                offending.append(f"{script.relative_to(site)}: {url}")
    assert offending == []


def test_the_javascript_scan_would_catch_a_cdn_load():
    """The patterns above are not vacuous: typical CDN loads are found, a namespace is not."""
    samples = [
        'fetch("https://cdn.example.org/data.json")',
        'import("https://esm.example.org/katex.mjs")',
        'import katex from "https://esm.example.org/katex.mjs";',
        'script.src = "//cdn.example.org/mathjax/tex-chtml.js"',
        'function l(e){};l("https://unpkg.com/other-library")',
        'e.mathmapsPath="https://cdn.example.org/maps/"',
    ]
    for sample in samples:
        assert any(p.findall(sample) for p in JS_LOADS), sample
    namespace = 'document.createElementNS("http://www.w3.org/2000/svg","rect")'
    assert all(url.startswith(NAMESPACES) for p in JS_LOADS for url in p.findall(namespace))


@pytest.mark.slow
def test_conditional_loads_stay_dormant(quick_build):
    """The CDN fallbacks of the theme are never triggered by this site."""
    project, _ = quick_build
    site = project / "site"
    for page in _files(site, ".html"):
        html = page.read_text(encoding="utf-8")
        assert 'class="mermaid"' not in html, page
        assert "md-source" not in html, f"{page}: a repo_url makes Material call the GitHub API"


@pytest.mark.slow
def test_math_pages_hold_formulas_only_as_mathml(quick_build):
    project, _ = quick_build
    site = project / "site"
    for name in MATH_PAGES:
        scan = _TextOutsideMath()
        scan.feed((site / name).read_text(encoding="utf-8"))
        outside = "".join(scan.text)
        assert scan.math, f"{name} has no formula: the page or the typesetting is broken"
        assert scan.leftovers == 0 and "merror" not in scan.math_tags, name
        assert not any("\\" in formula for formula in scan.math), f"{name}: TeX inside a formula"
        for raw in ("\\(", "\\)", "\\[", "\\]", "$$"):
            assert raw not in outside, f"{name}: raw {raw!r} outside arithmatex"
        dollars = re.findall(r"\$[^$\s][^$]*?\$", outside)
        assert dollars == [], f"{name}: unconverted $…$ {dollars[:3]}"


@pytest.mark.slow
def test_glightbox_is_served_by_the_site_and_loaded_by_its_own_script(quick_build):
    """GLightbox is in the site; no page names it, the site's script loads it where needed
    (tests/end_to_end/test_browser.py checks which pages download it). Formulas need no library at all."""
    project, _ = quick_build
    site = project / "site"
    vendored = site / "assets" / "vendor"
    assert sorted(p.name for p in vendored.iterdir()) == ["glightbox"]
    assert (vendored / "glightbox" / "LICENSE").is_file() and (vendored / "glightbox" / "glightbox.min.js").is_file()
    for page in _files(site, ".html"):
        html = page.read_text(encoding="utf-8")
        assert "assets/vendor/" not in html, page
        assert "javascripts/lightbox.js" in html and "mathjax" not in html.lower(), page
