"""MathJax served by the site itself, never a CDN, whatever engine builds the site.

Formulas are written as LaTeX in the Markdown; ``pymdownx.arithmatex`` (generic mode) wraps
each one in ``<span class="arithmatex">\\(…\\)</span>`` or ``<div class="arithmatex">\\[…\\]</div>``.
This module

- lists the MathJax 3 browser files the site needs (the ``tex-mml-chtml`` component, its
  CommonHTML woff fonts, the TeX extensions it may autoload, and the licence) in the installed
  ``django-static-mathjax`` wheel: :mod:`generator.publish.vendor` copies them into the pages'
  ``assets/vendor/mathjax/`` before the site engine runs, and the site script
  ``javascripts/mathjax.js`` loads them only on pages that hold arithmatex output; and
- rewrites the formulas in a built site's search index as plain text (``f_t(x) − f_t(x′)``
  rather than TeX source), since search results are shown outside MathJax's reach; display
  formulas are left out of the index.

The wheel is a plain copy of the MathJax 3.2.2 distribution with no dependencies; nothing
here imports it (its name says Django, but only its files are used).
"""

from __future__ import annotations

import json
import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from generator.plumbing.fileio import write_bytes_if_changed
from generator.publish.build import SiteError

DISTRIBUTION = "django-static-mathjax"
ROOT_IN_DISTRIBUTION = "mathjax/static/mathjax"
ENTRY_SCRIPT = "tex-mml-chtml.js"
# Paths relative to ROOT_IN_DISTRIBUTION/es5 (except the licence), copied recursively.
VENDORED = (ENTRY_SCRIPT, "output/chtml/fonts/woff-v2", "input/tex/extensions")
SEARCH_INDEXES = {"search/search_index.json": "docs", "search.json": "items"}
"""Search index files a built site may hold (MkDocs', Zensical's) and the key of their entry list."""
_INLINE_MATH = re.compile(r"\\\((.+?)\\\)", re.DOTALL)
_DISPLAY_MATH = re.compile(r"\\\[.+?\\\]", re.DOTALL)
_TEX_SYMBOLS = {
    "alpha": "α", "approx": "≈", "cdot": "·", "cdots": "⋯", "dots": "…", "varepsilon": "ε", "epsilon": "ε",
    "in": "∈", "infty": "∞", "int": "∫", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "lvert": "|",
    "rvert": "|", "nabla": "∇", "neq": "≠", "odot": "⊙", "partial": "∂", "pm": "±", "sigma": "σ",
    "sim": "∼", "sum": "Σ", "times": "×", "to": "→", "gamma": "γ", "delta": "δ", "xi": "ξ",
}


def mathjax_root() -> Path:
    """The installed MathJax distribution folder (holding ``es5/`` and ``LICENSE``).

    Raises:
        SiteError: the ``django-static-mathjax`` package is not installed.
    """
    try:
        return Path(str(distribution(DISTRIBUTION).locate_file(ROOT_IN_DISTRIBUTION)))
    except PackageNotFoundError:
        raise SiteError(
            f"the {DISTRIBUTION} package (MathJax files) is not installed; install the project with "
            '`python -m pip install -e ".[test]"`'
        ) from None


def vendored_files(root: Path) -> list[tuple[Path, str]]:
    """Every file to copy as (source, path relative to the target folder), sorted by target path.

    Args:
        root: the folder from :func:`mathjax_root`.

    Raises:
        SiteError: a file or folder the site needs is missing from the distribution.
    """
    es5 = root / "es5"
    files = [(root / "LICENSE", "LICENSE")]
    for relative in VENDORED:
        source = es5 / relative
        if source.is_file():
            files.append((source, relative))
        elif source.is_dir():
            files += [(path, path.relative_to(es5).as_posix()) for path in source.rglob("*") if path.is_file()]
        else:
            raise SiteError(f"MathJax file {source} is missing; reinstall {DISTRIBUTION}")
    if not files[0][0].is_file():
        raise SiteError(f"MathJax licence {files[0][0]} is missing; reinstall {DISTRIBUTION}")
    return sorted(files, key=lambda item: item[1])


def plain_formula(tex: str) -> str:
    """A readable one-line rendering of inline TeX for search results.

    Greek letters and common operators become Unicode characters, other commands
    (``\\mathrm``, ``\\text``, spacing) are dropped with their braces kept as plain text,
    e.g. ``f_{\\text{pred}} - f_{\\text{true}}`` → ``f_pred − f_true``.
    """
    text = re.sub(r"\\([A-Za-z]+)\s*", lambda m: _TEX_SYMBOLS.get(m.group(1), ""), tex)
    text = re.sub(r"\\[,;:! ]", " ", text).replace("{", "").replace("}", "").replace("'", "′")
    return " ".join(text.replace(" - ", " − ").split())


def plain_search_text(text: str) -> str:
    """Search-index text with inline formulas as plain text and display formulas removed."""
    return _INLINE_MATH.sub(lambda m: plain_formula(m.group(1)), _DISPLAY_MATH.sub(" ", text))


def plain_search_index(site_dir: Path) -> None:
    """Rewrite the ``text`` of every entry of the built site's search index with :func:`plain_search_text`.

    Handles MkDocs' ``search/search_index.json`` (entries under ``docs``) and Zensical's
    ``search.json`` (entries under ``items``); a site without either is left alone.
    """
    for name, key in SEARCH_INDEXES.items():
        index = Path(site_dir) / name
        if not index.is_file():
            continue
        entries = json.loads(index.read_text(encoding="utf-8"))
        for entry in entries.get(key, []):
            entry["text"] = plain_search_text(entry.get("text", ""))
        write_bytes_if_changed(index, json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode())
