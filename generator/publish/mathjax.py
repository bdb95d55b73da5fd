"""MkDocs plugin ``gradient-gallery-mathjax``: MathJax served by the site itself, never a CDN.

Formulas are written as LaTeX in the Markdown; ``pymdownx.arithmatex`` (generic mode) wraps
each one in ``<span class="arithmatex">\\(…\\)</span>`` or ``<div class="arithmatex">\\[…\\]</div>``.
This plugin

- copies the MathJax 3 browser files this page set needs (the ``tex-mml-chtml`` component,
  its CommonHTML woff fonts, the TeX extensions it may autoload, and the licence) from the
  installed ``django-static-mathjax`` wheel into ``assets/vendor/mathjax/`` of the built
  site, in sorted order and byte for byte, so every build carries the same files; and
- adds two ``<script>`` tags, the site's MathJax configuration (``config_script``, a file of
  the docs dir) and the vendored MathJax, to exactly those pages that contain arithmatex
  output, so gallery pages load no mathematics code at all; and
- rewrites the formulas in the search index as plain text (``f_t(x) − f_t(x′)`` rather than
  TeX source), since search results are shown outside MathJax's reach; display formulas are
  left out of the index.

The configuration tells MathJax to typeset arithmatex elements only: text anywhere else,
for instance a class name holding a ``$``, is never read as mathematics.

The wheel is a plain copy of the MathJax 3.2.2 distribution with no dependencies; nothing
here imports it (its name says Django, but only its files are used).
"""

from __future__ import annotations

import json
import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as options
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from generator.plumbing.fileio import write_bytes_if_changed

DISTRIBUTION = "django-static-mathjax"
ROOT_IN_DISTRIBUTION = "mathjax/static/mathjax"
ENTRY_SCRIPT = "tex-mml-chtml.js"
# Paths relative to ROOT_IN_DISTRIBUTION/es5 (except the licence), copied recursively.
VENDORED = (ENTRY_SCRIPT, "output/chtml/fonts/woff-v2", "input/tex/extensions")
MATH_MARKER = 'class="arithmatex"'
SEARCH_INDEX = "search/search_index.json"
_INLINE_MATH = re.compile(r"\\\((.+?)\\\)", re.DOTALL)
_DISPLAY_MATH = re.compile(r"\\\[.+?\\\]", re.DOTALL)
_TEX_SYMBOLS = {
    "alpha": "α", "approx": "≈", "cdot": "·", "cdots": "⋯", "dots": "…", "varepsilon": "ε", "epsilon": "ε",
    "in": "∈", "infty": "∞", "int": "∫", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "lvert": "|",
    "rvert": "|", "nabla": "∇", "neq": "≠", "odot": "⊙", "partial": "∂", "pm": "±", "sigma": "σ",
    "sim": "∼", "sum": "Σ", "times": "×", "to": "→", "gamma": "γ", "delta": "δ", "xi": "ξ",
}


class MathJaxConfig(base.Config):
    """Options of the plugin in mkdocs.yml."""

    config_script = options.Type(str, default="javascripts/mathjax.js")
    """The MathJax configuration script, a path in the docs dir; loaded before MathJax."""
    target = options.Type(str, default="assets/vendor/mathjax")
    """Where the MathJax files go in the built site."""


def mathjax_root() -> Path:
    """The installed MathJax distribution folder (holding ``es5/`` and ``LICENSE``).

    Raises:
        PluginError: the ``django-static-mathjax`` package is not installed.
    """
    try:
        return Path(str(distribution(DISTRIBUTION).locate_file(ROOT_IN_DISTRIBUTION)))
    except PackageNotFoundError:
        raise PluginError(
            f"the {DISTRIBUTION} package (MathJax files) is not installed; install the project with "
            '`python -m pip install -e ".[test]"`'
        ) from None


def vendored_files(root: Path) -> list[tuple[Path, str]]:
    """Every file to copy as (source, path relative to the target folder), sorted by target path.

    Args:
        root: the folder from :func:`mathjax_root`.

    Raises:
        PluginError: a file or folder this plugin needs is missing from the distribution.
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
            raise PluginError(f"MathJax file {source} is missing; reinstall {DISTRIBUTION}")
    if not files[0][0].is_file():
        raise PluginError(f"MathJax licence {files[0][0]} is missing; reinstall {DISTRIBUTION}")
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


def script_tags(page_url: str, config_script: str, target: str) -> str:
    """The two ``<script>`` tags for a page at ``page_url``, with URLs relative to that page."""
    config_src = get_relative_url(config_script, page_url)
    mathjax_src = get_relative_url(f"{target}/{ENTRY_SCRIPT}", page_url)
    return (f'<script src="{config_src}"></script>\n'
            f'<script defer id="MathJax-script" src="{mathjax_src}"></script>\n')


class MathJaxPlugin(BasePlugin[MathJaxConfig]):
    """Vendored MathJax for the pages that hold formulas; see the module docstring."""

    def on_post_page(self, output: str, *, page: Page, config: Any) -> str:
        """Insert the script tags before ``</head>`` of pages with arithmatex output."""
        if MATH_MARKER not in output:
            return output
        head_end = output.find("</head>")
        if head_end < 0:
            raise PluginError(f"page {page.file.src_uri} has formulas but no </head> for the MathJax scripts")
        tags = script_tags(page.url, self.config.config_script, self.config.target)
        return output[:head_end] + tags + output[head_end:]

    @event_priority(-50)  # after the search plugin has written its index, whatever the plugin order
    def on_post_build(self, *, config: Any) -> None:
        """Copy the MathJax files into the built site and make the search index's formulas plain text."""
        site_dir = Path(config["site_dir"])
        for source, relative in vendored_files(mathjax_root()):
            write_bytes_if_changed(site_dir / self.config.target / relative, source.read_bytes())
        index = site_dir / SEARCH_INDEX
        if index.is_file():
            entries = json.loads(index.read_text(encoding="utf-8"))
            for doc in entries.get("docs", []):
                doc["text"] = plain_search_text(doc.get("text", ""))
            write_bytes_if_changed(index, json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode())
