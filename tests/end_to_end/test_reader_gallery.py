"""The gallery pages as a reader uses them: the strong-attributions threshold and its tiles, the
Misclassified pages split by true class, class pages without a Target column, check lines linked
to the Methods pages; and in Chromium (slow, on the shared quick build): each map and its input in
one box, the strong view, the sticky table head, and no page taller than 15,000 px."""

import html
import io
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from markdown.extensions.toc import slugify
from PIL import Image

from tests.helpers.browser import PAGES, open_page
from generator.figures.strong_tiles import strong_tile_bytes
from generator.figures.tiles import tile_bytes
from generator.pages.gallery import CHECK_TERMS
from generator.stages.colour_scale import ColourScale
from generator.stages.gallery import MISCLASSIFIED_CLASS_PAGE, absent_misclassified_pages, tile_jobs
from generator.stages.strong import STRONG_PERCENTILE, strong_mask, strong_threshold, strong_tile_jobs, strong_tile_path
from tests.helpers.pages import TEMPLATES, render_pages, synthetic_inputs

ROOT = Path(__file__).resolve().parents[2]
SCALE = ColourScale(limit=1.0, signed=True, cmap="RdBu_r", unit="logit units")


# --- The strong view: threshold, mask and tiles (computed in Python, not in the page) ----------

def test_the_threshold_is_the_percentile_of_the_non_zero_magnitudes_of_that_map():
    values = np.zeros((10, 10))
    values[0, :] = np.arange(1, 11)          # ten inked pixels, |value| 1 … 10, signs mixed
    values[0, ::2] *= -1
    threshold = strong_threshold(values)
    assert threshold == pytest.approx(np.percentile(np.arange(1, 11), STRONG_PERCENTILE))  # 8.2, zeros ignored
    assert strong_mask(values, threshold).sum() == 2  # |9| and |10|: the top fifth of the inked pixels
    assert strong_threshold(np.zeros((4, 4))) == math.inf and not strong_mask(np.zeros((4, 4)), math.inf).any()
    with_nan = values.copy()
    with_nan[5, 5] = np.nan
    assert strong_threshold(with_nan) == threshold and not strong_mask(with_nan, threshold)[5, 5]


def test_a_strong_tile_shows_the_map_colours_on_its_strong_pixels_and_nothing_elsewhere():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(28, 28)) * (rng.random((28, 28)) > 0.6)
    threshold = strong_threshold(values)
    data = strong_tile_bytes(values, threshold, SCALE)
    assert data == strong_tile_bytes(values.copy(), threshold, SCALE)  # same map, same bytes
    rgba = np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))
    mask = strong_mask(values, threshold)
    assert np.array_equal(rgba[..., 3] == 255, mask) and np.all(rgba[~mask, 3] == 0)
    plain = np.asarray(Image.open(io.BytesIO(tile_bytes(values, SCALE))).convert("RGB"))
    assert np.array_equal(rgba[mask][:, :3], plain[mask])  # the very colours of the map's own tile


def test_every_map_tile_and_only_map_tiles_get_a_strong_tile_beside_it():
    gallery = synthetic_inputs().gallery
    maps = [path for path, _, _ in tile_jobs(gallery) if not path.endswith("-input.webp")]
    jobs = strong_tile_jobs(gallery)
    assert [path for path, *_ in jobs] == [strong_tile_path(path) for path in maps]
    assert strong_tile_path("figures/tiles/03520-4-ig.webp") == "figures/tiles/03520-4-ig-strong.webp"
    assert all(threshold > 0 for _, _, threshold, _ in jobs)



def test_the_page_states_the_strong_threshold_the_tiles_use(tmp_path):
    render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    page = (tmp_path / "classes/class-3.md").read_text(encoding="utf-8")
    assert f"at or above the {STRONG_PERCENTILE:g}th percentile of that map's non-zero" in page
    assert f"strongest {100 - STRONG_PERCENTILE:g}% of inked pixels" in page

# --- Misclassified split by true class --------------------------------------------------------

def test_mistakes_go_to_the_page_of_their_true_class_and_pages_without_one_leave_the_nav():
    inputs = synthetic_inputs()  # mistakes 2→7 (two), 4→9, 1→3
    pages = {page.page: [e.test_index for e in page.examples] for page in inputs.gallery.misclassified_pages()}
    assert pages == {"misclassified/true-1.md": [3], "misclassified/true-2.md": [8, 7], "misclassified/true-4.md": [5]}
    assert all(e.true_label == int(re.search(r"true-(\d)", page.page)[1]) and not e.correct
               for page in inputs.gallery.misclassified_pages() for e in page.examples)
    absent = absent_misclassified_pages(inputs.gallery, 10)
    assert absent == tuple(MISCLASSIFIED_CLASS_PAGE.format(k=k) for k in (0, 3, 5, 6, 7, 8, 9))
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert all(f"- {MISCLASSIFIED_CLASS_PAGE.format(k=k)}\n" in nav for k in range(10))


def test_a_true_class_page_says_how_many_it_shows_of_how_many_mistakes(tmp_path):
    render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    two = (tmp_path / "misclassified/true-2.md").read_text(encoding="utf-8")
    assert "\n# Misclassified images of class 2\n" in two and 'title: "True class 2"\n' in two
    assert "2 of the 97 test images of class 2 are misclassified; all 2 are\nshown here" in two
    four = (tmp_path / "misclassified/true-4.md").read_text(encoding="utf-8")
    assert "5 of the 100 test images of class 4 are misclassified; 1 of them is\nshown here" in four


# --- Class pages: no Target column; targets labelled for phones; check lines linked --------------

def test_class_pages_have_no_target_column_and_misclassified_pages_label_each_target(tmp_path):
    render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    three = (tmp_path / "classes/class-3.md").read_text(encoding="utf-8")
    assert ">Target</th>" not in three and 'class="gg-target"' not in three and "gg-no-target" in three
    assert three.count('colspan="6"') == 2  # each check line spans the six map columns
    wrong = (tmp_path / "misclassified/true-2.md").read_text(encoding="utf-8")
    assert ">Target</th>" in wrong and 'colspan="7"' in wrong
    targets = re.findall(r'<td class="gg-target"><span class="gg-phone-label">([^<]*)</span>([^<]*)</td>', wrong)
    assert [(label, html.unescape(target)) for label, target in targets] == [
        ("Maps of class ", "7 (predicted)"), ("Maps of class ", "2 (true)"), ("Maps of the ", "contrast 7 − 2")] * 2


def _headings(markdown: str) -> set[str]:
    return {slugify(title.strip(), "-") for title in re.findall(r"^#{1,6} (.+)$", markdown, flags=re.MULTILINE)}


def test_each_part_of_a_check_line_links_to_the_methods_section_that_explains_it(tmp_path):
    render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    for page in ("classes/class-3.md", "misclassified/true-2.md"):
        text = (tmp_path / page).read_text(encoding="utf-8")
        for line in re.findall(r'class="gg-check[^"]*" markdown="span">(.*)</td>', text):
            links = re.findall(r"\[i\]\(\.\./methods/([^#)]+)#([^ )]+) \"", line)
            parts = ["integrated-gradients.md", "more-methods.md"] + (["more-methods.md"] if "SmoothGrad" in line else [])
            assert [path for path, _ in links] == parts, line
            for path, anchor in links:
                assert anchor in _headings((ROOT / "site_src/methods" / path).read_text(encoding="utf-8")), anchor
    assert set(CHECK_TERMS) == {"ig", "eg", "smoothgrad"}


def test_the_legend_and_the_table_are_left_out_of_the_search_index(tmp_path):
    render_pages(synthetic_inputs(), TEMPLATES, tmp_path)
    for page in ("classes/class-3.md", "misclassified/true-2.md"):
        text = (tmp_path / page).read_text(encoding="utf-8")
        assert re.search(r'<div class="gg-legend"[^>]*\bdata-search-exclude\b', text)
        assert re.search(r'<table class="gg-gallery[^>]*\bdata-search-exclude\b', text)


# --- In Chromium, on the quick build ----------------------------------------------------------

SITE_HEADER_BOTTOM = "() => document.querySelector('.md-header').getBoundingClientRect().bottom"
BOXES = """() => [...document.querySelectorAll('.gg-tile')].map(tile => {
    const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
    const under = tile.querySelector('.gg-under');
    return {map: box(tile.querySelector('.gg-main')), under: under ? box(under) : null,
            strong: box(tile.querySelector('.gg-strong'))};
})"""


def _misclassified_gallery(quick_build) -> str:
    """The URL path of the first Misclassified page of a true class in the quick build."""
    project, _ = quick_build
    manifest = json.loads((project / "site" / "manifest.json").read_text())
    page = min(e["page"] for e in manifest["examples"] if e["page"].startswith("misclassified/"))
    return page.removesuffix(".md") + "/"


def _choose(page, view: str) -> None:
    page.locator(f".gg-controls .gg-view[data-view={view}]").click()



@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_each_map_and_its_input_share_one_box_and_empty_cells_stay_empty(browser, served_site, quick_build,
                                                                          screenshots, width):
    context, page, watch = open_page(browser, served_site + _misclassified_gallery(quick_build), width=width,
                                     load_all=False)
    try:
        _choose(page, "overlay")
        boxes = page.evaluate(BOXES)
        assert boxes and all(b["under"] is not None for b in boxes)
        for b in boxes:
            assert max(abs(m - u) for m, u in zip(b["map"], b["under"])) <= 1, b
            assert max(abs(m - s) for m, s in zip(b["map"], b["strong"])) <= 1, b
        assert page.evaluate("() => [...document.querySelectorAll('.gg-empty')]"
                             ".every(c => !c.querySelector('img') && getComputedStyle(c).backgroundImage === 'none')")
        assert page.locator(".gg-empty").count() > 0  # the contrast rows have cells without a map
        under = page.locator(".gg-tile .gg-under").first
        assert under.evaluate("i => getComputedStyle(i).visibility") == "visible"
        assert float(page.locator(".gg-tile .gg-main").first.evaluate("i => getComputedStyle(i).opacity")) < 1
        assert under.evaluate("i => i.src") == page.locator(".gg-input img").first.evaluate("i => i.src")
        page.screenshot(path=str(screenshots / f"reader-overlay-{width}.png"))
        assert watch.problems == []
    finally:
        context.close()


@pytest.mark.slow
def test_the_strong_view_shows_strong_pixels_over_a_grey_input_and_is_remembered(browser, served_site, quick_build,
                                                                                  screenshots):
    context, page, watch = open_page(browser, served_site + PAGES["class"], load_all=False)
    try:
        tile = page.locator(".gg-tile").first
        assert tile.locator("img").count() == 1  # the maps alone: no layers until asked for
        _choose(page, "strong")
        assert page.locator(".gg-view[data-view=strong]").get_attribute("aria-pressed") == "true"
        strong, under, main = (tile.locator(f".gg-{name}") for name in ("strong", "under", "main"))
        strong.scroll_into_view_if_needed()
        page.wait_for_function("() => document.querySelector('.gg-tile .gg-strong').naturalWidth > 0")
        assert strong.evaluate("i => getComputedStyle(i).visibility") == "visible"
        assert main.evaluate("i => getComputedStyle(i).visibility") == "hidden"
        assert "grayscale(1)" in under.evaluate("i => getComputedStyle(i).filter")
        assert strong.evaluate("i => i.src").endswith("-strong.webp")
        page.screenshot(path=str(screenshots / "reader-strong-1280.png"))
        page.reload(wait_until="load")  # the choice is remembered
        assert page.locator(".gg-view[data-view=strong]").get_attribute("aria-pressed") == "true"
        assert page.evaluate("() => document.body.classList.contains('gg-view-strong')")
        _choose(page, "maps")
        assert page.locator(".gg-tile .gg-strong").first.evaluate("i => getComputedStyle(i).visibility") == "hidden"
        assert watch.problems == []
    finally:
        context.close()


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_the_table_head_stays_below_the_site_header_far_down_the_page(browser, served_site, quick_build,
                                                                       screenshots, width):
    for path in (PAGES["class"], _misclassified_gallery(quick_build)):
        context, page, watch = open_page(browser, served_site + path, width=width, load_all=False)
        try:
            page.locator(".gg-example").last.scroll_into_view_if_needed()
            page.evaluate("() => window.scrollBy(0, 200)")
            head = page.locator(".gg-gallery thead").evaluate("h => h.getBoundingClientRect().toJSON()")
            assert abs(head["top"] - page.evaluate(SITE_HEADER_BOTTOM)) <= 2, (path, width, head)
            assert head["height"] > 20 and page.locator(".gg-gallery thead .gg-bar img").first.is_visible()
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(screenshots / f"reader-sticky-{path.strip('/').replace('/', '-')}-{width}.png"))
            assert watch.problems == []
        finally:
            context.close()


@pytest.mark.slow
def test_no_gallery_page_is_taller_than_15000_px_and_deep_links_clear_the_head(browser, served_site, quick_build):
    project, _ = quick_build
    manifest = json.loads((project / "site" / "manifest.json").read_text())
    pages = sorted({e["page"] for e in manifest["examples"]}) + ["misclassified.md"]
    assert any(p.startswith("misclassified/true-") for p in pages)
    for path in pages:
        context, page, watch = open_page(browser, served_site + path.removesuffix(".md") + "/", width=1280,
                                         load_all=False)
        try:
            assert page.evaluate("() => document.documentElement.scrollHeight") <= 15_000, path
            if path == "misclassified.md":  # the index links the page of every true class with a mistake
                links = {href.split("#")[0] for href in page.evaluate(
                    "() => [...document.querySelectorAll('.md-content a')].map(a => a.getAttribute('href'))")}
                assert {p.removeprefix("misclassified/").removesuffix(".md") + "/"
                        for p in pages if p.startswith("misclassified/")} <= links
            assert watch.problems == [], path
        finally:
            context.close()
    example = next(e for e in manifest["examples"] if e["page"].startswith("misclassified/"))
    for width in (1280, 390):
        url = served_site + example["page"].removesuffix(".md") + "/#" + example["anchor"]
        context, page, watch = open_page(browser, url, width=width, load_all=False)
        try:
            page.wait_for_timeout(300)
            row = page.locator(f"#{example['anchor']}").evaluate("e => e.getBoundingClientRect().top")
            head = page.locator(".gg-gallery thead").evaluate("h => h.getBoundingClientRect().bottom")
            assert head - 1 <= row <= head + 60, (width, row, head)  # just below the sticky head, not under it
            assert watch.problems == []
        finally:
            context.close()


@pytest.mark.slow
def test_targets_are_labelled_on_phones_only_and_check_links_reach_their_sections(browser, served_site, quick_build):
    for width, shown in ((390, True), (1280, False)):
        context, page, watch = open_page(browser, served_site + _misclassified_gallery(quick_build), width=width,
                                         load_all=False)
        try:
            label = page.locator(".gg-target .gg-phone-label").first
            assert label.is_visible() is shown and label.inner_text().startswith("Maps of")
            if width == 390:
                assert page.locator(".gg-gallery thead th:has-text('Target')").is_visible() is False
        finally:
            context.close()
    context, page, watch = open_page(browser, served_site + PAGES["class"], load_all=False)
    try:
        assert page.locator(".gg-gallery thead th").all_inner_texts()[:2] == ["Example", "Input"]
        assert not page.locator(".gg-target").count()
        hrefs = sorted(set(page.evaluate("() => [...document.querySelectorAll('.gg-check a.gg-info')].map(a => a.href)")))
        assert len(hrefs) == 3
        for href in hrefs:
            page.goto(href, wait_until="load")
            fragment = href.split("#")[1]
            assert page.locator(f"[id='{fragment}']").count() == 1, href
        assert watch.problems == []
    finally:
        context.close()
