"""The Zensical engine: the same mkdocs.yml and pages, built by Zensical instead of MkDocs.

Unit tests of the runner's pieces (config, nav checks, output parsing, the missing-engine
error), small sites built with Zensical, and one slow test that builds the quick report with
``--engine zensical`` and reads it in Chromium, offline.

What Zensical 0.0.73 cannot do for this site is recorded here as tests, so a new version that
changes it shows up: its strict mode does not fail on a missing image, a nav entry without a page
or a page left out of the nav (the runner checks those itself), and its default look is its own
"modern" theme variant, not Material's.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from generator.publish import zensical as runner
from generator.publish.build import SiteError, build_site
from generator.publish.zensical import nav_problems, zensical_config, zensical_problems
from tests.helpers.sites import small_project

ROOT = Path(__file__).resolve().parents[2]
HAS_ZENSICAL = importlib.util.find_spec("zensical") is not None
needs_zensical = pytest.mark.skipif(not HAS_ZENSICAL, reason='zensical is not installed (pip install -e ".[test]")')

# Zensical 0.0.73's console output for a broken link, colours and all.
WARNING_OUTPUT = (
    "Build started\n"
    "\x1b[33mWarning:\x1b[0m page does not exist\n"
    "   \x1b[38;5;246m╭\x1b[0m\x1b[38;5;246m─\x1b[0m\x1b[38;5;246m[\x1b[0m index.md:3:7 \x1b[38;5;246m]\x1b[0m\n"
    "   \x1b[38;5;246m│\x1b[0m\n"
    "\x1b[33mWarning:\x1b[0m anchor does not exist\n"
    "   \x1b[38;5;246m╭\x1b[0m\x1b[38;5;246m─\x1b[0m\x1b[38;5;246m[\x1b[0m index.md:3:41 \x1b[38;5;246m]\x1b[0m\n"
    "2 issues found\n"
    "RuntimeError: Aborted because --strict flag is set\n"
)


def test_zensical_warnings_become_one_line_each_with_their_location():
    assert zensical_problems(WARNING_OUTPUT) == [
        "index.md:3:7: page does not exist", "index.md:3:41: anchor does not exist"]
    assert zensical_problems("Build started\nBuild finished in 0.8s\nNo issues found\n") == []


def test_the_config_gets_this_builds_overrides_and_leaves_out_pages_not_generated():
    config = zensical_config(ROOT / "mkdocs.yml", {"site_name": "A &amp; B", "site_url": "https://x.example/"},
                             omit_from_nav=("changes.md", "decoy.md"))
    assert config["docs_dir"] == "docs" and config["site_dir"] == "site" and config["strict"] is True
    assert config["site_name"] == "A &amp; B" and config["site_url"] == "https://x.example/"
    pages = runner.nav_pages(config["nav"])
    assert "changes.md" not in pages and "decoy.md" not in pages and "methods/gradient.md" in pages
    assert [p for p in config["plugins"] if (p if isinstance(p, str) else next(iter(p))) != "search"] == [], \
        "the site must need no plugin but search"


def test_nav_entries_without_a_page_and_pages_outside_the_nav_are_problems(tmp_path):
    (tmp_path / "methods").mkdir()
    for page in ("index.md", "methods/a.md", "orphan.md", ".hidden/x.md"):
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text("# t\n")
    config = {"nav": ["index.md", {"Methods": [{"A": "methods/a.md"}, "methods/gone.md"]},
                      {"Paper": "https://example.org/paper"}]}
    assert nav_problems(config, tmp_path) == ["the nav lists methods/gone.md, which does not exist",
                                              "orphan.md is not in the nav"]
    assert nav_problems({"nav": None}, tmp_path) == []


def test_a_missing_zensical_is_one_line_before_any_stage_runs(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(runner, "ZENSICAL_MODULE", "no_such_module_gg")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--engine", "zensical"]) == 1
    assert capsys.readouterr().err.splitlines() == [f"gradient-gallery: error: {runner.NOT_INSTALLED}"]
    assert list(tmp_path.iterdir()) == [], "nothing may be written before the engine is known to work"


def test_an_unknown_engine_is_a_settings_error(capsys):
    assert main(["build", "--engine", "hugo"]) == 1
    assert "setting 'output.engine' must be one of mkdocs, zensical, got 'hugo'" in capsys.readouterr().err


@needs_zensical
def test_a_small_site_builds_with_zensical(tmp_path):
    docs = small_project(tmp_path)
    build_site(tmp_path / "mkdocs.yml", docs, tmp_path / "site", site_name="Title & <i>", engine="zensical")
    site = tmp_path / "site"
    home = (site / "index.html").read_text()
    assert "<title>Home - Title &amp; &lt;i&gt;</title>" in home  # escaped once, as with MkDocs
    assert "javascripts/lightbox.js" in home and (site / "assets" / "vendor" / "glightbox").is_dir()
    maths = (site / "maths" / "index.html").read_text()
    assert maths.count("<math") == 2 and 'class="arithmatex"' not in maths, "formulas typeset after Zensical"
    assert '<div class="gg-formula"><math display="block">' in maths
    assert (site / "figure.png").is_file()
    index = json.loads((site / "search.json").read_text())
    texts = " ".join(item["text"] for item in index["items"])
    assert "f_t(x)" in texts and "\\(" not in texts and "\\int" not in texts
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "work folders left behind"


@needs_zensical
@pytest.mark.parametrize(("index", "problem"), [
    ("# Home\n\n[the maths](mathz.md)\n", "index.md:3:13: page does not exist"),
    ("# Home\n\n[the maths](maths.md#nowhere)\n", "index.md:3:22: anchor does not exist"),
    # Zensical itself builds these without a word; the runner's own checks stop them.
    ("# Home\n\n[the maths](maths.md) ![gone](gone.png)\n", "index.html: gone.png"),
])
def test_a_failed_zensical_build_names_the_problem_and_leaves_the_site_alone(tmp_path, index, problem):
    docs = small_project(tmp_path, index)
    site = tmp_path / "site"
    site.mkdir()
    (site / "old.html").write_text("the published site")
    with pytest.raises(SiteError, match="^Zensical build failed: ") as failure:
        build_site(tmp_path / "mkdocs.yml", docs, site, engine="zensical")
    assert str(failure.value) == f"Zensical build failed: {problem}"
    assert [p.name for p in site.iterdir()] == ["old.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "mkdocs.yml", "site"], "leftovers"


@needs_zensical
def test_zensical_itself_ignores_a_missing_image_and_an_orphan_page(tmp_path):
    """Recorded limitation of Zensical 0.0.73's --strict: why the runner checks these itself."""
    docs = small_project(tmp_path, "# Home\n\n[the maths](maths.md) ![gone](gone.png)\n")
    (docs / "orphan.md").write_text("# Orphan\n")
    config = zensical_config(tmp_path / "mkdocs.yml", {})
    config.update(site_dir="zsite")
    (tmp_path / "raw.yml").write_text(json.dumps(config))
    result = subprocess.run([sys.executable, "-m", "zensical", "build", "-f", str(tmp_path / "raw.yml"), "--strict"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "zsite" / "orphan" / "index.html").is_file()
