"""One search entry per published test image, so that searching its test index leads to its row.

The gallery tables are left out of the search index (``data-search-exclude``), which keeps the
index small, but then a test index is found nowhere. After the site engine has written its index
(MkDocs' ``search/search_index.json`` or Zensical's ``search.json``), :func:`add_test_images`
adds, for every example of the site's ``manifest.json``, an entry titled "Test image 3520" whose
location is the image's row on its gallery page (``misclassified/#test-03520``): one click on the
result lands on the row. Each entry goes right after its page's own entries, so that the engine's
results group it under that page; a page left out of the search gets none.
"""

from __future__ import annotations

import html
import json
from pathlib import Path, PurePosixPath
from typing import Any

from generator.plumbing.fileio import write_bytes_if_changed
from generator.publish.formulas import SEARCH_INDEXES

MANIFEST = "manifest.json"


def add_test_images(site_dir: Path) -> None:
    """Add one entry per example of ``site_dir/manifest.json`` to every search index the built
    site holds; a site without a manifest, or without an index, is left alone."""
    site_dir = Path(site_dir)
    manifest = site_dir / MANIFEST
    if not manifest.is_file():
        return
    data = json.loads(manifest.read_text(encoding="utf-8"))
    examples, names = data.get("examples", []), data["settings"]["data"]["class_names"]
    for name, key in SEARCH_INDEXES.items():
        index = site_dir / name
        if not index.is_file():
            continue
        entries = json.loads(index.read_text(encoding="utf-8"))
        entries[key] = with_test_images(entries.get(key, []), examples, names, site_dir)
        write_bytes_if_changed(index, json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode())


def with_test_images(entries: list[dict[str, Any]], examples: list[dict[str, Any]], names: list[str],
                     site_dir: Path) -> list[dict[str, Any]]:
    """``entries`` (one engine's index) with one entry per example after its page's last entry, in
    the manifest's order. An example is skipped when its entry is there already (so that adding
    twice changes nothing), and when its page has no entry: a page left out of the search
    (``search: exclude``) keeps its images out too, and an entry without its page's would show in
    no result (MkDocs' search lists a section under its page only). An example on no gallery page
    (``page`` null: its class has no pages) gets none; the explorer lists it."""
    examples = [example for example in examples if example.get("page")]
    present = {entry.get("location") for entry in entries}
    last = {_page_of(entry): position for position, entry in enumerate(entries)}
    locations = {page: page_location(site_dir, page) for page in {example["page"] for example in examples}}
    added: dict[str, list[dict[str, Any]]] = {}
    for example in examples:
        page = locations[example["page"]]
        if page in last and f"{page}#{example['anchor']}" not in present:
            added.setdefault(page, []).append(image_entry(example, names, page, entries))
    result: list[dict[str, Any]] = []
    for position, entry in enumerate(entries):
        result.append(entry)
        if last[_page_of(entry)] == position:
            result += added.pop(_page_of(entry), [])
    return result


def image_entry(example: dict[str, Any], names: list[str], page: str, entries: list[dict[str, Any]]
                ) -> dict[str, Any]:
    """The search entry of one manifest example on the page at location ``page``: its title names
    the test index; a mistake's text is its true and predicted class ("6 → 4"), a correct image has
    none (its page names its class). No other words, so that a search for a word of the pages
    ("predicted", "class") is not crowded out by hundreds of images. Zensical's entries also carry a
    heading level and the page's navigation path (that of the page's first entry), as the
    engine writes them for a page's sections."""
    true, predicted = names[example["true_label"]], names[example["predicted"]]
    text = "" if true == predicted else f"<p>{html.escape(true)} → {html.escape(predicted)}</p>"
    entry: dict[str, Any] = {"location": f"{page}#{example['anchor']}", "title": f"Test image {example['test_index']}",
                             "text": text}
    if entries and "level" in entries[0]:  # Zensical's format
        first = next(e for e in entries if _page_of(e) == page)
        entry.update(level=2, path=list(first.get("path", [])), tags=[])
    return entry


def page_location(site_dir: Path, page: str) -> str | None:
    """The location (as the search index writes it) of the docs page ``page`` (e.g.
    "classes/class-3.md") in the built site: "classes/class-3/" with directory URLs,
    "classes/class-3.html" without; None when the site has neither file. An ``index.md`` is
    its folder ("" for the home page), which serves it either way."""
    path = PurePosixPath(page).with_suffix("")
    folder = (f"{path.parent}/" if path.name == "index" else f"{path}/").removeprefix("./")
    if (site_dir / folder / "index.html").is_file():
        return folder
    html_file = f"{path}.html"
    return html_file if (site_dir / html_file).is_file() else None


def _page_of(entry: dict[str, Any]) -> str:
    return str(entry.get("location", "")).partition("#")[0]
