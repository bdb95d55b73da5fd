"""Every relative link of the README and of docs/ leads to a file that exists, and every
#anchor to a heading of that Markdown file."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def links(text: str) -> list[str]:
    """The targets of the Markdown links of ``text``, code blocks and code spans left out."""
    text = re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))
    return LINK.findall(text)


def slug(heading: str) -> str:
    """A heading's anchor as GitHub and MkDocs' default toc make it."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(line.lstrip("#")) for line in text.splitlines() if re.match(r"#{1,6} ", line)}


def test_slugs_follow_the_heading_rules():
    assert slug("A report project of your own: `init`") == "a-report-project-of-your-own-init"
    assert slug("Expected Gradients: noise and the stated level") == "expected-gradients-noise-and-the-stated-level"
    assert slug("`[data]`") == "data"


def test_links_skip_code_and_images():
    assert links("[a](x.md) `[b](y.md)` ![c](z.png)\n```\n[d](w.md)\n```\n") == ["x.md"]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(document):
    broken = []
    for target in links(document.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not checked offline
        path_part, _, anchor = target.partition("#")
        path = (document.parent / path_part).resolve() if path_part else document
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}: no heading with anchor #{anchor}")
    assert not broken, f"{document.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_documentation_folder_has_its_pages_and_the_readme_links_each():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in ("usage", "settings", "publishing", "troubleshooting", "performance", "architecture",
                 "adding-a-method"):
        assert (ROOT / "docs" / f"{page}.md").is_file()
        assert f"docs/{page}.md" in readme
