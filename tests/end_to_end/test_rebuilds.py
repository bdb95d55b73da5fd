"""Reproducible, incremental builds; quality gates; the Changes page after retraining."""

import hashlib
import json
import re
import shutil

import numpy as np

import pytest

from tests.helpers.project import copy_project, run_build, tree_digest

pytest.importorskip("tensorflow")

pytestmark = pytest.mark.slow  # every test runs builds

GENERATED = ("index.md", "classes", "misclassified.md", "misclassified", "explorer.md", "trust.md", "changes.md",
             "figures", "data", "manifest.json", "methods")
BUILD_INFO = "methods/how-this-report-was-made.md"  # the one labelled build-information page


def generated_tree(project):
    docs = project / "site_src"
    digests = {}
    for name in GENERATED:
        path = docs / name
        if path.is_file():
            digests[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            digests.update({f"{name}/{k}": v for k, v in tree_digest(path).items()})
    digests.pop(BUILD_INFO, None)
    return digests


TIMED = ("manifest.json", "data/trust.npz", "trust.md", "trust/index.html")
"""Files that hold the trust checks' measured timings (ms per image, seconds of training)."""


def without_timings(path):
    """The bytes of a timed file with its measured timings taken out."""
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as arrays:
            kept = {k: arrays[k] for k in arrays.files  # per method ms_per_image, the training's seconds
                    if not (k.endswith(".ms_per_image") or k == "random_labels.seconds")}
        return repr({k: (v.dtype.str, v.shape, v.tobytes()) for k, v in sorted(kept.items())}).encode()
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        manifest = json.loads(text)
        for method in (manifest.get("trust") or {}).get("methods", {}).values():
            method.pop("ms_per_image")
        if manifest.get("trust"):
            manifest["trust"]["random_labels"].pop("seconds")
        return json.dumps(manifest, sort_keys=True).encode()
    return re.sub(r'<span class="gg-timing"[^>]*>[^<]*</span>', "", text).encode()  # the page marks its timings


def test_two_cold_builds_give_byte_identical_outputs(quick_build, tmp_path):
    first, _ = quick_build
    second = copy_project(tmp_path / "again")
    (second / "decoy.toml").write_bytes((first / "decoy.toml").read_bytes())
    result = run_build(second, "--quick", "--config", "decoy.toml")  # the quick build's own command
    assert result.returncode == 0, result.stderr[-2000:]
    assert "training on" in result.stdout  # a cold cache: the model was trained again
    a, b = generated_tree(first), generated_tree(second)
    assert a.keys() == b.keys()
    timed = {"manifest.json", "data/trust.npz", "trust.md"}
    assert [name for name in a if a[name] != b[name] and name not in timed] == []
    skip = {"sitemap.xml", "sitemap.xml.gz", BUILD_INFO.replace(".md", "/index.html")}
    site_a, site_b = tree_digest(first / "site", skip), tree_digest(second / "site", skip)
    assert [name for name in site_a if site_a[name] != site_b.get(name) and name not in TIMED] == []
    for name in TIMED:  # equal but for the measured timings
        root = "site_src" if name == "trust.md" else "site"
        assert without_timings(first / root / name) == without_timings(second / root / name), name


def test_rebuild_reuses_every_stage_and_says_so(project):
    result = run_build(project, "--quick", "--config", "decoy.toml")  # the quick build's own command
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "model: reusing cached" in out
    assert "attributions: reused" in out
    assert "figures: drawing" not in out
    assert "decoy: reused" in out and "trust: reused" in out and "baselines: reused" in out


def test_page_setting_change_neither_retrains_nor_recomputes(project):
    result = run_build(project, "--quick", "--title", "Another title")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "model: reusing cached" in result.stdout and "attributions: reused" in result.stdout
    assert "Another title" in (project / "site" / "index.html").read_text()


def test_training_setting_change_retrains_and_says_what_changed(project):
    result = run_build(project, "--quick", "--train-subset", "5000")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "training on 5000 images" in result.stdout
    assert "attributions: computing (model changed)" in result.stdout


def test_failed_gate_exits_non_zero_and_leaves_the_site_alone(project):
    before = tree_digest(project / "site")
    result = run_build(project, "--quick", "--min-accuracy", "0.999")
    assert result.returncode == 1
    assert "quality gate failed: test accuracy" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(project / "site") == before
    result = run_build(project, "--quick", "--max-incomplete-share", "0")
    manifest = json.loads((project / "site" / "manifest.json").read_text())
    if manifest["attribution"]["completeness"]["maps_above_tolerance"]:
        assert result.returncode == 1 and "completeness tolerance" in result.stderr
    else:
        assert result.returncode == 0


def test_changes_page_after_retraining_with_another_seed(project, tmp_path):
    previous = tmp_path / "previous-site"
    shutil.copytree(project / "site", previous)
    result = run_build(project, "--quick", "--seed", "1", "--previous", str(previous))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    page = (project / "site_src" / "changes.md").read_text()
    assert "Newly misclassified" in page and "Newly fixed" in page
    shown = sorted((project / "site" / "figures" / "changes").glob("*.svg"))
    assert shown, "no changed image was drawn"
    html = (project / "site" / "changes" / "index.html").read_text()
    for figure in shown:
        assert f"figures/changes/{figure.name}" in html
    assert "Spearman" in page

    result = run_build(project, "--quick", "--seed", "1")  # no --previous: the page and its nav entry go
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert not (project / "site_src" / "changes.md").exists() and not (project / "site" / "changes").exists()
    assert not list((project / "site_src" / "figures" / "changes").glob("*.svg"))
    assert "changes/" not in (project / "site" / "index.html").read_text()
