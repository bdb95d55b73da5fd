"""Titles are HTML text, escaped once: the site name and page titles, in both site engines.

The theme prints the site name and page titles unescaped in most places (``<title>``, the
header, the nav), so they reach the engine as HTML text: the site name escaped by
:func:`generator.publish.build.config_overrides`, generated page titles as the numeric
character references of :func:`generator.pages.markdown_text.escape_markdown`, and titles
taken from a heading with their entities kept (MkDocs' own rule). A few attributes
escape them again (``| e``): the logo's ``title`` tooltip and the footer's ``aria-label``,
which a screen reader then reads as "Next: Class &#60;script&#62;".

- With MkDocs, each title is a :class:`markupsafe.Markup` of that HTML text, which
  Jinja's ``| e`` leaves alone: the site name from the config overrides, page titles through
  :class:`HtmlTitles`, an event handler of this build only.
- Zensical reads its configuration from YAML and renders in Rust, so no Python type can carry
  "already escaped" there; :func:`escape_attributes_once` mends those two attributes in the
  pages it wrote, escaping their plain text exactly once.
"""

from __future__ import annotations

import html
import re
from typing import Any

from markupsafe import Markup, escape
from mkdocs.plugins import BasePlugin

_LOGO_TITLE = re.compile(r'(<a\b[^>]*?\stitle=")([^"]*)("\s+class="md-(?:header|nav)__button md-logo")')
"""The logo link's ``title="{{ config.site_name | e }}"`` (header and nav partials)."""
_FOOTER_LABEL = re.compile(r'(class="md-footer__link md-footer__link--(?:prev|next)"\s+aria-label=")([^"]*)(")')
"""The footer link's ``aria-label="{{ direction }}: {{ page.next_page.title | e }}"``."""


def html_text(escaped: str) -> Markup:
    """Text that is already HTML-escaped, marked so that Jinja's ``| e`` does not escape it again."""
    return Markup(escaped)


def page_title(title: str) -> Markup:
    """A page title (HTML text) as its plain text escaped once, marked as HTML text.

    Tags are stripped and entities decoded, then ``& < > " '`` are escaped: the same text,
    now safe in an attribute too (a title may hold a raw ``"``, which text content allows).
    """
    return escape(Markup(title).striptags())


class HtmlTitles(BasePlugin):
    """A MkDocs event handler that marks every page title as HTML text (:func:`page_title`).

    It runs when a page's content is ready; MkDocs renders every page before it fills any
    template, so the footer's previous and next titles are marked too. ``page.meta.title``,
    which the theme prints in ``<title>``, is left as it is.
    """

    def on_page_content(self, content: str, page: Any, **_: Any) -> str:
        """Mark ``page``'s title; the page's HTML ``content`` is returned unchanged."""
        if isinstance(page.title, str) and not isinstance(page.title, Markup):
            page.title = page_title(page.title)
        return content


def escape_attributes_once(text: str) -> str:
    """The page ``text`` with the logo's ``title`` and the footer's ``aria-label`` escaped once.

    Each of those values holds HTML text that the template escaped again; it is decoded twice,
    to the plain title, and escaped once. Every other byte of the page is kept.
    """

    def once(match: re.Match[str]) -> str:
        return f"{match.group(1)}{page_title(html.unescape(match.group(2)))}{match.group(3)}"

    return _FOOTER_LABEL.sub(once, _LOGO_TITLE.sub(once, text))
