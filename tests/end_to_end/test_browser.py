"""The quick site in a real browser: headless Chromium, served from 127.0.0.1 only.

Opens the report, a class page, the misclassified page and mathematics pages, and checks what
a reader would notice: every image loads, every formula is MathML (no TeX source left in
the visible text, no MathML error), the console stays clean, and no request leaves the
loopback host. Screenshots go to ``$GG_SCREENSHOTS`` (or a pytest temporary folder): look at
them.

Needs Playwright's Python package (the ``test`` extra) and a Chromium binary: Debian's
``chromium`` package, or ``$GG_CHROMIUM``. Playwright's own browser download is never used.
Without Chromium the tests skip, except in CI (``CI=true``), where ``.ci/run`` installs it.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from tests.helpers.browser import (MATH_PAGES, PAGES, RAW_TEX, check_formulas, check_rendered, follow_to_row, open_page,
                             search_site)

pytest.importorskip("tensorflow")

pytestmark = pytest.mark.slow  # every test needs the built quick site


def page_path(quick_build, name: str) -> str:
    """``PAGES[name]``, except that "misclassified" is the first Misclassified page of a true class
    in the quick build (the Misclassified index has no maps)."""
    if name != "misclassified":
        return PAGES[name]
    project, _ = quick_build
    manifest = json.loads((project / "site" / "manifest.json").read_text())
    return min(e["page"] for e in manifest["examples"] if e["page"].startswith("misclassified/")).removesuffix(".md") + "/"


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_offline_without_errors(browser, served_site, quick_build, screenshots, name):
    context, page, watch = open_page(browser, served_site + page_path(quick_build, name))
    try:
        assert page.locator("img").count() >= (0 if name in ("more-methods", "trust-checks") else 1), f"{name}: no image"
        check_rendered(page, name)
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
        assert watch.problems == []
    finally:
        context.close()


@pytest.mark.parametrize("name", ["home", "integrated-gradients"])
def test_dark_palette_renders(browser, served_site, screenshots, name):
    context, page, watch = open_page(browser, served_site + PAGES[name], scheme="dark")
    try:
        assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
        check_rendered(page, name)
        page.screenshot(path=str(screenshots / f"{name}-dark.png"), full_page=False)
        assert watch.problems == []
    finally:
        context.close()


@pytest.mark.parametrize("site", ["served_site", "zensical_site"])
def test_clicking_a_figure_zooms_it_in_the_lightbox(browser, request, screenshots, site):
    context, page, watch = open_page(browser, request.getfixturevalue(site) + PAGES["home"])
    try:
        figure = page.locator("a.gg-zoom").first  # javascripts/lightbox.js wraps every figure in one
        figure.wait_for(state="attached", timeout=10_000)
        href = figure.evaluate("a => a.href")
        assert page.evaluate("() => typeof window.GLightbox") == "undefined", "GLightbox loaded before a click"
        figure.click()  # loads GLightbox, then opens the figure
        slide = page.locator(".glightbox-container .gslide.current img")
        slide.wait_for(state="visible", timeout=10_000)
        assert slide.evaluate("i => i.src") == href
        assert slide.evaluate("i => i.naturalWidth") > 0
        assert page.locator(".glightbox-container").count() == 1, "one lightbox, not one per script that set it up"
        page.wait_for_timeout(600)  # the opening animation
        page.screenshot(path=str(screenshots / f"lightbox-{site}.png"))
        assert watch.problems == []
    finally:
        context.close()


LIBRARIES_NEEDED = {"class": set(), "home": set(), "trust-checks": set(), "more-methods": set(),
                    "integrated-gradients": set()}
"""The vendored libraries each page downloads on arrival: none. GLightbox comes with the first click
on a figure (test_clicking_a_figure_zooms_it_in_the_lightbox), and formulas need none (the build
writes them as MathML)."""


@pytest.mark.parametrize("site", ["served_site", "zensical_site"])
@pytest.mark.parametrize("name", list(LIBRARIES_NEEDED))
def test_formulas_download_nothing_and_the_lightbox_only_pages_that_need_it(browser, request, site, name):
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(urlsplit(r.url).path))
    try:
        page.goto(request.getfixturevalue(site) + PAGES[name], wait_until="networkidle")
        vendored = {path.split("/assets/vendor/")[1].split("/")[0] for path in requested if "/assets/vendor/" in path}
        assert vendored == LIBRARIES_NEEDED[name]
        assert [path for path in requested if "mathjax" in path.lower() or path.endswith((".woff", ".woff2"))] == []
        if name in MATH_PAGES:  # the Zensical build's pages too
            check_formulas(page, name)
    finally:
        context.close()


def test_search_finds_methods_and_gallery_prose_but_no_gallery_table(browser, served_site):
    """Every page is searchable by its prose (see test_reader_explorer.py for the class, trust and
    test-index searches); the gallery tables are not in the index, and formulas read as text."""
    context, page, watch = open_page(browser, served_site)
    try:
        results = search_site(page, "predicted")
        assert results.count(), "the search returned nothing"
        targets = [results.nth(i).get_attribute("href") for i in range(results.count())]
        snippets = page.locator(".md-search-result").inner_text()
        assert RAW_TEX.findall(snippets) == [], "TeX source shown in the search results"
        items = page.locator(".md-search-result__item")
        gallery = [items.nth(i).inner_text() for i in range(items.count())
                   if re.search(r"/(classes|misclassified)/", items.nth(i).locator("a").first.get_attribute("href"))]
        assert not any(re.search(r"p = \d|ΣIG", text) for text in gallery), "a gallery table row in the results"
        assert any("methods" in t for t in targets), targets
        assert watch.problems == []
    finally:
        context.close()


# --- The gallery as a reader meets it: sizes, overlay, explorer, deep links -------------------

SMALLEST_TEXT = """() => Math.min(...[...document.querySelectorAll('.md-content p, .md-content td, .md-content th,'
    + ' .md-content li, .md-content figcaption, .md-content span')]
    .filter(e => e.offsetParent !== null && e.textContent.trim())
    .map(e => parseFloat(getComputedStyle(e).fontSize)))"""


@pytest.mark.parametrize("width, smallest_map", [(1280, 96), (390, 64)])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["class", "misclassified", "explorer"])
def test_gallery_reads_at_desktop_and_phone_width(browser, served_site, quick_build, screenshots, name, width,
                                                  smallest_map, scheme):
    context, page, watch = open_page(browser, served_site + page_path(quick_build, name), scheme=scheme, width=width)
    try:
        check_rendered(page, name)
        if name != "explorer":
            sizes = page.evaluate("() => [...document.querySelectorAll('.gg-map img, .gg-input img')]"
                                  ".map(i => i.getBoundingClientRect().width)")
            assert sizes and min(sizes) >= smallest_map, (name, width, min(sizes or [0]))
            alts = page.evaluate("() => [...document.querySelectorAll('.gg-map img')].map(i => i.alt)")
            assert all(re.match(r"Test image \d+: .+ (map for class|logit) ", alt) for alt in alts), alts[:3]
        assert page.evaluate(SMALLEST_TEXT) >= 12
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
        page.screenshot(path=str(screenshots / f"{name}-{width}-{scheme}.png"), full_page=False)
        assert watch.problems == []
    finally:
        context.close()


def test_overlay_switch_blends_each_map_over_its_input(browser, served_site, screenshots):
    """Each map, half transparent, over its own input in the map's box (tests/end_to_end/test_reader_gallery.py
    measures every box at both widths)."""
    context, page, watch = open_page(browser, served_site + PAGES["class"])
    try:
        button = page.locator(".gg-view[data-view=overlay]")
        tile = page.locator(".gg-example .gg-tile").first
        image = tile.locator(".gg-main")
        assert tile.locator(".gg-under").count() == 0
        assert image.evaluate("i => getComputedStyle(i).opacity") == "1"
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        input_tile = page.locator(".gg-example .gg-input img").first.evaluate("i => i.currentSrc")
        under = tile.locator(".gg-under")
        assert under.evaluate("i => i.src") == input_tile
        assert under.evaluate("i => getComputedStyle(i).visibility") == "visible"
        assert float(image.evaluate("i => getComputedStyle(i).opacity")) < 1
        page.screenshot(path=str(screenshots / "overlay.png"))
        page.locator(".gg-view[data-view=maps]").click()
        assert under.evaluate("i => getComputedStyle(i).visibility") == "hidden"
        assert image.evaluate("i => getComputedStyle(i).opacity") == "1"
        assert watch.problems == []
    finally:
        context.close()


def _explorer_rows(page):
    return page.evaluate("() => [...document.querySelectorAll('.gg-explorer tbody tr')].filter(r => !r.hidden)"
                         ".map(r => [...r.cells].map(c => c.textContent.trim()))")


def test_explorer_sorts_by_confidence_and_filters_by_test_index(browser, served_site, quick_build):
    project, _ = quick_build
    manifest = json.loads((project / "site" / "manifest.json").read_text())
    context, page, watch = open_page(browser, served_site + PAGES["explorer"], load_all=False)
    try:
        heads = page.evaluate("() => [...document.querySelectorAll('.gg-explorer thead th')].map(h => h.textContent.trim())")
        confidence, result, index = heads.index("Confidence"), heads.index("Result"), heads.index("Test #")
        assert len(_explorer_rows(page)) == len(manifest["examples"])
        sort_by_confidence = page.locator(".gg-explorer thead th .gg-sort").nth(confidence)
        sort_by_confidence.click()  # numbers: largest first
        values = [float(r[confidence]) for r in _explorer_rows(page)]
        assert values == sorted(values, reverse=True)
        sort_by_confidence.click()
        assert [float(r[confidence]) for r in _explorer_rows(page)] == sorted(values)
        # Mistakes only, sorted by confidence: the most confident mistake first.
        page.locator("select.gg-show").select_option("mistake")
        sort_by_confidence.click()
        rows = _explorer_rows(page)
        mistakes = [e for e in manifest["examples"] if e["true_label"] != e["predicted"]]
        assert len(rows) == len(mistakes) and {r[result] for r in rows} == {"mistake"}
        most_confident = max(mistakes, key=lambda e: (e["confidence"], -e["test_index"]))
        assert rows[0][index] == str(most_confident["test_index"])
        page.locator("select.gg-show").select_option("all")

        correct = next(e for e in manifest["examples"] if e["true_label"] == e["predicted"])
        page.locator("input.gg-filter").fill(str(correct["test_index"]))
        rows = _explorer_rows(page)
        assert rows and all(str(correct["test_index"]) in " ".join(r) for r in rows)
        assert str(correct["test_index"]) in [r[index] for r in rows]
        page.locator("input.gg-filter").fill("")
        assert len(_explorer_rows(page)) == len(manifest["examples"])
        assert watch.problems == []
    finally:
        context.close()


def test_deep_links_land_on_their_row(browser, served_site, quick_build):
    project, _ = quick_build
    manifest = json.loads((project / "site" / "manifest.json").read_text())
    for example in (manifest["examples"][-1],
                    next(e for e in manifest["examples"] if e["page"].startswith("misclassified/"))):
        url = served_site + example["page"].removesuffix(".md") + "/#" + example["anchor"]
        context, page, watch = open_page(browser, url, width=390, load_all=False)
        try:
            page.wait_for_timeout(300)
            top = page.locator(f"#{example['anchor']}").evaluate("e => e.getBoundingClientRect().top")
            assert 40 <= top <= 200, (example["anchor"], top)
            assert watch.problems == []
        finally:
            context.close()


# --- The same report built by Zensical (--engine zensical) ----------------------------------

@pytest.mark.parametrize("name", ["home", "class", "misclassified", "trust", "integrated-gradients", "more-methods",
                                  "trust-checks"])
def test_the_zensical_build_renders_offline_without_errors(browser, zensical_site, quick_build, screenshots, name):
    """Pages load, every image loads, every formula is typeset, nothing leaves the loopback host."""
    context, page, watch = open_page(browser, zensical_site + page_path(quick_build, name))
    try:
        assert page.locator(".md-content img").count() >= (0 if name in ("more-methods", "trust-checks") else 1)
        check_rendered(page, name)
        page.screenshot(path=str(screenshots / f"zensical-{name}.png"), full_page=True)
        assert watch.problems == []
    finally:
        context.close()



def _zensical_search(page, text):
    """Type ``text`` into Zensical's search until its worker answers; the result links."""
    page.locator(".md-search__button").click()
    results = page.locator("a[role=option]")
    for _ in range(30):  # the search worker answers once it has loaded the index
        page.keyboard.type(text, delay=20)
        page.wait_for_timeout(500)
        if results.count():
            break
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
    return results


@pytest.mark.parametrize("query, target", [("completeness", "/methods/integrated-gradients/"), ("Class 3", "/classes/class-3/"),
                                           ("Spearman", "/trust/")])
def test_the_zensical_build_searches_every_page_but_no_gallery_table(browser, zensical_site, query, target):
    """Zensical's own search (its search.json, results in a shadow DOM that Playwright's locators
    pierce) finds the class and trust pages by their prose, leaves out the tables the pages mark
    data-search-exclude, and shows the formulas as plain text."""
    context, page, watch = open_page(browser, zensical_site, load_all=False)
    try:
        results = _zensical_search(page, query)
        assert results.count(), "the search returned nothing"
        targets = [results.nth(i).get_attribute("href") for i in range(results.count())]
        assert any(target in t for t in targets), targets
        snippets = " ".join(results.nth(i).inner_text() for i in range(results.count()))
        assert RAW_TEX.findall(snippets) == [] and "\\" not in snippets, "TeX source shown in the search results"
        gallery = [results.nth(i).inner_text() for i, t in enumerate(targets) if re.search(r"/(classes|misclassified)/", t)]
        assert not any(re.search(r"p = \d|ΣIG", text) for text in gallery), "a gallery table row in the results"
        assert watch.problems == []
    finally:
        context.close()


def test_the_zensical_search_leads_from_a_test_index_to_its_row(browser, zensical_site, quick_build):
    project, _ = quick_build
    example = json.loads((project / "site" / "manifest.json").read_text())["examples"][-1]
    context, page, watch = open_page(browser, zensical_site, load_all=False)
    try:
        _zensical_search(page, str(example["test_index"]))
        top = follow_to_row(page, page.locator(f"a[role=option][href$='#{example['anchor']}']").first, example)
        assert 40 <= top <= 450, (example["anchor"], top)  # below the site header, in the window's upper half
        assert watch.problems == []
    finally:
        context.close()
