"""Synthetic trust evidence, and the checks that a trust record's verdicts follow the rules from
its own numbers and that the trust and home pages show them (run on synthetic and on built reports)."""

from __future__ import annotations

import re

import numpy as np

from generator.figures.trust import title
from generator.pages.trust import grouped
from generator.stages.intervals import Interval
from generator.stages.similarity import Comparison
from generator.methods import keys
from generator.stages.trust import METRICS
from generator.stages.trust_records import FillEvidence, MethodSanity, OrderCurves, RandomLabelFacts, TrustEvidence
from generator.stages.trust_rules import LOWER_IS_BETTER, NO_CHANGE, RULES, better_control, judge


LAYERS = ("logits", "conv2d_1", "conv2d")
ORDERS = (*keys(), "random", "image_only")


def comparison(level: float, rng: np.random.Generator, shape: tuple[int, ...]) -> Comparison:
    return Comparison(**{m: level + 0.01 * rng.normal(size=shape) for m in METRICS})


def synthetic_evidence(n: int = 30, similar: str = "gradient_x_input", class_blind: str = "saliency") -> TrustEvidence:
    """Per-image numbers where ``similar`` keeps 0.9 similarity under every randomisation and
    ``class_blind`` keeps 0.95 with another class; the others fall to 0.1 (0.3 with another
    class). Integrated Gradients deletes best and inserts best with every fill; the controls sit
    in the middle. Efficient MPRT is +0.2 for every method but ``similar`` (−0.1)."""
    rng = np.random.default_rng(0)
    methods = {}
    for key in keys():
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
        grid=rng.normal(size=(len(LAYERS) + 1, len(keys()), 2, 28, 28)), curve_score="logit",
        random_orders=1, smooth_samples=6, smooth_noise=0.1, similarity_target=0.05, similarity_half_width=0.03,
        sanity_maximum=n)


# ---- every verdict, re-derived from what the manifest publishes -----------------------------------------

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


def check_home_line(record: dict, line: str) -> None:
    """The home page's line names, for every check and fill, the methods by their published verdicts."""
    published = published_verdicts(record)
    verdicts = {key: published[key] for key in keys()}  # the page's order (the manifest's keys are sorted)
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
