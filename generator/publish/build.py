"""Build the site in strict mode, with MkDocs or Zensical, and publish it atomically.

The site is built into a fresh temporary folder beside the published one; only a build
that succeeded (no warning at all, since strict mode turns every warning into a failure)
replaces the published folder, by renames. A failed build leaves the published site as
it was and names the first problem the engine reported.

Both engines build the same mkdocs.yml and pages: everything the site needs (GLightbox) is in
the pages before the engine runs (:mod:`generator.publish.vendor`); after it, every image gets
its width and height (:mod:`generator.publish.image_sizes`), the formulas are typeset as MathML
(:func:`~generator.publish.formulas.typeset_site`) and the search index's formulas made plain
text (:func:`~generator.publish.formulas.plain_search_index`), so no engine plugin is involved.
Zensical runs in :mod:`generator.publish.zensical`.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

from generator.plumbing.settings import SITE_ENGINES
from generator.publish.nav import site_nav, without_pages
from generator.publish.site_error import SiteError

__all__ = ["SiteError", "build_site", "config_overrides", "site_config", "without_pages"]


class _WarningCollector(logging.Handler):
    """Keeps every WARNING-or-worse record logged under ``mkdocs`` as one line of text.

    With ``echo`` it also prints them to stderr: used when the application configured no
    logging, since MkDocs' records would otherwise be dropped silently.
    """

    def __init__(self, echo: bool) -> None:
        super().__init__(level=logging.WARNING)
        self.echo = echo
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = " ".join(record.getMessage().split())
        if message in self.messages:  # MkDocs may log one problem more than once
            return
        self.messages.append(message)
        if self.echo:
            print(f"mkdocs {record.levelname.lower()}: {message}", file=sys.stderr)


def site_config(config_file: Path, docs_dir: Path, site_dir: Path, site_name: str | None = None,
                site_url: str = "", omit_from_nav: Collection[str] = (),
                class_pages: Collection[str] | None = None) -> Any:
    """The MkDocs configuration of one build: ``config_file`` (strict) with this build's overrides.

    Args:
        config_file: the mkdocs.yml (theme, nav, extensions, validation).
        docs_dir: Markdown sources, overriding the config's ``docs_dir``.
        site_dir: where MkDocs writes the site.
        site_name: overrides the config's ``site_name`` when given. It is plain text and
            HTML-escaped here, because the theme prints ``site_name`` into pages unescaped.
        site_url: the site's public URL; overrides the config's ``site_url`` when not empty.
        omit_from_nav: pages (paths relative to ``docs_dir``, e.g. ``"changes.md"``) this build
            does not generate: their ``nav`` entries are left out, and a section left empty too.
        class_pages: the per-class pages and the Classes index this build wrote, listed in the
            nav instead of the configuration's (:func:`~generator.publish.nav.with_class_pages`);
            None keeps the configuration's.

    Returns:
        The validated ``MkDocsConfig``, whose page titles will be marked as HTML text
        (:class:`generator.publish.titles.HtmlTitles`) so that no attribute escapes them twice.

    Raises:
        mkdocs.exceptions.Abort: the configuration is invalid (MkDocs logs why);
            :func:`build_site` turns it into a :class:`SiteError`.
    """
    from mkdocs.config import load_config

    from generator.publish.titles import HtmlTitles

    overrides = config_overrides(site_name, site_url)
    config = load_config(config_file=str(config_file), strict=True, docs_dir=str(Path(docs_dir).absolute()),
                         site_dir=str(site_dir), **overrides)
    config.plugins["gradient-gallery/html-titles"] = HtmlTitles()  # page titles escaped once (footer labels)
    if config["nav"] is not None:
        config["nav"] = site_nav(config["nav"], omit_from_nav, class_pages)
    return config


def config_overrides(site_name: str | None = None, site_url: str = "") -> dict[str, Any]:
    """The configuration keys one build overrides, as for :func:`site_config`: ``site_name``
    escaped once and marked as HTML text, so that the theme's ``| e`` leaves it alone
    (MkDocs keeps the mark; Zensical cannot: see :mod:`generator.publish.titles`)."""
    from generator.publish.titles import html_text

    overrides: dict[str, Any] = {}
    if site_name is not None:
        overrides["site_name"] = html_text(html.escape(site_name))
    if site_url:
        overrides["site_url"] = site_url
    return overrides


def build_site(config_file: Path, docs_dir: Path, site_dir: Path, site_name: str | None = None,
               site_url: str = "", omit_from_nav: Collection[str] = (),
               engine: str = "mkdocs", class_pages: Collection[str] | None = None) -> None:
    """Build the site with ``engine`` (strict) and swap it into ``site_dir`` only on success.

    The build goes to ``<parent>/.<site_dir name>.building-<pid>``; its images get their sizes, its
    formulas are typeset there, the search index's formulas made plain text and the site's marker written
    (:func:`~generator.plumbing.output_guard.mark_site`); then the old ``site_dir`` is renamed
    aside, the new one renamed into place and the old one deleted. An existing ``site_dir`` that
    the tool did not write is never renamed or deleted.

    Args:
        config_file: the mkdocs.yml (theme, nav, extensions, validation).
        docs_dir: Markdown sources, overriding the config's ``docs_dir``; they must already
            hold the vendored files (:func:`generator.publish.vendor.vendor_assets`).
        site_dir: the published site folder (created or replaced).
        site_name, site_url, omit_from_nav, class_pages: this build's overrides, as for :func:`site_config`.
        engine: one of :data:`~generator.plumbing.settings.SITE_ENGINES`.

    Raises:
        SiteError: the engine is unknown or not installed, the configuration is invalid or the
            build produced a warning or error, or a formula cannot be typeset; ``site_dir`` is untouched and the temporary folder removed.
        OutputFolderError: ``site_dir`` is a file or a folder the tool did not write.
    """
    from generator.plumbing.output_guard import mark_site
    from generator.publish.formulas import plain_search_index, typeset_site
    from generator.publish.image_sizes import add_image_sizes
    from generator.publish.search import add_test_images

    if engine not in SITE_ENGINES:
        raise SiteError(f"unknown site engine {engine!r}; choose one of {', '.join(SITE_ENGINES)}")
    site_dir = Path(site_dir).absolute()
    building = site_dir.parent / f".{site_dir.name}.building-{os.getpid()}"
    retired = site_dir.parent / f".{site_dir.name}.old-{os.getpid()}"
    for leftover in (building, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        if engine == "zensical":
            from generator.publish.zensical import build_with_zensical

            build_with_zensical(config_file, docs_dir, building, config_overrides(site_name, site_url),
                                omit_from_nav, class_pages)
        else:
            _build_with_mkdocs(config_file, docs_dir, building, site_name, site_url, omit_from_nav, class_pages)
        add_image_sizes(building)
        typeset_site(building)
        plain_search_index(building)
        add_test_images(building)
        mark_site(building)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    _publish(building, site_dir, retired)


def _build_with_mkdocs(config_file: Path, docs_dir: Path, building: Path, site_name: str | None, site_url: str,
                       omit_from_nav: Collection[str], class_pages: Collection[str] | None = None) -> None:
    """Run MkDocs (strict) into ``building``, logging only warnings and errors meanwhile.

    Raises:
        SiteError: the configuration is invalid or MkDocs logged a warning or error.
    """
    from mkdocs.commands.build import build

    logger = logging.getLogger("mkdocs")
    collector = _WarningCollector(echo=not logging.getLogger().hasHandlers())
    previous_level = logger.level
    logger.addHandler(collector)
    logger.setLevel(logging.WARNING)
    try:
        config = site_config(config_file, docs_dir, building, site_name, site_url, omit_from_nav, class_pages)
        build(config)
        _drop_unused_assets(building, _search_languages(config))
    except Exception as error:  # including mkdocs' Abort, which strict mode raises
        warnings = tuple(collector.messages)
        first = warnings[0] if warnings else " ".join(str(error).split())
        more = f" (and {len(warnings) - 1} more)" if len(warnings) > 1 else ""
        raise SiteError(f"MkDocs build failed: {first}{more}", warnings) from error
    finally:
        logger.removeHandler(collector)
        logger.setLevel(previous_level)


def _search_languages(config: object) -> set[str]:
    """The languages the search plugin was configured with ("en" when there is no search)."""
    search = config["plugins"].get("search")  # type: ignore[index]
    return set(search.config.lang or ["en"]) if search is not None else {"en"}


def _drop_unused_assets(site: Path, languages: set[str]) -> None:
    """Delete theme files no reader's browser ever asks for: source maps, and the search
    engine's word splitters and stemmers of languages the site does not use (most of the
    theme's scripts by size)."""
    assets = site / "assets"
    for source_map in assets.rglob("*.map"):
        source_map.unlink()
    lunr = assets / "javascripts" / "lunr"
    needed = {f"lunr.{language}.min.js" for language in languages}
    if languages != {"en"}:
        needed |= {"lunr.stemmer.support.min.js", "lunr.multi.min.js"}
    for script in lunr.glob("min/*.js"):
        if script.name not in needed:
            script.unlink()
    for splitter, users in (("tinyseg.js", {"ja"}), ("wordcut.js", {"hi", "th"})):
        if not users & languages and (lunr / splitter).exists():
            (lunr / splitter).unlink()


def _publish(building: Path, site_dir: Path, retired: Path) -> None:
    """Replace ``site_dir`` by ``building`` with renames; restore the old site if that fails. On
    any failure ``building`` is removed, and a ``site_dir`` the tool did not write is never touched."""
    from generator.plumbing.output_guard import refuse_to_replace

    had_site = site_dir.exists()
    try:
        refuse_to_replace(site_dir)
        if had_site:
            os.replace(site_dir, retired)
    except Exception:
        shutil.rmtree(building, ignore_errors=True)
        raise
    try:
        os.replace(building, site_dir)
    except OSError:
        if had_site:
            os.replace(retired, site_dir)
        shutil.rmtree(building, ignore_errors=True)
        raise
    shutil.rmtree(retired, ignore_errors=True)
