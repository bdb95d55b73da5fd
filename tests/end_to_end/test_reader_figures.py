"""The quick site's figures as a reader sees them, in headless Chromium: legible at 1280 px, never
wider than the content column, drawn for the theme the page is in; and every image of every page
with its width and height. Screenshots go to ``$GG_SCREENSHOTS``: look at them."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from tests.helpers.browser import open_page
from PIL import Image

pytest.importorskip("tensorflow")

pytestmark = pytest.mark.slow  # every test needs the built quick site

FIGURE_PAGES = {
    "home": "",
    "trust": "trust/",
    "decoy": "decoy/",
    "baselines": "methods/baselines/",
    "reading-the-maps": "methods/reading-the-maps/",
    "integrated-gradients": "methods/integrated-gradients/",
    "class": "classes/class-3/",  # the class-mean figure, when the build has the whole test set
}
MIN_TEXT_PX = 11.0
SHOWN_FIGURES = """() => [...document.querySelectorAll(".md-content img[src*='figures/']:not(.off-glb)")]
    .filter(i => i.getClientRects().length > 0)
    .map(i => ({src: i.getAttribute("src"), url: i.src, width: i.getBoundingClientRect().width,
                column: i.closest(".md-typeset").getBoundingClientRect().width}))"""
FONT_SIZE = re.compile(r"font-size:\s*([0-9.]+)px")
VIEW_BOX = re.compile(r'<svg\b[^>]*\bviewBox="[-0-9.]+ [-0-9.]+ ([0-9.]+) [0-9.]+"')


def smallest_text(svg: str) -> float:
    """The smallest font size of the SVG's text, in its user units."""
    sizes = [float(size) for tag in re.findall(r"<text\b[^>]*>", svg) for size in FONT_SIZE.findall(tag)]
    assert sizes, "the figure has no text element: is its text drawn as paths?"
    return min(sizes)


def shown_figures(page) -> list[dict]:
    return page.evaluate(SHOWN_FIGURES)


@pytest.mark.parametrize("name", list(FIGURE_PAGES))
def test_figure_text_is_at_least_11_px_at_1280_and_figures_fit_the_column(browser, served_site, screenshots, name):
    for width in (1280, 390):
        context, page, _ = open_page(browser, served_site + FIGURE_PAGES[name], width=width)
        try:
            figures = shown_figures(page)
            if name != "class":
                assert figures, f"{name}: no figure shown"
            for figure in figures:
                assert figure["src"].endswith(".svg#only-light"), figure["src"]
                assert figure["width"] <= figure["column"] + 0.5, f"{figure['src']} overflows at {width}"
                if width == 1280:
                    svg = page.request.get(figure["url"].split("#")[0]).text()
                    scale = figure["width"] / float(VIEW_BOX.search(svg).group(1))
                    smallest = smallest_text(svg) * scale
                    assert smallest >= MIN_TEXT_PX, f"{figure['src']}: text {smallest:.1f} px at 1280"
            page.screenshot(path=str(screenshots / f"figures-{name}-{width}.png"), full_page=True)
        finally:
            context.close()


@pytest.mark.parametrize("name", ["trust", "decoy", "baselines", "reading-the-maps", "home"])
def test_dark_pages_show_the_dark_variants_with_no_white_block(browser, served_site, screenshots, name):
    context, page, watch = open_page(browser, served_site + FIGURE_PAGES[name], scheme="dark", width=1280)
    try:
        figures = shown_figures(page)
        assert figures and all(f["src"].endswith("-dark.svg#only-dark") for f in figures), figures
        page.add_style_tag(content=".md-header, .md-tabs { visibility: hidden; }")  # not over a figure's corner
        shown = page.locator(".md-content img[src$='#only-dark']")
        for k in range(shown.count()):
            image = shown.nth(k)
            image.scroll_into_view_if_needed()
            shot = screenshots / f"figures-{name}-dark-{k}.png"
            image.screenshot(path=str(shot))
            pixels = Image.open(shot).convert("L")
            w, h = pixels.size
            corners = [pixels.getpixel((x, y)) for x in (1, w - 2) for y in (1, h - 2)]
            assert max(corners) < 80, f"{name}: figure {k} has a light corner in the dark theme: {corners}"
        assert page.locator(".md-content img[src$='#only-light']").first.is_hidden()
        assert watch.problems == []
    finally:
        context.close()


def test_the_lightbox_of_a_dark_page_steps_through_its_dark_figures_only(browser, served_site):
    context, page, watch = open_page(browser, served_site + FIGURE_PAGES["trust"], scheme="dark")
    try:
        dark = page.locator("a.gg-zoom[data-gallery='figures-dark']")
        dark.first.wait_for(state="attached", timeout=10_000)
        assert dark.count() == len(shown_figures(page)) >= 2
        dark.first.click()
        page.locator(".glightbox-container .gslide").first.wait_for(state="attached", timeout=10_000)
        assert page.locator(".glightbox-container .gslide").count() == dark.count()
        page.locator(".glightbox-container .gslide.current img").wait_for(timeout=10_000)
        assert page.locator(".glightbox-container .gslide.current img").get_attribute("src").endswith("-dark.svg#only-dark")
        assert watch.problems == []
    finally:
        context.close()


def test_figures_hold_their_place_before_they_load(browser, served_site):
    """The lazy figures below the fold have their box (and their lightbox link its size) before any
    of their bytes arrive, so the page does not jump as they load."""
    context, page, _ = open_page(browser, served_site + FIGURE_PAGES["trust"], load_all=False)
    try:
        boxes = page.evaluate("""() => [...document.querySelectorAll(".md-content img[src$='#only-light']")]
            .map(i => ({loaded: i.complete && i.naturalWidth > 0, width: i.getBoundingClientRect().width,
                        height: i.getBoundingClientRect().height,
                        link: (i.closest("a.gg-zoom") || i).getBoundingClientRect().height}))""")
        assert any(not box["loaded"] for box in boxes), "every figure loaded at once: nothing to check"
        for box in boxes:
            assert box["width"] > 300 and box["height"] > 200 and box["link"] >= box["height"] - 1, box
    finally:
        context.close()


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.unsized: list[str] = []
        self.count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.count += 1
            found = dict(attrs)
            if not (found.get("width") and found.get("height")):
                self.unsized.append(found.get("src") or "")


def test_every_image_of_every_page_has_width_and_height(quick_build):
    project, _ = quick_build
    pages = sorted((project / "site").rglob("*.html"))
    total = 0
    for path in pages:
        images = _Images()
        images.feed(path.read_text(encoding="utf-8"))
        assert images.unsized == [], f"{path.relative_to(project / 'site')}: {images.unsized[:5]}"
        total += images.count
    assert total > 100  # tiles, colour bars, thumbnails and figures were all looked at
