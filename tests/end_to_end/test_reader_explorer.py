"""The explorer and the site search as a reader uses them, in headless Chromium on the quick site.

The explorer: its class, prediction, confidence and text filters against manifest.json, the
filters kept in the address, its thumbnails, its flags, its phone layout and its sticky head. The
search (MkDocs' here; Zensical's in test_browser.py): class and trust pages are found, a test
index leads to its row in one click, and no gallery table is in the index.
"""

from __future__ import annotations

import json
import re

import pytest
from tests.helpers.browser import follow_to_row, open_page, search_site

pytest.importorskip("tensorflow")

pytestmark = pytest.mark.slow  # every test needs the built quick site

EXPLORER = "explorer/"
ROWS = """() => [...document.querySelectorAll('.gg-explorer-table tbody tr')].filter(r => !r.hidden).map(r => ({
    index: r.querySelector('.gg-index').textContent.trim(), true: r.querySelector('.gg-true-class').textContent.trim(),
    predicted: r.querySelector('.gg-predicted-class').textContent.trim(),
    result: r.querySelector('.gg-result').textContent.trim(),
    confidence: parseFloat(r.querySelector('.gg-confidence').textContent),
    flags: r.querySelector('.gg-flags') ? r.querySelector('.gg-flags').textContent.trim() : null,
    codes: r.dataset.flags}))"""


@pytest.fixture(scope="module")
def manifest(quick_build):
    project, _ = quick_build
    return json.loads((project / "site" / "manifest.json").read_text(encoding="utf-8"))


def _rows(page):
    return page.evaluate(ROWS)


def _indexes(examples):
    return sorted(str(e["test_index"]) for e in examples)


def _mistake(example):
    return example["true_label"] != example["predicted"]


def test_the_explorer_filters_by_true_and_by_predicted_class(browser, served_site, manifest):
    names, examples = manifest["settings"]["data"]["class_names"], manifest["examples"]
    mistake = next(e for e in examples if _mistake(e))
    true, predicted = mistake["true_label"], mistake["predicted"]
    context, page, watch = open_page(browser, served_site + EXPLORER, load_all=False)
    try:
        page.locator("select.gg-true").select_option(str(true))
        rows = _rows(page)
        assert sorted(r["index"] for r in rows) == _indexes(e for e in examples if e["true_label"] == true)
        assert {r["true"] for r in rows} == {names[true]}
        page.locator("select.gg-predicted").select_option(str(predicted))
        both = [e for e in examples if (e["true_label"], e["predicted"]) == (true, predicted)]
        assert sorted(r["index"] for r in _rows(page)) == _indexes(both)
        page.locator("select.gg-true").select_option("")
        rows = _rows(page)
        assert sorted(r["index"] for r in rows) == _indexes(e for e in examples if e["predicted"] == predicted)
        assert {r["predicted"] for r in rows} == {names[predicted]}
        assert page.locator(".gg-filter-status").inner_text() == f"{len(rows)} of {len(examples)} images"
        assert watch.problems == []
    finally:
        context.close()


def _threshold(confidences, quantile):
    """A confidence limit near ``quantile`` of ``confidences`` and half-way between two of their
    three-decimal values as shown, so that no rounding can put a row on the other side."""
    shown = sorted({round(c, 3) for c in confidences})
    k = min(int(quantile * len(shown)), len(shown) - 2)
    return round((shown[k] + shown[k + 1]) / 2, 4)


def test_the_explorer_filters_by_confidence_and_the_address_keeps_the_filters(browser, served_site, manifest):
    examples = manifest["examples"]
    low, high = _threshold([e["confidence"] for e in examples], 0.2), _threshold([e["confidence"] for e in examples], 0.8)
    context, page, watch = open_page(browser, served_site + EXPLORER, load_all=False)
    try:
        page.locator("input.gg-min").fill(str(low))
        page.locator("input.gg-max").fill(str(high))
        kept = [e for e in examples if low <= round(e["confidence"], 3) <= high]
        assert sorted(r["index"] for r in _rows(page)) == _indexes(kept)
        page.locator("select.gg-show").select_option("mistake")
        kept = [e for e in kept if _mistake(e)]
        rows = _rows(page)
        assert sorted(r["index"] for r in rows) == _indexes(kept) and {r["result"] for r in rows} <= {"mistake"}
        query = dict(pair.split("=") for pair in page.url.split("?")[1].split("#")[0].split("&"))
        assert query == {"show": "mistake", "min": str(low), "max": str(high)}
        # The same address, opened anew, shows the same filters and rows.
        again = context.new_page()
        again.goto(page.url, wait_until="load")
        assert again.locator("input.gg-min").input_value() == str(low)
        assert again.locator("select.gg-show").input_value() == "mistake"
        assert _rows(again) == rows
        # A number in the text box finds the test indexes that start with it, nothing else.
        page.locator("button.gg-reset[type=reset]").click()
        prefix = str(examples[0]["test_index"])[0]
        page.locator("input.gg-filter").fill(prefix)
        assert sorted(r["index"] for r in _rows(page)) == _indexes(
            e for e in examples if str(e["test_index"]).startswith(prefix))
        assert f"q={prefix}" in page.url and "min=" not in page.url
        assert watch.problems == []
    finally:
        context.close()


def test_every_row_shows_its_input_and_ig_thumbnails_and_a_mistake_its_contrast(browser, served_site, manifest):
    context, page, watch = open_page(browser, served_site + EXPLORER)  # scrolls every image into view
    try:
        rows = page.evaluate("""() => [...document.querySelectorAll('.gg-explorer-table tbody tr')].map(r => ({
            index: r.querySelector('.gg-index').textContent.trim(),
            images: [...r.querySelectorAll('img')].map(i => ({src: i.getAttribute('src'), loaded: i.complete &&
                i.naturalWidth > 0, width: i.getAttribute('width'), height: i.getAttribute('height'),
                lazy: i.getAttribute('loading'), href: i.closest('a').getAttribute('href')}))}))""")
        by_index = {str(e["test_index"]): e for e in manifest["examples"]}
        assert sorted(r["index"] for r in rows) == sorted(by_index)
        for row in rows:
            example = by_index[row["index"]]
            tiles = [f"{example['test_index']:05d}-input.webp", f"{example['test_index']:05d}-{example['predicted']}-ig.webp"]
            tiles += [f"{example['test_index']:05d}-contrast.webp"] if _mistake(example) else []
            assert [i["src"].rsplit("/", 1)[1] for i in row["images"]] == tiles, row
            assert all(i["loaded"] and i["width"] == i["height"] == "48" and i["lazy"] == "lazy" for i in row["images"])
            assert {i["href"] for i in row["images"]} == {f"../{example['page'].removesuffix('.md')}/#{example['anchor']}"}
        assert watch.problems == []
    finally:
        context.close()


def _manifest_flags(example):
    """The explorer's flag codes an example must show, from manifest.json (non-finite maps aside)."""
    maps = [*example["targets"], *([example["contrast"]] if example.get("contrast") else [])]
    eg = {flag for m in maps for flag in m["expected_gradients_completeness"]["flags"]}
    return (["ig-tolerance"] if any(not m["completeness"]["within_tolerance"] for m in maps) else []) + \
        [code for flag, code in (("EG sign", "eg-sign"), ("EG noise", "eg-noise")) if flag in eg]


def test_flags_are_in_words_where_the_manifest_flags_a_map(browser, served_site, manifest):
    expected = {str(e["test_index"]): _manifest_flags(e) for e in manifest["examples"]}
    context, page, watch = open_page(browser, served_site + EXPLORER, load_all=False)
    try:
        heads = page.evaluate("() => [...document.querySelectorAll('.gg-explorer-table thead th')].map(h => h.textContent.trim())")
        options = page.evaluate("() => [...document.querySelectorAll('select.gg-show option')].map(o => o.value)")
        rows = _rows(page)
        if not any(expected.values()):  # nothing to flag: no Flags column, no "flagged only"
            assert "Flags" not in heads and "flagged" not in options and {r["flags"] for r in rows} == {None}
        else:
            assert "Flags" in heads and "flagged" in options
            for row in rows:
                codes = [c for c in row["codes"].split() if c != "non-finite"]
                assert codes == expected[row["index"]], row
                assert (row["flags"] == "—") == (row["codes"] == ""), row
            page.locator("select.gg-show").select_option("flagged")
            assert sorted(r["index"] for r in _rows(page)) == sorted(i for i, codes in expected.items() if codes)
        assert watch.problems == []
    finally:
        context.close()


KEY_CELLS = ["td.gg-thumb:first-child", ".gg-index", ".gg-true-class", ".gg-predicted-class", ".gg-result",
             ".gg-confidence"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_each_image_is_a_card_with_its_key_values_in_view(browser, served_site, screenshots, scheme):
    width = 390
    context, page, watch = open_page(browser, served_site + EXPLORER, scheme=scheme, width=width, load_all=False)
    try:
        page.locator(".gg-explorer-table").scroll_into_view_if_needed()
        boxes = page.evaluate("""cells => [...document.querySelectorAll('.gg-explorer-table tbody tr')].slice(0, 12)
            .map(r => cells.map(c => { const b = r.querySelector(c).getBoundingClientRect();
                return [b.left, b.right, b.width, b.height]; }))""", KEY_CELLS)
        for row in boxes:
            for cell, (left, right, box_width, height) in zip(KEY_CELLS, row):
                assert box_width > 0 and height > 0 and left >= 0 and right <= width, (cell, left, right)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
        page.screenshot(path=str(screenshots / f"explorer-cards-{width}-{scheme}.png"))
        # The margin and errors, shown on demand, stay inside the card.
        secondary = page.locator(".gg-explorer-table tbody tr").first.locator("td.gg-secondary").first
        assert not secondary.is_visible()
        page.locator("button.gg-more").click()
        assert secondary.is_visible()
        box = secondary.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
        assert watch.problems == []
    finally:
        context.close()


def test_the_table_head_sticks_below_the_site_header(browser, served_site, screenshots):
    context, page, watch = open_page(browser, served_site + EXPLORER, width=1280, load_all=False)
    try:
        assert page.locator("button.gg-more").is_hidden()  # wide screens show every column
        page.locator(".gg-explorer-table tbody tr").last.scroll_into_view_if_needed()
        header = page.locator(".md-header").evaluate("h => h.getBoundingClientRect().bottom")
        head = page.locator(".gg-explorer-table thead th").first.evaluate("h => h.getBoundingClientRect().top")
        assert abs(head - header) <= 2, (head, header)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
        page.screenshot(path=str(screenshots / "explorer-sticky-head.png"))
        assert watch.problems == []
    finally:
        context.close()


# --- The site search (MkDocs) ---------------------------------------------------------------

@pytest.mark.parametrize("query, page_url", [("Class 3", "classes/class-3/"), ("Spearman", "trust/")])
def test_search_finds_the_class_and_trust_pages(browser, served_site, query, page_url):
    context, page, watch = open_page(browser, served_site, load_all=False)
    try:
        results = search_site(page, query)
        hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
        assert any(re.search(rf"/{re.escape(page_url)}(\?|#|$)", h) for h in hrefs), hrefs
        assert watch.problems == []
    finally:
        context.close()


def test_searching_a_test_index_lands_on_its_row_in_one_click(browser, served_site, manifest):
    examples = manifest["examples"]
    for example in (next(e for e in examples if not _mistake(e)), next(e for e in examples if _mistake(e))):
        context, page, watch = open_page(browser, served_site, load_all=False)
        try:
            search_site(page, str(example["test_index"]))
            result = page.locator(f".md-search-result__item a[href$='#{example['anchor']}']").first
            top = follow_to_row(page, result, example)
            assert 40 <= top <= 450, (example["anchor"], top)  # below the site header, in the window's upper half
            assert watch.problems == []
        finally:
            context.close()


def test_the_search_index_holds_gallery_prose_but_no_gallery_table(quick_build, manifest):
    project, _ = quick_build
    entries = json.loads((project / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    gallery = [e for e in entries if e["location"].startswith(("classes/", "misclassified"))]
    assert "Class 3" in {e["title"] for e in gallery} and any(e["location"].startswith("misclassified") for e in gallery)
    for entry in gallery:  # no row of maps, no check line under it, no colour bar
        assert not re.search(r"p = \d|ΣIG|Clipped:", entry["text"]), (entry["location"], entry["text"][:300])
    explorer = next(e for e in entries if e["location"] == "explorer/")
    assert not re.search(r"\b(mistake|correct) \d\.\d{3}\b", explorer["text"]), explorer["text"]  # no table row
    images = {e["location"].split("#")[1] for e in entries if e["title"].startswith("Test image ")}
    assert images == {e["anchor"] for e in manifest["examples"]}
