"""Browser-test support, loaded as a pytest plugin by ``tests/conftest.py``: headless Chromium, the
quick site served from 127.0.0.1 only, and helpers to open a page, watch it and search it.

Needs Playwright's Python package (the ``test`` extra) and a Chromium binary: Debian's
``chromium`` package, or ``$GG_CHROMIUM``. Playwright's own browser download is never used.
Without Chromium the browser tests skip, except in CI (``CI=true``), where ``.ci/run`` installs it.
Screenshots go to ``$GG_SCREENSHOTS`` (or a pytest temporary folder): look at them.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers.project import run_build

try:
    from playwright import sync_api
except ImportError:  # the browser fixture skips (or fails in CI) without it
    sync_api = None

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic",
                 # Offline for real: no host name resolves but the loopback address the site is served from.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
PAGES = {
    "home": "",
    "class": "classes/class-3/",
    "misclassified": "misclassified/",
    "explorer": "explorer/",
    "trust": "trust/",
    "trust-checks": "methods/trust-checks/",
    "integrated-gradients": "methods/integrated-gradients/",
    "more-methods": "methods/more-methods/",
}
MATH_PAGES = {"integrated-gradients", "more-methods", "trust-checks"}
"""Pages of :data:`PAGES` that hold formulas (at least five each), typeset as MathML by the build."""
RAW_TEX = re.compile(r"\\\(|\\\[|\$[^$\s][^$\n]*\$")
# Images the page shows: a figure's variant for the other colour scheme is display:none, and a lazy
# image that is not displayed is never loaded.
SHOWN_IMAGES = "[...document.images].filter(i => i.getClientRects().length > 0)"
SCROLL_IMAGES_INTO_VIEW = """async () => {
    const shown = %s;
    for (const image of shown) {
        image.scrollIntoView({block: "center"});
        await new Promise(resolve => setTimeout(resolve, 25));
    }
    await Promise.all(shown.map(image => image.complete ? null :
        new Promise(resolve => { image.addEventListener("load", resolve); image.addEventListener("error", resolve); })));
    window.scrollTo(0, 0);
}""" % SHOWN_IMAGES


def chromium_executable() -> str | None:
    """$GG_CHROMIUM, else Debian's chromium (or chromium-browser) on the PATH."""
    for candidate in (os.environ.get("GG_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """``site`` over HTTP on a free loopback port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def served_site(quick_build) -> Iterator[str]:
    """The quick site (built by MkDocs, the default engine) over HTTP; yields its base URL."""
    project, _ = quick_build
    with serve(project / "site") as url:
        yield url


@pytest.fixture(scope="module")
def zensical_site(quick_build, tmp_path_factory) -> Iterator[str]:
    """The quick report rebuilt with ``--engine zensical`` in a copy of its project (cache included,
    so nothing is retrained), over HTTP; yields its base URL."""
    if importlib.util.find_spec("zensical") is None:
        reason = 'zensical is not installed (pip install -e ".[test]")'
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{reason}; the test extra installs it, so CI must run this test")
        pytest.skip(reason)
    source, _ = quick_build
    project = tmp_path_factory.mktemp("zensical") / "project"
    shutil.copytree(source, project, symlinks=True)
    result = run_build(project, "--quick", "--config", "decoy.toml", "--engine", "zensical")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "model: reusing cached" in result.stdout, result.stdout[-3000:]
    with serve(project / "site") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if sync_api is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("Playwright is not installed; the test extra installs it, so CI must run this test")
        pytest.skip("Playwright is not installed (pip install -e '.[test]')")
    executable = chromium_executable()
    if executable is None:
        reason = ("no Chromium found: install Debian's chromium package (apt-get install chromium) "
                  "or set GG_CHROMIUM to a Chromium binary")
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{reason}; .ci/run installs it, so CI must run this test")
        pytest.skip(reason)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("GG_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


class Watch:
    """Console errors, page errors, failed or non-loopback requests of one page."""

    def __init__(self, page: sync_api.Page) -> None:
        self.problems: list[str] = []
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        page.on("response", lambda r: self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

    def _failed(self, request: sync_api.Request) -> None:
        """A request that failed; one the browser cancelled because the test navigated away while it
        was loading (net::ERR_ABORTED, e.g. a lazy tile) is no fault of the page: a missing file
        answers 404, which :meth:`__init__`'s response handler records."""
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _request(self, request: sync_api.Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname != "127.0.0.1":
            self.problems.append(f"request left the loopback host: {request.url}")


def open_page(browser: sync_api.Browser, url: str, scheme: str = "light", width: int = 1366, load_all: bool = True
          ) -> tuple[sync_api.BrowserContext, sync_api.Page, Watch]:
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme,
                                  service_workers="block")
    page = context.new_page()
    watch = Watch(page)
    page.goto(url, wait_until="load")
    if load_all:
        page.evaluate(SCROLL_IMAGES_INTO_VIEW)
    return context, page, watch


def check_rendered(page: sync_api.Page, name: str) -> None:
    broken = page.evaluate(f"() => {SHOWN_IMAGES}.filter(i => !(i.complete && i.naturalWidth > 0))"
                           ".map(i => i.getAttribute('src'))")
    assert broken == [], f"{name}: images not loaded: {broken}"
    if name in MATH_PAGES:
        check_formulas(page, name)
    visible = page.locator(".md-content").inner_text()
    assert RAW_TEX.findall(visible) == [], f"{name}: TeX source left in the visible text"


def check_formulas(page: sync_api.Page, name: str, at_least: int = 5) -> None:
    """The page shows at least ``at_least`` formulas as MathML, none of them an error, no TeX left."""
    assert page.locator(".md-content math").count() >= at_least, f"{name}: formulas were not typeset"
    assert page.locator("merror").count() == 0, f"{name}: a formula is a MathML error"
    assert page.locator(".arithmatex").count() == 0, f"{name}: a formula was left as TeX"
    visible = page.locator(".md-content").inner_text()
    assert RAW_TEX.findall(visible) == [], f"{name}: TeX source left in the visible text"


def first_load(browser: sync_api.Browser, url: str, width: int = 1280) -> tuple[dict[str, bytes], sync_api.Page]:
    """Open ``url`` in a fresh context (empty cache) without scrolling and wait until the network is idle.

    Returns:
        The body of every response the page received, by URL path (as the test server sends it,
        uncompressed; :func:`gzipped_size` gives what a compressing server would send); and the
        page, whose context the caller closes.
    """
    context = browser.new_context(viewport={"width": width, "height": 900}, service_workers="block")
    page = context.new_page()
    bodies: dict[str, bytes] = {}

    def finished(request: sync_api.Request) -> None:
        # Chromium reports no transfer size for the search worker's script, so sizes() would
        # leave it out: take the bodies themselves.
        response = request.response()
        bodies[urlsplit(request.url).path] = response.body() if response is not None else b""

    page.on("requestfinished", finished)
    page.goto(url, wait_until="networkidle")
    return bodies, page


COMPRESSED_TYPES = (".html", ".css", ".js", ".json", ".svg", "/")
"""What a static host compresses (text); images (WebP, PNG) are sent as they are."""


def gzipped_size(path: str, body: bytes) -> int:
    """The bytes a static host that compresses (GitHub Pages, nginx's gzip) sends for ``body``."""
    return len(gzip.compress(body, compresslevel=6, mtime=0)) if path.endswith(COMPRESSED_TYPES) else len(body)


def search_site(page: sync_api.Page, text: str) -> sync_api.Locator:
    """Type ``text`` into the site search until the search worker answers; the result links."""
    search = page.locator("input.md-search__input")
    search.click()
    results = page.locator(".md-search-result__item a")
    for _ in range(30):  # the search worker answers once it has loaded the index
        search.fill("")
        search.press_sequentially(text, delay=20)
        page.wait_for_timeout(500)
        if results.count():
            break
    return results


def follow_to_row(page: sync_api.Page, result: sync_api.Locator, example: dict) -> float:
    """Click the search ``result`` that should lead to ``example``'s row (an entry of manifest.json's
    ``examples``) and wait for its page; the row's distance from the top of the window, in px."""
    assert result.is_visible(), f"no visible search result leads to #{example['anchor']}"
    result.click()
    page.wait_for_url(re.compile(f"/{re.escape(example['page'].removesuffix('.md'))}/[^#]*#{example['anchor']}$"))
    page.wait_for_timeout(300)
    return page.locator(f"#{example['anchor']}").evaluate("e => e.getBoundingClientRect().top")
