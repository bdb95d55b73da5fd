"""Every page of the quick site as a reader on a phone and on a desktop meets it: nothing makes
the document wider than the window (a page that scrolls sideways hides its right edge on a phone).
"""

from __future__ import annotations

import pytest
from tests.helpers.browser import open_page

pytest.importorskip("tensorflow")

pytestmark = pytest.mark.slow  # needs the built quick site


def _pages(quick_build) -> list[str]:
    project, _ = quick_build
    site = project / "site"
    return sorted(path.parent.relative_to(site).as_posix().removeprefix(".") + "/"
                  for path in site.rglob("index.html") if "assets" not in path.parts)


@pytest.mark.parametrize("width", [390, 1280])
def test_no_page_scrolls_sideways(browser, served_site, quick_build, width):
    pages = _pages(quick_build)
    assert len(pages) >= 15, pages  # home, classes, misclassified, explorer, trust, decoy, methods
    wide = {}
    for page_path in pages:
        context, page, watch = open_page(browser, served_site + page_path.lstrip("/"), width=width, load_all=False)
        try:
            page.wait_for_load_state("networkidle")
            scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
            if scroll_width > width:
                wide[page_path] = scroll_width
            assert watch.problems == [], (page_path, watch.problems)
        finally:
            context.close()
    assert wide == {}, f"pages wider than the {width} px window: {wide}"
