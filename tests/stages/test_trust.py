"""The trust stage's summary, readings, manifest record and page, on numbers chosen by hand."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from generator.figures.trust import trust_jobs
from generator.pages.render import render_all
from generator.plumbing.numbers import fixed
from generator.plumbing.records import from_arrays, to_arrays
from generator.pages.trust import summary_line, trust_context
from generator.stages.evidence_records import trust_record
from generator.stages.similarity import Comparison
from generator.methods import keys
from generator.stages.trust import METRICS, random_other_classes, summarise, trust_sample
from generator.stages.trust_records import RandomLabelFacts, TrustEvidence
from generator.stages.trust_rules import FAIL, INCONCLUSIVE, PASS, RULES, trust_verdicts
from tests.helpers.pages import TEMPLATES
from tests.helpers.trust import (LAYERS, ORDERS, check_every_verdict, check_home_line, page_verdicts,
                                 published_verdicts, synthetic_evidence)


def test_the_evidence_round_trips_through_the_flat_arrays_exactly():
    evidence = synthetic_evidence()
    arrays = to_arrays(evidence)
    assert "methods.gradient.cascade.spearman_abs_support" in arrays
    assert "fills.road.curves.random.deletion_area" in arrays and "randomisation_skipped" not in arrays
    assert arrays["methods.gradient.cascade.ssim"].shape == (len(LAYERS), 30)
    back = from_arrays(TrustEvidence, arrays)
    assert back.layers == LAYERS and back.curve_score == "logit" and back.randomisation_skipped is None
    assert back.random_labels == evidence.random_labels and back.unreachable_share == 0.14
    assert list(back.fills) == ["black", "blur", "road"] and list(back.fills["road"].curves) == list(ORDERS)
    np.testing.assert_array_equal(back.methods["smoothgrad"].independent.spearman,
                                  evidence.methods["smoothgrad"].independent.spearman)
    assert summarise(back, seed=0).methods == summarise(evidence, seed=0).methods


def test_verdicts_follow_the_rules_on_hand_chosen_numbers():
    trust = summarise(synthetic_evidence(), seed=0)
    verdicts = trust_verdicts(trust)
    for key in keys():  # every map changes: 0.1 or 0.9 against 1
        assert verdicts[key].model_randomisation.verdict == verdicts[key].data_randomisation.verdict == PASS, key
        assert verdicts[key].model_randomisation.images == 30
        expected = PASS if key == "integrated_gradients" else FAIL  # 0.1 or 0.6 against about 0.5
        for direction in ("deletion", "insertion"):
            assert {j.verdict for j in getattr(verdicts[key], direction).values()} == {expected}, (key, direction)

    evidence = synthetic_evidence()
    road = evidence.fills["road"].curves
    road["integrated_gradients"] = dataclasses.replace(road["integrated_gradients"],
                                                       deletion_area=road["random"].deletion_area)  # chance, with ROAD
    gradient = evidence.methods["gradient"]
    unchanged = dataclasses.replace(gradient.cascade, spearman_abs_support=np.ones_like(gradient.cascade.ssim))
    evidence.methods["gradient"] = dataclasses.replace(gradient, cascade=unchanged, data=dataclasses.replace(
        gradient.data, spearman_abs_support=np.full(30, np.nan)))  # the same map; a map with nothing to rank
    verdicts = trust_verdicts(summarise(evidence, seed=0))
    assert verdicts["integrated_gradients"].deletion["road"].verdict in (INCONCLUSIVE, FAIL)
    assert verdicts["integrated_gradients"].deletion["road"].control_name in ("random", "image_only")
    assert verdicts["gradient"].model_randomisation.verdict == FAIL  # the whole interval at 1
    data = verdicts["gradient"].data_randomisation
    assert data.verdict == FAIL and data.images == 0  # nothing to measure


def test_the_control_is_the_better_model_free_order_on_each_fill():
    evidence = synthetic_evidence()
    for fill, better in (("black", "random"), ("blur", "image_only")):
        curves = evidence.fills[fill].curves
        worse = "image_only" if better == "random" else "random"
        curves[worse] = dataclasses.replace(curves[worse], deletion_area=curves[worse].deletion_area + 0.2,
                                            insertion_area=curves[worse].insertion_area - 0.2)
    verdicts = trust_verdicts(summarise(evidence, seed=0))["gradient"]
    assert verdicts.deletion["black"].control_name == verdicts.insertion["black"].control_name == "random"
    assert verdicts.deletion["blur"].control_name == verdicts.insertion["blur"].control_name == "image_only"


def test_random_target_has_numbers_and_no_verdict(tmp_path):
    evidence = synthetic_evidence()
    gradient = evidence.methods["gradient"]
    evidence.methods["gradient"] = dataclasses.replace(gradient, target=dataclasses.replace(
        gradient.target, spearman_abs=np.full(30, 0.85), spearman=np.full(30, -0.1)))
    trust = summarise(evidence, seed=0)
    assert "random_target" not in trust_record(trust)["methods"]["gradient"]["verdicts"]
    render_all({"trust.md": ("trust.md.j2", trust_context(trust))}, TEMPLATES, tmp_path)
    page = (tmp_path / "trust.md").read_text(encoding="utf-8")
    assert "| Gradient | -0.10 [-0.10,\u00a0-0.10] | 0.85 [0.85,\u00a00.85] |" in page
    assert "\n- Gradient: " not in page  # numbers only: no reading of them without a rule


def test_intervals_contain_their_means_and_are_reproducible():
    first, second = summarise(synthetic_evidence(), seed=3), summarise(synthetic_evidence(), seed=3)
    for key in keys():
        method = first.methods[key]
        for value in (*(step.ssim for step in method.cascade), method.areas.deletion["road"], method.smooth_mprt):
            assert value.low <= value.mean <= value.high
    assert first.methods == second.methods
    assert first.ends["black"].usable == 30 and abs(first.ends["road"].image_score.mean - 9.8) < 1e-9


def test_manifest_record_has_every_published_key():
    record = trust_record(summarise(synthetic_evidence(), seed=0))
    assert record["sample"] == list(range(100, 130)) and record["curve_score"] == "logit"
    assert set(record["fills"]) == {"black", "blur", "road"}
    assert abs(record["fills"]["black"]["image_score"]["mean"] - 9.8) < 1e-9
    for key in keys():
        method = record["methods"][key]
        assert method["randomisation"]["layers"] == list(LAYERS)
        for metric in METRICS:
            assert len(method["randomisation"][metric]) == len(LAYERS)
            assert len(method["randomisation"]["independent"][metric]) == len(LAYERS)
        assert set(method["randomisation"]["intervals"]["spearman_abs_support"][0]) == {"mean", "low", "high"}
        for which in ("smooth", "efficient"):
            assert set(method["mprt"][which]) == {"mean", "low", "high"}
        assert set(method["data_randomisation"]) == set(method["random_target"]) == set(METRICS)
        assert set(method["random_target"]["spearman"]) == {"mean", "low", "high"}
        for area in ("deletion_auc", "insertion_auc"):
            assert set(method[area]) == {"black", "blur", "road"}
            assert set(method[area]["road"]) == {"mean", "low", "high"}
        assert method["ms_per_image"] == 1.5
    for control in ("random", "image_only"):
        assert set(record["controls"][control]["insertion_auc"]) == {"black", "blur", "road"}
    assert record["random_labels"]["architecture"] == "cnn" and record["random_labels"]["skipped"] is None
    assert record["rules"] == RULES and set(RULES) >= {"model_randomisation", "deletion", "random_target"}
    for key in keys():
        verdicts = record["methods"][key]["verdicts"]
        assert set(verdicts) == {"model_randomisation", "data_randomisation", "deletion", "insertion"}
        assert set(verdicts["deletion"]) == set(verdicts["insertion"]) == {"black", "blur", "road"}
        assert verdicts["model_randomisation"] in (PASS, FAIL, INCONCLUSIVE)
        basis = record["methods"][key]["verdict_basis"]["deletion"]["road"]
        assert set(basis) == {"verdict", "effect", "control", "control_name", "images"}


def test_the_page_states_every_method_and_control_with_its_numbers(tmp_path):
    trust = summarise(synthetic_evidence(), seed=0)
    render_all({"trust.md": ("trust.md.j2", trust_context(trust))}, TEMPLATES, tmp_path)
    page = (tmp_path / "trust.md").read_text(encoding="utf-8")
    for title in ("Gradient", "Saliency", "Gradient × input", "SmoothGrad", "Integrated Gradients",
                  "random order (control)", "edge order, no model (control)"):
        assert f"| {title} |" in page or f"| *{title}* |" in page, title
    ig = trust.methods["integrated_gradients"]
    for value in (ig.areas.deletion["road"], ig.areas.insertion["blur"], ig.smooth_mprt, ig.efficient_mprt,
                  ig.cascade[-1].spearman_abs_support, ig.random_target.spearman):
        assert f"{fixed(value.mean)} [{fixed(value.low)},\u00a0{fixed(value.high)}]" in page  # wraps whole
    assert "| ROAD | 9.80 [9.80,\u00a09.80] | 0.50 [0.50,\u00a00.50] | 30 of 30 |" in page  # the insertion ceiling
    assert "fits 22.0% of its\nrandom training labels: the epoch budget ran out before 90%" in page
    assert len(trust_jobs(trust)) == 4  # two cascade grids, the similarity curves, the faithfulness curves


def test_a_skipped_data_randomisation_is_said_on_the_page(tmp_path):
    evidence = synthetic_evidence()
    nan = np.full(30, np.nan)
    evidence = dataclasses.replace(evidence, random_labels=RandomLabelFacts(
        "clone", 500, 3e-3, 32, 60, 0, float("nan"), False, float("nan"), 0.0,
        skipped="the model has no trainable weights, so training on random labels could not change it"),
        methods={k: dataclasses.replace(m, data=Comparison(nan, nan, nan, nan)) for k, m in evidence.methods.items()})
    trust = summarise(evidence, seed=0)
    render_all({"trust.md": ("trust.md.j2", trust_context(trust))}, TEMPLATES, tmp_path)
    page = (tmp_path / "trust.md").read_text(encoding="utf-8")
    assert "Not run for this model: the model has no trainable weights" in page
    assert "| Gradient | **pass**<br>0.10 [0.10,\u00a00.10] | not run |" in page
    assert page_verdicts(page)["Gradient"]["data_randomisation"] is None
    assert trust_record(trust)["methods"]["gradient"]["verdicts"]["data_randomisation"] is None


def test_samples_and_random_targets_are_seeded():
    every = trust_sample(range(50), 100, 0)  # all of them, in a seeded order (any prefix is a random sample)
    assert sorted(every.tolist()) == list(range(50)) and every.tolist() != list(range(50))
    assert trust_sample(range(500), 20, 1).tolist() == trust_sample(range(500), 100, 1)[:20].tolist()
    assert trust_sample(range(500), 20, 1).tolist() == trust_sample(range(500), 20, 1).tolist()
    assert len(set(trust_sample(range(500), 20, 1))) == 20
    targets = np.arange(40) % 10
    other = random_other_classes(targets, 10, seed=2)
    assert np.all(other != targets) and np.all((0 <= other) & (other < 10))
    assert np.array_equal(other, random_other_classes(targets, 10, seed=2))


def test_the_home_page_sentence_counts_from_the_same_rules():
    line = summary_line(summarise(synthetic_evidence(), seed=0))
    assert line == ("Verdicts for the 6 methods by the rules the trust page states before its results: model "
                    "randomisation, pass for all 6; data randomisation, pass for all 6; deletion with the black, "
                    "blurred and ROAD fills, pass for Integrated Gradients, fail for Gradient, Saliency, Gradient × "
                    "input, SmoothGrad and Expected Gradients; insertion with the black, blurred and ROAD fills, pass "
                    "for Integrated Gradients, fail for Gradient, Saliency, Gradient × input, SmoothGrad and Expected "
                    "Gradients. A pass on randomisation says that a map depends on the learned weights, not how much.")


def test_what_two_maps_share_without_the_weights_is_shown_as_numbers(tmp_path):
    trust = summarise(synthetic_evidence(similar="gradient_x_input"), seed=0)
    render_all({"trust.md": ("trust.md.j2", trust_context(trust))}, TEMPLATES, tmp_path)
    page = (tmp_path / "trust.md").read_text(encoding="utf-8")
    assert "14% of the pixel positions have a\ngradient of exactly zero" in page
    assert "| Gradient × input | 80% | 0.40 | 0.70 |" in page and "| Saliency | 10% | 0.40 | 0.70 |" in page


# ---- every verdict, re-derived from what the manifest publishes (tests/helpers/trust.py; also run on a real
# ---- build by tests/end_to_end/test_quick_build.py) --------------------------------------------------

def test_the_methods_page_states_every_rule_in_the_words_the_report_prints():
    from pathlib import Path

    text = " ".join((Path(__file__).parents[2] / "site_src" / "methods" / "trust-checks.md").read_text(
        encoding="utf-8").split())
    for key, words in RULES.items():
        assert words in text, key
        assert not set(words) & set("*_|[]<>`#\\"), key  # plain prose, the same in Markdown as in the manifest


def test_every_verdict_is_re_derived_from_the_manifest_and_shown_on_the_page(tmp_path):
    from generator.stages.manifest import finite_or_none

    evidence = synthetic_evidence()
    road = evidence.fills["road"].curves
    road["gradient"] = dataclasses.replace(road["gradient"], deletion_area=road["random"].deletion_area)  # inconclusive
    trust = summarise(evidence, seed=0)
    record = json.loads(json.dumps(finite_or_none(trust_record(trust)), allow_nan=False))  # as published
    render_all({"trust.md": ("trust.md.j2", trust_context(trust))}, TEMPLATES, tmp_path)
    page = (tmp_path / "trust.md").read_text(encoding="utf-8")
    check_every_verdict(record, page)
    check_home_line(record, summary_line(trust))
    assert {v for m in published_verdicts(record).values() for v in m.values()} == {PASS, FAIL, INCONCLUSIVE}
