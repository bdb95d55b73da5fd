"""Text for generated Markdown: escaping user text, the Jinja2 environment, counts (percentages:
:mod:`generator.plumbing.numbers`).

Every string a user controls (class names, titles, paths) passes :func:`escape_markdown`
before it reaches a template; templates are rendered with ``StrictUndefined`` so a misspelt
variable fails instead of rendering as a blank.
"""

from __future__ import annotations

import json
import posixpath
import re
import urllib.parse
from pathlib import Path

import jinja2
import numpy as np

_ESCAPES = {ord(char): f"&#{ord(char)};" for char in "\\`*_[](){}#|!$&<>~"}
_LINE_STARTS = "-+=:"  # could open a rule, list, setext heading or snippet (--8<--) at line start


def escape_markdown(text: object) -> str:
    """Make user text inert in Markdown and HTML: it renders as itself and nothing more.

    Newlines and runs of whitespace collapse to one space (no new blocks); Markdown, HTML
    and extension syntax characters become numeric character references (``[`` →
    ``&#91;``), which Markdown passes through and browsers show as the character; a
    leading ``-``, ``+``, ``=`` or ``:`` is encoded too, so the text cannot start a rule,
    list, heading underline or snippet marker.

    Args:
        text: any value; converted with ``str``.

    Returns:
        The escaped single-line string.
    """
    escaped = " ".join(str(text).split()).translate(_ESCAPES)
    if escaped[:1] and escaped[0] in _LINE_STARTS:
        escaped = f"&#{ord(escaped[0])};{escaped[1:]}"
    return escaped


def code_name(name: str) -> str:
    """One of this project's own names (a setting key such as ``data.class_names``) as inline
    code. A code span shows its content literally, numeric character references included, so
    :func:`escape_markdown` would print ``&#95;`` there; a name of letters, digits, ``_``, ``.``
    and ``-`` needs no escaping inside backticks.

    Raises:
        ValueError: ``name`` has any other character.
    """
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"not a plain name for inline code: {name!r}")
    return f"`{name}`"


def environment(templates_dir: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def front_matter_string(escaped_title: str) -> str:
    """An escaped title as a quoted YAML scalar, for the page's ``title:`` front matter.

    Without it MkDocs takes the title from the H1, and Material prints that in ``<title>``
    through Jinja's ``striptags``, which decodes ``&#60;`` back to ``<``: raw HTML again.
    """
    return json.dumps(escaped_title, ensure_ascii=False)


def count(value: int | np.integer) -> str:
    return f"{int(value):,}"


def listed(items: list[str]) -> str:
    """Words joined for a sentence: "A", "A and B", "A, B and C"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def href(target: str, page: str) -> str:
    """URL of ``target`` (docs-relative, optional #fragment) relative to ``page``'s folder."""
    path, _, fragment = target.partition("#")
    relative = posixpath.relpath(path, posixpath.dirname(page) or ".")
    quoted = urllib.parse.quote(relative, safe="/")
    return f"{quoted}#{urllib.parse.quote(fragment)}" if fragment else quoted
