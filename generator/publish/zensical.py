"""Build the site with Zensical (PyPI ``zensical``), the successor of Material for MkDocs.

Zensical reads mkdocs.yml but runs only the MkDocs plugins it re-implemented. This site needs
none: its GLightbox is in the pages before any engine runs (:mod:`generator.publish.vendor`),
loaded by the site's own script, and its formulas are typeset after the engine has run
(:mod:`generator.publish.formulas`). What this module adapts:

- **Where things are.** Zensical wants ``docs_dir`` and ``site_dir`` inside the folder of its
  config file and keeps its cache (``.cache/``) there. So every build gets a private work
  folder beside the temporary site folder, ``<building>.zensical/``, holding ``mkdocs.yml`` (the
  project's config with this build's overrides), ``docs/`` (the pages as hard links, or copies
  across file systems) and ``site/``, which becomes the temporary site folder. The work folder's
  name starts like the temporary site folder's, so the next build clears a leftover of a killed one.
- **Strict mode.** Zensical's ``--strict`` fails on broken links and anchors only. The other
  checks of MkDocs' strict build are done here: every nav entry has its page, every page is in
  the nav, and every image a built page shows is in the site.
- **Errors.** Zensical runs in a subprocess (``python -m zensical build``); its warnings are
  turned into one line each (``index.md:3:7: page does not exist``).
- **Titles.** The site name arrives as plain escaped text (YAML has no "already escaped"
  type), so the two attributes that escape titles again are mended in the built pages
  (:func:`generator.publish.titles.escape_attributes_once`).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

from generator.publish.nav import site_nav
from generator.publish.site_error import SiteError
from generator.publish.images import missing_images
from generator.publish.titles import escape_attributes_once

ZENSICAL_MODULE = "zensical"
"""The module :func:`require_zensical` looks for and ``python -m`` runs."""
NOT_INSTALLED = ('the zensical site engine is not installed; install it with `python -m pip install -e ".[zensical]"` '
                 'or build with --engine mkdocs')
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PROBLEM = re.compile(r"^(?:Warning|Error):\s*(.+)$")
_LOCATION = re.compile(r"\[\s*(\S+?:\d+(?::\d+)?)\s*\]")


def require_zensical() -> None:
    """Check that Zensical can be run, without importing it.

    Raises:
        SiteError: the ``zensical`` package is not installed (one line saying how to install it).
    """
    if importlib.util.find_spec(ZENSICAL_MODULE) is None:
        raise SiteError(NOT_INSTALLED)


def zensical_config(config_file: Path, overrides: dict[str, Any], omit_from_nav: Collection[str] = (),
                    class_pages: Collection[str] | None = None) -> dict[str, Any]:
    """The configuration one Zensical build reads: ``config_file`` with this build's overrides.

    Args:
        config_file: the project's mkdocs.yml (``INHERIT`` and ``!ENV`` resolved as MkDocs does).
        overrides: keys to replace, e.g. from :func:`generator.publish.build.config_overrides`.
        omit_from_nav: pages this build does not generate, left out of the nav (see
            :func:`generator.publish.build.without_pages`).
        class_pages: the per-class pages this build wrote (see
            :func:`generator.publish.nav.with_class_pages`); None keeps the configuration's.

    Returns:
        The configuration, with ``docs_dir: docs``, ``site_dir: site`` and ``strict: true``,
        relative to the work folder the build writes it into.
    """
    from mkdocs.utils import yaml_load

    with open(config_file, encoding="utf-8") as stream:
        config = yaml_load(stream)
    plain = {key: str(value) if isinstance(value, str) else value for key, value in overrides.items()}
    config.update(plain, docs_dir="docs", site_dir="site", strict=True)  # str(): no Markup in the YAML
    if config.get("nav"):
        config["nav"] = site_nav(config["nav"], omit_from_nav, class_pages)
    theme = config.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        theme["custom_dir"] = str((Path(config_file).parent / theme["custom_dir"]).absolute())
    return config


def nav_pages(nav: list[Any]) -> list[str]:
    """The page paths a nav lists, in order (links to other sites left out)."""
    pages: list[str] = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            pages += nav_pages(value)
        elif isinstance(value, str) and "://" not in value:
            pages.append(value)
    return pages


def nav_problems(config: dict[str, Any], docs_dir: Path) -> list[str]:
    """Nav entries without their page, and pages that are in no nav entry (MkDocs' strict checks)."""
    if not config.get("nav"):
        return []
    listed = nav_pages(config["nav"])
    relative = (path.relative_to(docs_dir) for path in Path(docs_dir).rglob("*.md"))
    pages = sorted(path.as_posix() for path in relative if not any(part.startswith(".") for part in path.parts))
    problems = [f"the nav lists {page}, which does not exist" for page in listed if page not in pages]
    if not config.get("not_in_nav"):
        problems += [f"{page} is not in the nav" for page in pages if page not in listed]
    return problems


def zensical_problems(output: str) -> list[str]:
    """Zensical's warnings and errors in its console output, one line each, with the source location."""
    lines = [_ANSI.sub("", line).strip() for line in output.splitlines()]
    problems = []
    for number, line in enumerate(lines):
        match = _PROBLEM.match(line)
        if match is None:
            continue
        where = next((found.group(1) for found in map(_LOCATION.search, lines[number + 1:number + 3]) if found), "")
        problems.append(f"{where}: {match.group(1)}" if where else match.group(1))
    return problems


def build_with_zensical(config_file: Path, docs_dir: Path, building: Path, overrides: dict[str, Any],
                        omit_from_nav: Collection[str] = (), class_pages: Collection[str] | None = None) -> None:
    """Build the site with Zensical (strict, plus the checks of the module docstring) into ``building``.

    Args:
        config_file: the project's mkdocs.yml.
        docs_dir: the pages, vendored files included.
        building: the temporary site folder to create (it must not exist).
        overrides, omit_from_nav, class_pages: as for :func:`zensical_config`.

    Raises:
        SiteError: Zensical is not installed, or the build failed or found a problem;
            ``building`` is not created then.
    """
    import yaml

    require_zensical()
    config = zensical_config(config_file, overrides, omit_from_nav, class_pages)
    _fail_on(nav_problems(config, Path(docs_dir)))
    work = building.parent / f"{building.name}.zensical"
    shutil.rmtree(work, ignore_errors=True)
    try:
        shutil.copytree(docs_dir, work / "docs", copy_function=_link_or_copy)
        (work / "mkdocs.yml").write_text(yaml.dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
        _run(work)
        _escape_titles_once(work / "site")
        _fail_on(missing_images(work / "site"))
        os.replace(work / "site", building)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(work: Path) -> None:
    """``python -m zensical build --strict`` on ``work/mkdocs.yml``; a SiteError if it complains."""
    command = [sys.executable, "-m", ZENSICAL_MODULE, "build", "--config-file", str(work / "mkdocs.yml"), "--strict"]
    result = subprocess.run(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    problems = zensical_problems(result.stdout)
    if result.returncode != 0 and not problems:
        last = [line for line in map(str.strip, _ANSI.sub("", result.stdout).splitlines()) if line]
        problems = [last[-1] if last else f"exit code {result.returncode}"]
    _fail_on(problems)


def _escape_titles_once(site: Path) -> None:
    """Mend the logo tooltips and footer labels of every page of ``site`` (see the module docstring)."""
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        mended = escape_attributes_once(text)
        if mended != text:
            page.write_text(mended, encoding="utf-8")


def _fail_on(problems: list[str]) -> None:
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SiteError(f"Zensical build failed: {problems[0]}{more}", tuple(problems))


def _link_or_copy(source: str, target: str) -> None:
    """Hard-link ``source`` to ``target``, or copy it where a link cannot be made."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
