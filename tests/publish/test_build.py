"""Site: strict builds, atomic publishing, and the real config building the real pages."""

import dataclasses
import html as html_module
import re
from pathlib import Path

import numpy as np
import pytest
from tests.helpers.project import hand_written_html
from tests.helpers.pages import TEMPLATES, synthetic_inputs  # the same synthetic report, rendered for real

from generator.pages.about import REPORT_BUILD_PAGE
from generator.publish.layout import copy_pages
from generator.figures.mathematics import BASELINE_FIGURE, CONVERGENCE_FIGURE, READING_FIGURE
from generator.pages.changes import PAGE as CHANGES_PAGE
from generator.stages.gallery import absent_misclassified_pages, colour_bar_path, tile_jobs
from generator.figures.trust import trust_jobs
from generator.pages.render import render_all
from generator.pages.trust import trust_context
from generator.stages.trust import summarise
from tests.helpers.trust import synthetic_evidence
from tests.helpers.baselines import LinearScores, published
from generator.figures.baselines import BASELINES_FIGURE
from generator.pages.baselines import PAGE as BASELINES_PAGE
from generator.pages.baselines import TEMPLATE as BASELINES_TEMPLATE
from generator.pages.baselines import baselines_context
from generator.plumbing.settings import AttributionSettings
from generator.stages.baselines import study_maps
from generator.figures.decoy import DECOY_FIGURE
from generator.pages.decoy import PAGE as DECOY_PAGE
from generator.pages.decoy import TEMPLATE as DECOY_TEMPLATE
from generator.pages.decoy import decoy_context
from tests.helpers.decoy import synthetic_decoy
from generator.pages.report import report_pages
from generator.publish.build import SiteError, without_pages, build_site, site_config
from generator.publish.images import missing_images, referenced_images

ROOT = Path(__file__).resolve().parents[2]
# A 1×1 PNG; MkDocs only checks that linked files exist.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
CONFIG = """\
site_name: Test site
theme: {name: mkdocs}
strict: true
validation:
  omitted_files: warn
  absolute_links: warn
  unrecognized_links: warn
  links: {not_found: warn, anchors: warn}
"""


@pytest.fixture
def project(tmp_path):
    """A minimal config and docs dir: one page showing one image that exists."""
    (tmp_path / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    docs = tmp_path / "docs"
    (docs / "figures").mkdir(parents=True)
    (docs / "figures" / "pic.png").write_bytes(TINY_PNG)
    (docs / "index.md").write_text("# Home\n\n![a picture](figures/pic.png)\n", encoding="utf-8")
    return tmp_path


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".building-" in p.name or ".old-" in p.name)


def test_build_publishes_a_site_whose_images_all_exist(project):
    site = project / "site"
    build_site(project / "mkdocs.yml", project / "docs", site)
    assert (site / "index.html").is_file()
    assert [src for html, src in referenced_images(site) if html == site / "index.html"] == ["figures/pic.png"]
    assert missing_images(site) == []
    assert _leftovers(project) == []


def test_failed_build_leaves_the_published_site_byte_for_byte(project):
    site = project / "site"
    build_site(project / "mkdocs.yml", project / "docs", site)
    before = _snapshot(site)
    (project / "docs" / "index.md").write_text("# Home\n\n![gone](figures/missing.png)\n", encoding="utf-8")
    with pytest.raises(SiteError, match="missing.png") as failure:
        build_site(project / "mkdocs.yml", project / "docs", site)
    assert "\n" not in str(failure.value)
    assert any("missing.png" in warning for warning in failure.value.warnings)
    assert _snapshot(site) == before
    assert _leftovers(project) == []


def test_a_new_build_replaces_the_old_site_entirely(project):
    site = project / "site"
    build_site(project / "mkdocs.yml", project / "docs", site)
    (site / "stale.html").write_text("<img src='nowhere.png'>", encoding="utf-8")
    assert missing_images(site) == ["stale.html: nowhere.png"]
    build_site(project / "mkdocs.yml", project / "docs", site, site_name="Renamed")
    assert not (site / "stale.html").exists()
    assert "Renamed" in (site / "index.html").read_text(encoding="utf-8")
    assert _leftovers(project) == []


def test_an_invalid_config_is_a_site_error(project):
    (project / "mkdocs.yml").write_text(CONFIG + "unknown_option: 1\n", encoding="utf-8")
    with pytest.raises(SiteError, match="unknown_option"):
        build_site(project / "mkdocs.yml", project / "docs", project / "site")
    assert not (project / "site").exists()
    assert _leftovers(project) == []


def test_remote_images_count_as_missing(tmp_path):
    (tmp_path / "page.html").write_text('<img src="https://example.org/x.png"><img src="data:image/png;base64,AA">')
    assert missing_images(tmp_path) == ["page.html: https://example.org/x.png"]


def write_figures(docs: Path, *paths: str) -> None:
    """A stand-in image at each figure's path, and at its dark variant's for an SVG figure."""
    from generator.figures.theme import dark_path

    for path in paths:
        for name in ([path, dark_path(path)] if path.endswith(".svg") else [path]):
            (docs / name).parent.mkdir(parents=True, exist_ok=True)
            (docs / name).write_bytes(TINY_PNG)


def test_the_project_config_builds_the_generated_pages_strictly(tmp_path):
    """mkdocs.yml + templates + hand-written pages: no broken link, anchor, image or raw HTML."""
    docs = tmp_path / "docs"
    copy_pages(ROOT / "site_src", docs)  # the hand-written pages only
    hand_written = hand_written_html(docs)
    # What the mathematics stage generates for the Methods pages (tests/stages/test_measure_mathematics.py checks it).
    write_figures(docs, CONVERGENCE_FIGURE, BASELINE_FIGURE, READING_FIGURE)
    (docs / REPORT_BUILD_PAGE).write_text("# How this report was made\n\n## Settings\n\n## Quadrature convergence\n\n"
                                          "### Expected Gradients draws\n")
    hostile = "</title><script>alert(1)</script>"
    inputs = dataclasses.replace(synthetic_inputs(class_names=(hostile, *(str(k) for k in range(1, 10))),
                                                   title="<b>Report</b>"), repository="https://github.com/owner/repo")
    tiles = [path for path, _, _ in tile_jobs(inputs.gallery)] + [colour_bar_path(m.key) for m in inputs.gallery.methods]
    write_figures(docs, *tiles, inputs.confusion_figure, inputs.curves_figure)
    trust = summarise(synthetic_evidence(), seed=0)
    write_figures(docs, *(job.path for job in trust_jobs(trust)))
    pages = report_pages(inputs)
    pages["trust.md"] = ("trust.md.j2", trust_context(trust))
    study = study_maps(LinearScores(), published(), [0, 1, 2], [0, 2, 0], 0,
                       np.full((6, 6, 1), 0.25, np.float32), np.zeros((2, 6, 6, 1), np.float32),
                       AttributionSettings(steps=2, expected_gradients_samples=4), seed=0)
    pages[BASELINES_PAGE] = (BASELINES_TEMPLATE, baselines_context(study, inputs.class_names, 7, mnist=False))
    write_figures(docs, BASELINES_FIGURE)
    decoy = synthetic_decoy(n=5)
    pages[DECOY_PAGE] = (DECOY_TEMPLATE, decoy_context(decoy, mismatched=0.5, mnist=False))
    pages["trust.md"] = ("trust.md.j2", trust_context(trust, DECOY_PAGE))
    write_figures(docs, DECOY_FIGURE)
    render_all(pages, TEMPLATES, docs)  # no previous report: no Changes page, and none in the nav
    site = tmp_path / "site"
    build_site(ROOT / "mkdocs.yml", docs, site, site_name="<b>Gallery</b>",
               omit_from_nav=(CHANGES_PAGE, *absent_misclassified_pages(inputs.gallery, 10)),
               site_url="https://owner.github.io/repo/")

    assert missing_images(site) == []
    pages = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}
    assert {"index.html", "methods/index.html", "misclassified/index.html", "classes/class-0/index.html"} <= set(pages)
    for name, html in pages.items():
        assert "<script>alert" not in html and "<b>" not in html, name
        assert "fonts.googleapis" not in html and 'src="https://' not in html, name
    assert 'id="test-00005"' in pages["misclassified/true-4/index.html"]
    assert 'href="true-4/"' in pages["misclassified/index.html"]  # the index links each true class's page
    assert 'loading="lazy"' in pages["classes/class-3/index.html"]
    # The explorer's links reach the rows' anchors, as MkDocs writes URLs.
    assert 'href="../misclassified/true-4/#test-00005"' in pages["explorer/index.html"]
    assert 'src="../../figures/tiles/00130-input.webp"' in pages["classes/class-3/index.html"]
    assert not (site / "changes").exists()
    assert "Can these maps be trusted?" in pages["trust/index.html"]
    assert "Choosing a baseline" in pages["methods/baselines/index.html"]
    assert "finds the decoy" in pages["decoy/index.html"] and 'href="../decoy/"' in pages["trust/index.html"]
    assert 'href="/repo/assets/stylesheets/' in pages["404.html"]  # styled from any folder on GitHub Pages
    assert not any('href="changes/' in html or 'href="../changes/' in html for html in pages.values())
    # The repository: linked from the model card only (the theme's header widget would call the
    # GitHub API from every page); no edit links.
    assert not any('class="md-source"' in html for html in pages.values())
    assert '<td><a href="https://github.com/owner/repo">https://github.com/owner/repo</a></td>' in pages["index.html"]
    assert not any("Edit this page" in html for html in pages.values())
    # The data is not MNIST here (mnist=False, a dataset called "bars"): no generated page speaks of digits.
    assert "classifies the images of bars (28×28 grayscale images in 10 classes" in html_module.unescape(pages["index.html"])
    for name in set(pages) - hand_written:
        assert not re.search("digit|handwritten|mnist", pages[name], re.IGNORECASE), name


def test_the_config_gets_the_site_url_only_when_one_is_given(tmp_path):
    url = "https://owner.github.io/repo/"
    assert site_config(ROOT / "mkdocs.yml", ROOT / "site_src", tmp_path / "site", site_url=url)["site_url"] == url
    assert not site_config(ROOT / "mkdocs.yml", ROOT / "site_src", tmp_path / "site")["site_url"]


def test_pages_not_generated_are_left_out_of_the_nav_and_empty_sections_with_them(tmp_path):
    config = site_config(ROOT / "mkdocs.yml", ROOT / "site_src", tmp_path / "site", omit_from_nav=(CHANGES_PAGE,))
    titles = [next(iter(item)) if isinstance(item, dict) else item for item in config["nav"]]
    assert "Changes" not in titles and {"Report", "Classes", "Misclassified", "Methods"} <= set(titles)
    assert titles == [t for t in (next(iter(i)) if isinstance(i, dict) else i
                                  for i in site_config(ROOT / "mkdocs.yml", ROOT / "site_src", tmp_path / "site")["nav"])
                      if t != "Changes"]
    nested = [{"A": [{"x": "gone.md"}]}, {"B": ["kept.md", "gone.md"]}, "gone.md"]
    assert without_pages(nested, {"gone.md"}) == [{"B": ["kept.md"]}]


def test_a_site_url_reaches_the_sitemap_and_the_404_page(project):
    site = project / "site"
    build_site(project / "mkdocs.yml", project / "docs", site, site_url="https://owner.github.io/repo/")
    assert "<loc>https://owner.github.io/repo/</loc>" in (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "/repo/" in (site / "404.html").read_text(encoding="utf-8")
