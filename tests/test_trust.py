"""The trust stage's summary, readings, manifest record and page, on numbers chosen by hand."""

from __future__ import annotations

import dataclasses

import numpy as np

from generator.figures.trust import trust_jobs
from generator.pages.render import render_all
from generator.plumbing.numbers import fixed
from generator.plumbing.records import from_arrays, to_arrays
from generator.pages.trust import absolute_rank_notes, reading, summary_line, trust_context
from generator.stages.evidence_records import trust_record
from generator.stages.similarity import Comparison
from generator.stages.trust import METHOD_KEYS, METRICS, random_other_classes, summarise, trust_sample
from generator.stages.trust_records import (FillEvidence, MethodSanity, OrderCurves, RandomLabelFacts,
                                            TrustEvidence)
from test_pages import TEMPLATES

LAYERS = ("logits", "conv2d_1", "conv2d")
ORDERS = (*METHOD_KEYS, "random", "image_only")


def comparison(level: float, rng: np.random.Generator, shape: tuple[int, ...]) -> Comparison:
    return Comparison(**{m: level + 0.01 * rng.normal(size=shape) for m in METRICS})


def synthetic_evidence(n: int = 30, similar: str = "gradient_x_input", class_blind: str = "saliency") -> TrustEvidence:
    """Per-image numbers where ``similar`` keeps 0.9 similarity under every randomisation and
    ``class_blind`` keeps 0.95 with another class; the others fall to 0.1 (0.3 with another
    class). Integrated Gradients deletes best and inserts best with every fill; the controls sit
    in the middle. Efficient MPRT is +0.2 for every method but ``similar`` (−0.1)."""
    rng = np.random.default_rng(0)
    methods = {}
    for key in METHOD_KEYS:
        level = 0.9 if key == similar else 0.1
        methods[key] = MethodSanity(
            cascade=comparison(level, rng, (len(LAYERS), n)), independent=comparison(level, rng, (len(LAYERS), n)),
            data=comparison(level, rng, (n,)), target=comparison(0.95 if key == class_blind else 0.3, rng, (n,)),
            image_only=comparison(0.4, rng, (n,)), image_only_randomised=comparison(0.7, rng, (n,)),
            both_zero=np.full(n, 0.8 if key == "gradient_x_input" else 0.1),
            entropy_trained=np.full(n, 2.0), entropy_randomised=np.full(n, 1.8 if key == similar else 2.4),
            efficient_mprt=(-0.1 if key == similar else 0.2) + 0.01 * rng.normal(size=n),
            smooth_mprt=level + 0.01 * rng.normal(size=8), ms_per_image=1.5)
    fills = {}
    for fill, points in (("black", 54), ("blur", 54), ("road", 11)):
        curves = {}
        for name in ORDERS:
            deletion = 0.1 if name == "integrated_gradients" else 0.5 if name in ("random", "image_only") else 0.6
            curves[name] = OrderCurves(deletion=np.linspace(10, 0, points) * np.ones((n, 1)),
                                       insertion=np.linspace(0, 10, points) * np.ones((n, 1)),
                                       deletion_area=deletion + 0.01 * rng.normal(size=n),
                                       insertion_area=1 - deletion + 0.01 * rng.normal(size=n))
        fills[fill] = FillEvidence(np.arange(n), np.linspace(0, 1, points), np.full(n, 9.8), np.full(n, 0.5), curves)
    random_labels = RandomLabelFacts("cnn", 500, 3e-3, 32, 60, 15, 0.22, False, 0.08, 20.0)
    return TrustEvidence(
        sample=np.arange(100, 100 + n), faithfulness_sample=np.arange(n), smooth_sample=np.arange(8),
        layers=LAYERS, skipped_layers=("flatten", "dropout"), methods=methods, fills=fills,
        random_labels=random_labels, unreachable_share=0.14,
        grid=rng.normal(size=(len(LAYERS) + 1, len(METHOD_KEYS), 2, 28, 28)), curve_score="logit",
        random_orders=1, smooth_samples=6, smooth_noise=0.1)


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


def test_readings_state_each_measure_and_follow_the_signed_rule():
    trust = summarise(synthetic_evidence(), seed=0)
    lines = {key: reading(key, trust.methods[key], trust) for key in METHOD_KEYS}
    assert "its signed map stays similar (signed Spearman 0.90, SSIM 0.90;" in lines["gradient_x_input"]
    assert "its signed map looks like a random-label network's" in lines["gradient_x_input"]
    assert "its signed map differs from a random-label network's" in lines["gradient"]
    assert "with every layer randomised its signed map changes (signed Spearman 0.10, SSIM 0.10" in lines["gradient"]
    assert "keeps a Spearman correlation of 0.10 over every pixel and 0.10 over its non-zero pixels" in lines["gradient"]
    assert "over its non-zero pixels; its entropy rises (Efficient MPRT 0.20" in lines["gradient"]
    assert "its entropy falls (Efficient MPRT -0.10 [" in lines["gradient_x_input"]
    assert "]): its histogram becomes more concentrated, the opposite of what" in lines["gradient_x_input"]
    assert "Saliency:" in lines["saliency"] and "its map differs from a random-label network's" in lines["saliency"]
    assert ("deletion: beats both controls with the black, blurred and ROAD fills; insertion: beats both controls "
            "with the black, blurred and ROAD fills" in lines["integrated_gradients"])
    assert "deletion: does not beat both controls with any fill" in lines["gradient"]
    assert lines["gradient"].endswith("for a random other class its signed map has a rank similarity of 0.30 and "
                                      "its |map| 0.30.")
    assert lines["saliency"].endswith("for a random other class its map keeps a rank similarity of 0.95.")

    evidence = synthetic_evidence()
    road = evidence.fills["road"].curves
    road["integrated_gradients"] = dataclasses.replace(road["integrated_gradients"],
                                                       deletion_area=road["random"].deletion_area)  # chance, with ROAD
    trust = summarise(evidence, seed=0)
    assert ("deletion: beats both controls with the black and blurred fills; insertion"
            in reading("integrated_gradients", trust.methods["integrated_gradients"], trust))
    assert summary_line(trust).endswith("on deletion these beat both controls: Integrated Gradients with the black "
                                        "and blurred fills; none with the ROAD fill.")


def test_a_stable_magnitude_with_a_changing_sign_shows_both_numbers():
    evidence = synthetic_evidence()
    gradient = evidence.methods["gradient"]
    evidence.methods["gradient"] = dataclasses.replace(gradient, target=dataclasses.replace(
        gradient.target, spearman_abs=np.full(30, 0.85), spearman=np.full(30, -0.1)))
    trust = summarise(evidence, seed=0)
    line = reading("gradient", trust.methods["gradient"], trust)
    assert line.endswith("its signed map has a rank similarity of -0.10 and its |map| 0.85.")
    assert "changes with the class" not in line  # no verdict without a rule


def test_readings_use_the_absolute_rank_for_saliency():
    evidence = synthetic_evidence()
    for key in ("gradient", "saliency"):  # the border layout survives, the signs do not
        cascade = evidence.methods[key].cascade
        evidence.methods[key] = dataclasses.replace(evidence.methods[key], cascade=dataclasses.replace(
            cascade, spearman_abs=np.full_like(cascade.spearman_abs, 0.7)))
    trust = summarise(evidence, seed=0)
    line = reading("gradient", trust.methods["gradient"], trust)
    assert "Gradient: with every layer randomised its signed map changes" in line
    assert ("Saliency: with every layer randomised its map changes only partly (Spearman 0.70 over every pixel, "
            "0.10 over its non-zero pixels; SSIM 0.10)" in reading("saliency", trust.methods["saliency"], trust))


def test_intervals_contain_their_means_and_are_reproducible():
    first, second = summarise(synthetic_evidence(), seed=3), summarise(synthetic_evidence(), seed=3)
    for key in METHOD_KEYS:
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
    for key in METHOD_KEYS:
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
        assert f"{fixed(value.mean)} [{fixed(value.low)}, {fixed(value.high)}]" in page
    assert "| ROAD | 9.80 [9.80, 9.80] | 0.50 [0.50, 0.50] | 30 of 30 |" in page  # the insertion ceiling
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
    assert "not compared with a random-label network (it could not be trained)" in page


def test_samples_and_random_targets_are_seeded():
    assert trust_sample(range(50), 100, 0).tolist() == list(range(50))
    assert trust_sample(range(500), 20, 1).tolist() == trust_sample(range(500), 20, 1).tolist()
    assert len(set(trust_sample(range(500), 20, 1))) == 20
    targets = np.arange(40) % 10
    other = random_other_classes(targets, 10, seed=2)
    assert np.all(other != targets) and np.all((0 <= other) & (other < 10))
    assert np.array_equal(other, random_other_classes(targets, 10, seed=2))


def test_the_home_page_sentence_counts_from_the_same_rules():
    line = summary_line(summarise(synthetic_evidence(), seed=0))
    assert line == ("Of the 6 methods, Gradient, Saliency, SmoothGrad, Integrated Gradients and Expected Gradients change "
                    "when the network's weights are randomised, by the rule on the signed map (the trust page says how "
                    "much of the ranking of |map| stays); on deletion these beat both controls: Integrated Gradients "
                    "with the black, blurred and ROAD fills.")


def test_a_high_absolute_rank_similarity_after_randomisation_is_explained_by_the_numbers():
    notes = absolute_rank_notes(summarise(synthetic_evidence(similar="gradient_x_input"), seed=0))
    assert len(notes) == 1 and notes[0].startswith("Gradient × input: 0.90 over every pixel, 0.90 over the pixels")
    assert "exactly zero on 80% of the pixels" in notes[0] and "wherever the image is black" in notes[0]

    evidence = synthetic_evidence(similar="gradient")
    notes = absolute_rank_notes(summarise(evidence, seed=0))
    assert len(notes) == 1 and "follows the image's edges more closely" in notes[0]  # randomised 0.7 > trained 0.4
    gradient = evidence.methods["gradient"]
    evidence.methods["gradient"] = dataclasses.replace(gradient, image_only_randomised=gradient.image_only)
    assert "cannot say" in absolute_rank_notes(summarise(evidence, seed=0))[0]
