"""The search entry of each published test image, added to a built site's search index (both engines)."""

import json

import pytest

from generator.publish.search import add_test_images, page_location

NAMES = ["zero", "one", "two", "three<"]
EXAMPLES = [
    {"test_index": 5, "anchor": "test-00005", "page": "classes/class-1.md", "true_label": 1, "predicted": 1},
    {"test_index": 3520, "anchor": "test-03520", "page": "misclassified.md", "true_label": 3, "predicted": 2},
    {"test_index": 7, "anchor": "test-00007", "page": "classes/class-2.md", "true_label": 2, "predicted": 2},
]


def _site(tmp_path, index_name, entries, directory_urls=True):
    """A built site with the three examples' pages (class 2's page left unbuilt) and an index."""
    site = tmp_path / "site"
    for page in ("index", "classes/class-1", "misclassified"):
        path = site / (f"{page}/index.html" if directory_urls and page != "index" else f"{page}.html")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("<html></html>", encoding="utf-8")
    (site / "manifest.json").write_text(json.dumps({"examples": EXAMPLES, "settings": {"data": {"class_names": NAMES}}}),
                                        encoding="utf-8")
    (site / index_name).parent.mkdir(parents=True, exist_ok=True)
    (site / index_name).write_text(json.dumps(entries), encoding="utf-8")
    return site


MKDOCS_ENTRIES = {"config": {"lang": ["en"]}, "docs": [
    {"location": "", "title": "Home", "text": "<p>home</p>"},
    {"location": "classes/class-1/", "title": "Class one", "text": "<p>one</p>"},
    {"location": "classes/class-1/#mistakes", "title": "Mistakes", "text": "<p>none</p>"},
    {"location": "misclassified/", "title": "Misclassified", "text": "<p>wrong</p>"},
    {"location": "methods/", "title": "Methods", "text": "<p>how</p>"},
]}


def test_each_image_gets_an_entry_at_its_row_after_its_page(tmp_path):
    site = _site(tmp_path, "search/search_index.json", MKDOCS_ENTRIES)
    add_test_images(site)
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    assert index["config"] == MKDOCS_ENTRIES["config"]
    assert [e["location"] for e in index["docs"]] == [
        "", "classes/class-1/", "classes/class-1/#mistakes", "classes/class-1/#test-00005",
        "misclassified/", "misclassified/#test-03520", "methods/"]
    added = {e["location"]: e for e in index["docs"] if "#test-" in e["location"]}
    assert added["misclassified/#test-03520"] == {"location": "misclassified/#test-03520", "title": "Test image 3520",
                                                  "text": "<p>three&lt; → two</p>"}
    assert added["classes/class-1/#test-00005"]["text"] == ""  # its page names its class


def test_adding_twice_changes_nothing(tmp_path):
    site = _site(tmp_path, "search/search_index.json", MKDOCS_ENTRIES)
    add_test_images(site)
    once = (site / "search/search_index.json").read_bytes()
    add_test_images(site)
    assert (site / "search/search_index.json").read_bytes() == once


def test_zensical_entries_carry_the_level_and_path_of_a_section_of_their_page(tmp_path):
    items = [{"location": "", "level": 1, "title": "Home", "text": "", "path": ["Report"], "tags": []},
             {"location": "misclassified/", "level": 1, "title": "Misclassified", "text": "",
              "path": ["Misclassified"], "tags": []},
             {"location": "misclassified/#pairs", "level": 2, "title": "Pairs", "text": "", "path": ["Misclassified"],
              "tags": []}]
    site = _site(tmp_path, "search.json", {"config": {}, "items": items})
    add_test_images(site)
    index = json.loads((site / "search.json").read_text(encoding="utf-8"))["items"]
    assert index[3] == {"location": "misclassified/#test-03520", "title": "Test image 3520",
                        "text": "<p>three&lt; → two</p>", "level": 2, "path": ["Misclassified"],
                        "tags": []}
    # A page with no entry of its own (here class 1, as if left out of the search) gets none of its images.
    assert [e["location"] for e in index] == ["", "misclassified/", "misclassified/#pairs", "misclassified/#test-03520"]


def test_locations_follow_the_site_urls(tmp_path):
    site = _site(tmp_path, "search/search_index.json", MKDOCS_ENTRIES, directory_urls=False)
    assert page_location(site, "misclassified.md") == "misclassified.html"
    assert page_location(site, "classes/class-1.md") == "classes/class-1.html"
    assert page_location(site, "classes/class-2.md") is None
    directory = _site(tmp_path / "directory", "search/search_index.json", MKDOCS_ENTRIES)
    assert page_location(directory, "classes/class-1.md") == "classes/class-1/"
    assert page_location(directory, "index.md") == ""


@pytest.mark.parametrize("missing", ["manifest.json", "search/search_index.json"])
def test_a_site_without_a_manifest_or_an_index_is_left_alone(tmp_path, missing):
    site = _site(tmp_path, "search/search_index.json", MKDOCS_ENTRIES)
    (site / missing).unlink()
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    add_test_images(site)
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


def test_an_image_on_no_gallery_page_gets_no_entry(tmp_path):
    """Above the class-page limit a class without pages has its images in the explorer only:
    the manifest gives them no page."""
    site = _site(tmp_path, "search/search_index.json", MKDOCS_ENTRIES)
    unpaged = {"test_index": 9, "anchor": None, "page": None, "true_label": 0, "predicted": 0}
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    manifest["examples"].append(unpaged)
    (site / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    add_test_images(site)
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    assert [e["location"] for e in index["docs"] if "#test-" in e["location"]] == [
        "classes/class-1/#test-00005", "misclassified/#test-03520"]
