"""The trust stage's summary, readings, manifest record and page, on numbers chosen by hand."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np

from generator.figures.trust import title, trust_jobs
from generator.pages.render import render_all
from generator.plumbing.numbers import fixed
from generator.plumbing.records import from_arrays, to_arrays
from generator.stages.intervals import Interval
from generator.pages.trust import grouped, summary_line, trust_context
from generator.stages.evidence_records import trust_record
from generator.stages.similarity import Comparison
from generator.stages.trust import METHOD_KEYS, METRICS, random_other_classes, summarise, trust_sample
from generator.stages.trust_records import (FillEvidence, MethodSanity, OrderCurves, RandomLabelFacts,
                                            TrustEvidence)
from generator.stages.trust_rules import (FAIL, INCONCLUSIVE, LOWER_IS_BETTER, NO_CHANGE, PASS, RULES, better_control,
                                          judge, trust_verdicts)
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
        fills[fill] = FillEvidence(np.arange(n), np.linspace(0, 1, points), np.full(n, 9.8), np.full(n, 0.5), curves,
                                   0.05, n, 0.04)
    random_labels = RandomLabelFacts("cnn", 500, 3e-3, 32, 60, 15, 0.22, False, 0.08, 20.0)
    return TrustEvidence(
        sample=np.arange(100, 100 + n), faithfulness_sample=np.arange(n), smooth_sample=np.arange(8),
        layers=LAYERS, skipped_layers=("flatten", "dropout"), methods=methods, fills=fills,
        random_labels=random_labels, unreachable_share=0.14,
        grid=rng.normal(size=(len(LAYERS) + 1, len(METHOD_KEYS), 2, 28, 28)), curve_score="logit",
        random_orders=1, smooth_samples=6, smooth_noise=0.1, similarity_target=0.05, similarity_half_width=0.03,
        sanity_maximum=n)


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
    for key in METHOD_KEYS:  # every map changes: 0.1 or 0.9 against 1
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
    assert record["rules"] == RULES and set(RULES) >= {"model_randomisation", "deletion", "random_target"}
    for key in METHOD_KEYS:
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


# ---- every verdict, re-derived from what the manifest publishes (also run on a real build by
# ---- tests/test_end_to_end.py) --------------------------------------------------------------

def _interval(value: dict | None) -> Interval:
    value = value or {}
    return Interval(*(np.nan if value.get(k) is None else float(value[k]) for k in ("mean", "low", "high")))


def rederived_verdicts(record: dict) -> dict[str, dict[str, str | None]]:
    """Every verdict of the ``trust`` manifest object, re-derived with :func:`judge` from the
    numbers it publishes where the page shows them (the randomisation intervals, the areas, the
    controls' areas); the basis is read only for the count of images each effect is defined for.
    Checks that each published basis is those numbers. Keys: "model_randomisation", …,
    "deletion, black", …"""
    derived = {}
    for key, method in record["methods"].items():
        basis, mine = method["verdict_basis"], {}
        skipped = record["randomisation_skipped"] is not None
        checks = (("model_randomisation", None if skipped else
                   method["randomisation"]["intervals"]["spearman_abs_support"][-1]),
                  ("data_randomisation", None if record["random_labels"]["skipped"] else
                   method["data_randomisation"]["spearman_abs_support"]))
        for check, published in checks:
            if published is None:
                assert basis[check]["images"] == 0
                mine[check] = None
                continue
            effect = _interval(published)
            assert _interval(basis[check]["effect"]) == effect or np.isnan(effect.mean), (key, check)
            assert basis[check]["control"] == NO_CHANGE.to_dict() and basis[check]["control_name"] == "no_change"
            mine[check] = judge(effect, NO_CHANGE, basis[check]["images"], lower_is_better=True)
        for direction in ("deletion", "insertion"):
            for fill in record["fills"]:
                controls = {name: _interval(c[f"{direction}_auc"][fill]) for name, c in record["controls"].items()}
                name, control = better_control(controls, LOWER_IS_BETTER[direction])
                images = basis[direction][fill]["images"]
                assert images == record["fills"][fill]["images_with_areas"], (key, direction, fill)
                assert basis[direction][fill]["control_name"] == name, (key, direction, fill)
                mine[f"{direction}, {fill}"] = judge(_interval(method[f"{direction}_auc"][fill]), control, images,
                                                     LOWER_IS_BETTER[direction])
        derived[key] = mine
    return derived


def published_verdicts(record: dict) -> dict[str, dict[str, str | None]]:
    """The manifest's own verdicts, keyed as :func:`rederived_verdicts`."""
    def flat(verdicts: dict) -> dict[str, str | None]:
        return {**{c: verdicts[c] for c in ("model_randomisation", "data_randomisation")},
                **{f"{d}, {fill}": v for d in ("deletion", "insertion") for fill, v in verdicts[d].items()}}

    return {key: flat(method["verdicts"]) for key, method in record["methods"].items()}


def page_verdicts(page: str) -> dict[str, dict[str, str | None]]:
    """The verdicts of the trust page's method card, read from its Markdown tables, keyed by
    method title as :func:`rederived_verdicts`; "not run" as None."""
    found: dict[str, dict[str, str | None]] = {}
    headers = {"Model randomisation": "model_randomisation", "Data randomisation": "data_randomisation"}
    header: list[str] = []
    for line in page.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if not cells or set(cells[0]) <= set("-:"):
            header = header if cells else []
            continue
        if cells[0] == "Method":
            header = cells
            continue
        if not header or cells[0].startswith("*"):
            continue
        for heading, cell in zip(header[1:], cells[1:]):
            check = headers.get(heading)
            if check is None and heading.endswith(" fill") and ": " in heading:
                direction, fill = heading.removesuffix(" fill").split(": ")
                check = f"{direction.lower()}, {dict(black='black', blurred='blur', ROAD='road')[fill]}"
            if check is not None:
                verdict = re.match(r"\*\*(\w+)\*\*<br>|not run$", cell)
                assert verdict, (cells[0], heading, cell)
                found.setdefault(cells[0], {})[check] = verdict.group(1)
    return found


def check_every_verdict(record: dict, page: str) -> None:
    """The manifest's verdicts are the rules' on its own numbers, and the page shows the same."""
    derived = rederived_verdicts(record)
    assert published_verdicts(record) == derived
    assert page_verdicts(page) == {title(key): verdicts for key, verdicts in derived.items()}
    assert record["rules"] == RULES
    first_result = page.index("## Method card")
    for words in RULES.values():
        assert 0 <= page.find(words) < first_result, words[:60]  # every rule in full, before any result


def test_the_methods_page_states_every_rule_in_the_words_the_report_prints():
    from pathlib import Path

    text = " ".join((Path(__file__).parents[1] / "site_src" / "methods" / "trust-checks.md").read_text(
        encoding="utf-8").split())
    for key, words in RULES.items():
        assert words in text, key
        assert not set(words) & set("*_|[]<>`#\\"), key  # plain prose, the same in Markdown as in the manifest


def check_home_line(record: dict, line: str) -> None:
    """The home page's line names, for every check and fill, the methods by their published verdicts."""
    published = published_verdicts(record)
    verdicts = {key: published[key] for key in METHOD_KEYS}  # the page's order (the manifest's keys are sorted)
    for check in ("model_randomisation", "data_randomisation"):
        skipped = (record["randomisation_skipped"] if check == "model_randomisation"
                   else record["random_labels"]["skipped"]) is not None
        said = "not run (" if skipped else grouped({key: v[check] for key, v in verdicts.items()})
        assert f"{check.replace('_', ' ')}, {said}" in line, check
    for direction in ("deletion", "insertion"):
        for fill, name in (("black", "black"), ("blur", "blurred"), ("road", "ROAD")):
            clause = re.search(rf"{direction} with the ([^;]*\b{name}\b[^;]*?) fills?, ([^;.]*)", line)
            assert clause, (direction, fill)
            assert clause.group(2) == grouped({key: v[f"{direction}, {fill}"] for key, v in verdicts.items()})


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
