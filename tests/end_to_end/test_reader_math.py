"""The Methods pages as a reader meets them: formulas drawn by the browser from the MathML the
build wrote, no script or font downloaded for them, and a first load that stays small.

Needs the quick site and Chromium (see tests/helpers/browser.py). The Zensical build's formulas
are checked in tests/end_to_end/test_browser.py, which builds it once for all its tests.
"""

from __future__ import annotations

import pytest
from tests.helpers.browser import check_formulas, first_load, gzipped_size, open_page

pytest.importorskip("tensorflow")

pytestmark = pytest.mark.slow  # every test needs the built quick site

METHODS_PAGES = {
    "methods": "methods/",
    "gradient": "methods/gradient/",
    "saliency": "methods/saliency/",
    "integrated-gradients": "methods/integrated-gradients/",
    "more-methods": "methods/more-methods/",
    "reading-the-maps": "methods/reading-the-maps/",
    "trust-checks": "methods/trust-checks/",
}
FIRST_LOAD_BUDGET = 500_000
"""Bytes a Methods page may download before the reader scrolls (all requests), as a host that
compresses text sends them."""
RAW_BUDGET = 700_000
"""The same uncompressed. The theme's stylesheet and script (about 250 kB) and the site's search
index, which the theme fetches on every first visit (about 170 kB on a default build), take most of it."""
FORMULA_FILES = (".woff", ".woff2", ".otf", ".ttf", "mathjax", "katex")


@pytest.mark.parametrize("name", list(METHODS_PAGES))
def test_methods_page_shows_its_formulas_as_mathml_and_downloads_nothing_for_them(browser, served_site,
                                                                                  screenshots, name):
    sizes, page = first_load(browser, served_site + METHODS_PAGES[name])
    try:
        check_formulas(page, name)
        assert [path for path in sizes if any(marker in path.lower() for marker in FORMULA_FILES)] == []
        page.screenshot(path=str(screenshots / f"math-{name}-1280.png"), full_page=True)
    finally:
        page.context.close()


@pytest.mark.parametrize("name", list(METHODS_PAGES))
def test_methods_page_first_load_stays_within_the_budget(browser, served_site, name):
    """First load as a host that compresses text sends it, within the budget; uncompressed (a
    plain static server, such as an unzipped CI artifact behind `python -m http.server`) within
    RAW_BUDGET, far below the 1.6-1.7 MB that MathJax made it."""
    bodies, page = first_load(browser, served_site + METHODS_PAGES[name])
    page.context.close()
    sent = sum(gzipped_size(path, body) for path, body in bodies.items())
    raw = sum(len(body) for body in bodies.values())
    largest = sorted(((path, len(body)) for path, body in bodies.items()), key=lambda item: -item[1])[:5]
    assert sent <= FIRST_LOAD_BUDGET, f"{name}: {sent} bytes sent compressed on first load; largest {largest}"
    assert raw <= RAW_BUDGET, f"{name}: {raw} bytes uncompressed on first load; largest {largest}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["integrated-gradients", "more-methods", "gradient", "saliency", "trust-checks"])
def test_display_formulas_scroll_inside_the_column_on_a_phone(browser, served_site, screenshots, name, scheme):
    context, page, watch = open_page(browser, served_site + METHODS_PAGES[name], scheme=scheme, width=390,
                                     load_all=False)
    try:
        check_formulas(page, name)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"
        boxes = page.evaluate("""() => [...document.querySelectorAll('.gg-formula')].map(d => {
            const box = d.getBoundingClientRect();
            return [box.left, box.right, d.scrollWidth > d.clientWidth, getComputedStyle(d).overflowX];
        })""")
        assert boxes or name == "trust-checks", f"{name}: no display formula"  # trust-checks has none
        assert all(left >= 0 and right <= 390 for left, right, _, _ in boxes), boxes
        assert all(overflow == "auto" for _, _, wide, overflow in boxes if wide), boxes
        page.screenshot(path=str(screenshots / f"math-{name}-390-{scheme}.png"), full_page=True)
        assert watch.problems == []
    finally:
        context.close()
