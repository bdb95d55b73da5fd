"""Formulas typeset at build time as MathML, whatever engine builds the site; plain text in search.

Formulas are written as LaTeX in the Markdown; ``pymdownx.arithmatex`` (generic mode) wraps
each one in ``<span class="arithmatex">\\(…\\)</span>`` or ``<div class="arithmatex">\\[…\\]</div>``.
After the site engine has run, this module

- replaces every such element of every built page by MathML (:func:`typeset_site`): an inline
  formula becomes ``<math>…</math>``, a display formula
  ``<div class="gg-formula"><math display="block">…</math></div>`` (the ``div`` scrolls sideways
  on narrow screens, see the "Formulas" section of ``stylesheets/extra.css``). Browsers draw
  MathML Core themselves (Chromium, Firefox, Safari), so the pages load no script and no font
  for their formulas, and screen readers read the MathML. The converter is ``math-core``
  (LaTeX → MathML Core), plus one rewrite of its output, :func:`primes_on_the_baseline`.
  A formula it cannot convert fails the build, naming the page and the formula; and
- rewrites the formulas in a built site's search index as plain text (``f_t(x) − f_t(x′)``
  rather than TeX source), since search results show text only; display formulas are left out
  of the index. The engines index the pages before they are typeset, so the index holds the
  arithmatex text (both engines' index formats).
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from generator.plumbing.fileio import write_bytes_if_changed, write_text_if_changed
from generator.publish.site_error import SiteError

SEARCH_INDEXES = {"search/search_index.json": "docs", "search.json": "items"}
"""Search index files a built site may hold (MkDocs', Zensical's) and the key of their entry list."""
DISPLAY_CLASS = "gg-formula"
"""Class of the ``div`` around each display formula of a built page."""
ARITHMATEX = re.compile(r'<(span|div) class="arithmatex">\s*\\([(\[])(.*?)\\[)\]]\s*</\1>', re.DOTALL)
"""An arithmatex element of a built page: its tag, its opening delimiter and its TeX (HTML-escaped)."""
PRIMES = ("′", "″", "‴")
_XML_ENTITIES = {"lt", "gt", "amp", "quot", "apos"}
_INLINE_MATH = re.compile(r"\\\((.+?)\\\)", re.DOTALL)
_DISPLAY_MATH = re.compile(r"\\\[.+?\\\]", re.DOTALL)
_TEX_SYMBOLS = {
    "alpha": "α", "approx": "≈", "cdot": "·", "cdots": "⋯", "dots": "…", "varepsilon": "ε", "epsilon": "ε",
    "in": "∈", "infty": "∞", "int": "∫", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "lvert": "|",
    "rvert": "|", "nabla": "∇", "neq": "≠", "odot": "⊙", "partial": "∂", "pm": "±", "sigma": "σ",
    "sim": "∼", "sum": "Σ", "times": "×", "to": "→", "gamma": "γ", "delta": "δ", "xi": "ξ",
}


def mathml(tex: str, display: bool) -> str:
    """The MathML Core of one TeX formula: ``<math>…</math>``, with ``display="block"`` for display.

    Raises:
        SiteError: the converter cannot read the formula (its message says why).
    """
    from math_core import LatexError, LatexToMathML

    try:
        markup = LatexToMathML(fancy_error=False).convert_with_local_state(tex, displaystyle=display)
    except LatexError as error:
        raise SiteError(f"formula {tex.strip()!r} cannot be typeset: {error}") from None
    return primes_on_the_baseline(markup)


def primes_on_the_baseline(markup: str) -> str:
    """``markup`` with each prime set beside its base instead of as its superscript.

    The converter writes ``x'`` as ``<msup><mi>x</mi><mo>′</mo></msup>``, as TeX does; but the
    Unicode prime ′ is already a raised glyph, and as a superscript the browser draws it at
    script size, a speck beside the letter. So ``x'`` becomes ``<mrow><mi>x</mi><mo>′</mo></mrow>``
    and ``x'_i`` (``msubsup``) becomes ``<msub><mrow><mi>x</mi><mo>′</mo></mrow><mi>i</mi></msub>``.
    """
    if not any(prime in markup for prime in PRIMES):
        return markup
    named = re.sub(r"&([A-Za-z]+);", lambda m: m[0] if m[1] in _XML_ENTITIES else html.unescape(m[0]), markup)
    root = ElementTree.fromstring(named)
    for parent in list(root.iter()):
        for index, child in enumerate(parent):
            script = child[-1] if len(child) else None
            if child.tag not in ("msup", "msubsup") or script is None or script.tag != "mo" \
                    or script.text not in PRIMES:
                continue
            primed = ElementTree.Element("mrow")
            primed.extend([child[0], script])
            if child.tag == "msup":
                replacement = primed
            else:
                replacement = ElementTree.Element("msub")
                replacement.extend([primed, child[1]])
            replacement.tail = child.tail
            parent[index] = replacement
    return ElementTree.tostring(root, encoding="unicode")


def typeset_page(text: str) -> str:
    """A built page's HTML with every arithmatex element replaced by its MathML (see the module doc)."""

    def replace(match: re.Match[str]) -> str:
        display = match[2] == "["
        markup = mathml(html.unescape(match[3]), display)
        return f'<div class="{DISPLAY_CLASS}">{markup}</div>' if display else markup

    return ARITHMATEX.sub(replace, text)


def typeset_site(site_dir: Path) -> int:
    """Typeset the formulas of every HTML page of a built site (:func:`typeset_page`).

    Returns:
        How many pages held formulas.

    Raises:
        SiteError: a formula cannot be typeset; the message names the page.
    """
    site_dir = Path(site_dir)
    pages = 0
    for page in sorted(site_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if 'class="arithmatex"' not in text:
            continue
        try:
            write_text_if_changed(page, typeset_page(text))
        except SiteError as error:
            raise SiteError(f"{page.relative_to(site_dir).as_posix()}: {error}") from None
        pages += 1
    return pages


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
