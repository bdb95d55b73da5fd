"""Formulas typeset at build time: LaTeX (arithmatex output) → MathML Core in the built pages,
and plain text in the search index. Browser checks are in tests/end_to_end/test_reader_math.py."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest

from generator.publish.build import SiteError
from generator.publish.layout import is_generated
from generator.publish.formulas import (
    mathml,
    plain_formula,
    plain_search_index,
    plain_search_text,
    primes_on_the_baseline,
    typeset_page,
    typeset_site,
)

ROOT = Path(__file__).resolve().parents[2]
HAND_WRITTEN = [path for path in sorted([ROOT / "site_src" / "methods.md", *(ROOT / "site_src" / "methods").glob("*.md")])
                if not is_generated(path.relative_to(ROOT / "site_src").as_posix())]
"""The Methods pages written by hand (the generated ones hold no formula)."""


def arithmatex(markdown_text: str) -> str:
    """The HTML the site's Markdown setup makes of ``markdown_text`` (formulas as arithmatex elements)."""
    return markdown.markdown(markdown_text, extensions=["pymdownx.arithmatex"],
                             extension_configs={"pymdownx.arithmatex": {"generic": True}})


class _Reader(HTMLParser):
    """The text a reader's browser shows outside MathML, and the elements inside it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.outside: list[str] = []
        self.inside: list[str] = []
        self.tags: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._depth += tag == "math"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self._depth -= tag == "math"

    def handle_data(self, data: str) -> None:
        (self.inside if self._depth else self.outside).append(data)


def read(page: str) -> _Reader:
    reader = _Reader()
    reader.feed(page)
    reader.close()
    return reader


def test_an_inline_and_a_display_formula_become_mathml_with_their_layout():
    page = typeset_page(arithmatex("The sum $\\sum_i x_i$ and\n\n$$\n\\frac{\\partial f_t}{\\partial x_i}(x)\n$$\n"))
    reader = read(page)
    assert page.count("<math>") == 1 and page.count('<div class="gg-formula"><math display="block">') == 1
    assert "arithmatex" not in page and "\\" not in "".join(reader.outside + reader.inside)
    assert {"munder", "mfrac", "msub"} <= set(reader.tags) and "merror" not in reader.tags
    assert "The sum" in "".join(reader.outside)


def test_a_formula_with_text_and_a_prime_keeps_both_and_sets_the_prime_beside_its_base():
    markup = mathml("s(x') = f_{\\text{pred}}(x') - x'_{j,i}", display=False)
    assert "<mtext>pred</mtext>" in markup
    assert markup.count("<mrow><mi>x</mi><mo>′</mo></mrow>") == 3
    assert "<msub><mrow><mi>x</mi><mo>′</mo></mrow><mrow><mi>j</mi>" in markup
    assert "<msup>" not in markup and "<msubsup>" not in markup


def test_primes_on_the_baseline_leaves_other_superscripts_alone():
    squared = mathml("x^2 + y^{n}_{k}", display=False)
    assert primes_on_the_baseline(squared) == squared and "<msup>" in squared and "<msubsup>" in squared
    assert mathml("g''(1)", display=False).startswith("<math><mrow><mi>g</mi><mo>″</mo></mrow>")


def test_an_aligned_environment_becomes_a_table_of_rows():
    """Written as a bare environment in the Markdown (arithmatex escapes its ``&`` as ``&amp;``)."""
    page = typeset_page(arithmatex("Text\n\n\\begin{aligned} a &= b + c \\\\ d &= e \\end{aligned}\n"))
    reader = read(page)
    assert '<div class="gg-formula"><math display="block">' in page
    assert reader.tags.count("mtr") == 2 and reader.tags.count("mtd") == 4 and "merror" not in reader.tags


def test_less_than_and_ampersand_inside_a_formula_stay_escaped_in_the_page():
    page = typeset_page(arithmatex("Here $a < b$ and $\\text{x \\& y} > 0$ end.\n"))
    assert "<mo>&lt;</mo>" in page and "&amp;" in page and "<mo>&gt;</mo>" in page
    reader = read(page)
    assert "".join("".join(reader.inside).split()) == "a<bx&y>0"
    assert "".join(reader.outside).split() == ["Here", "and", "end."]


def test_typesetting_is_deterministic_and_idempotent(tmp_path):
    source = arithmatex("A $\\mathbb{E}_\\alpha[x'] \\approx \\tfrac12$ B\n\n$$\n\\lVert a \\rVert_1\n$$\n")
    assert typeset_page(source) == typeset_page(source)
    page = tmp_path / "m" / "index.html"
    page.parent.mkdir()
    page.write_text(source, encoding="utf-8")
    (tmp_path / "plain.html").write_text("<p>no formula, &#36;5</p>", encoding="utf-8")
    assert typeset_site(tmp_path) == 1
    once = page.read_bytes()
    assert typeset_site(tmp_path) == 0 and page.read_bytes() == once  # nothing left to typeset
    assert (tmp_path / "plain.html").read_text() == "<p>no formula, &#36;5</p>"


def test_a_formula_the_converter_cannot_read_fails_the_build_naming_page_and_formula(tmp_path):
    (tmp_path / "methods").mkdir()
    (tmp_path / "methods" / "index.html").write_text(arithmatex("See $\\frac{1}$.\n"))
    with pytest.raises(SiteError, match=r"methods/index\.html: formula '\\\\frac\{1\}' cannot be typeset"):
        typeset_site(tmp_path)


@pytest.mark.parametrize("page", HAND_WRITTEN, ids=lambda path: path.name)
def test_every_formula_of_the_hand_written_pages_is_typeset(page):
    html = arithmatex(page.read_text(encoding="utf-8"))
    formulas = html.count('class="arithmatex"')
    typeset = typeset_page(html)
    reader = read(typeset)
    assert formulas > 0 and typeset.count("<math") == formulas
    assert "merror" not in reader.tags and "arithmatex" not in typeset
    assert not any("\\" in text for text in reader.inside), "TeX source left inside a formula"


def test_formulas_in_search_text_become_plain_text():
    text = ('<p>class \\(t\\) and \\(f_{\\text{pred}} - f_{\\text{true}}\\), \\(\\partial f_t / \\partial x_i\\)</p>'
            '\\[ \\sum_i \\mathrm{IG}_i \\] <p>after</p>')
    plain = plain_search_text(text)
    assert "\\(" not in plain and "\\[" not in plain and "\\" not in plain
    assert "class t and f_pred − f_true, ∂f_t / ∂x_i" in plain
    assert "after" in plain and "IG" not in plain  # display formulas are left out
    assert plain_formula("x' = 0") == "x′ = 0"


@pytest.mark.parametrize(("name", "key"), [("search/search_index.json", "docs"), ("search.json", "items")])
def test_both_engines_search_indexes_get_plain_formulas(tmp_path, name, key):
    index = tmp_path / name
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text(json.dumps({"config": {"lang": ["en"]}, key: [{"location": "m/", "text": "logit \\(f_t(x)\\)"}]}))
    plain_search_index(tmp_path)
    written = json.loads(index.read_text())
    assert written[key][0]["text"] == "logit f_t(x)" and written["config"] == {"lang": ["en"]}
