"""The one pages pass: every generated page rendered through one Jinja environment, then written.

Each stage's page module turns typed results into contexts (ready-made strings); this pass
renders them all before writing any, rewrites a file only when its text changed, and deletes
generated pages an earlier build made that this build does not (a class page of an older
configuration, the Changes page of a build that had ``--previous``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator.pages.markdown_text import environment
from generator.plumbing.fileio import write_text_if_changed

Page = tuple[str, dict[str, Any]]
"""(template name, context) of one page."""
GENERATED = ("classes.md", "classes/*.md", "misclassified/*.md", "changes.md", "trust.md", "decoy.md")
"""Docs-relative patterns of pages that only builds write, so a stale one may be deleted."""


def render_all(pages: Mapping[str, Page], templates_dir: Path, docs_dir: Path) -> list[Path]:
    """Render every page, then write each whose text changed; returns their paths in order.

    Args:
        pages: docs-relative Markdown path → (template, context).
        templates_dir: the folder of the ``*.md.j2`` templates.
        docs_dir: the MkDocs docs dir.

    Raises:
        jinja2.TemplateError: a template is missing, invalid or uses an undefined variable;
            nothing has been written then.
    """
    templates = environment(templates_dir)
    texts = {relative: templates.get_template(template).render(context)
             for relative, (template, context) in pages.items()}
    written = [docs_dir / relative for relative in texts]
    for path, text in zip(written, texts.values()):
        write_text_if_changed(path, text)
    for pattern in GENERATED:
        for stale in sorted(set(docs_dir.glob(pattern)) - set(written)):
            stale.unlink()
    return written
