"""The manifest's objects for the evidence sections: the baseline study, the trust checks and the
decoy check, each as plain JSON-ready values (see :func:`generator.stages.manifest.build_manifest`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.methods import EXPECTED_GRADIENTS
from generator.plumbing.numbers import significant
from generator.stages.baselines import COLUMNS as BASELINE_COLUMNS
from generator.stages.baselines import BaselineStudy
from generator.stages.decoy import CORNERS, Decoy
from generator.stages.trust import Trust


def trust_record(trust: Trust) -> dict[str, Any]:
    """The ``trust`` object of the manifest: the rules in words (``rules``); the samples and, per
    method and control, the numbers shown on the trust page, each measured one as ``{mean, low,
    high}`` (95% bootstrap interval) unless it is a list of per-layer means; per method the
    ``verdicts`` ("pass", "fail", "inconclusive", or None for a check that did not run; deletion and
    insertion per fill) and the ``verdict_basis`` each rests on (effect, control, the control's
    name and the images the effect is defined for), from :mod:`generator.stages.trust_rules`."""
    from dataclasses import asdict

    from generator.stages.similarity import METRICS
    from generator.stages.trust_rules import RULES, trust_verdicts

    def similarities(values: Any) -> dict[str, dict[str, float]]:
        return {m: getattr(values, m).to_dict() for m in METRICS}

    def per_layer(steps: Any) -> dict[str, Any]:
        return {**{m: [getattr(step, m).mean for step in steps] for m in METRICS},
                "intervals": {m: [getattr(step, m).to_dict() for step in steps] for m in METRICS}}

    def areas(values: dict[str, Any]) -> dict[str, dict[str, float]]:
        return {fill: value.to_dict() for fill, value in values.items()}

    def judged(verdicts: Any, read: Any) -> dict[str, Any]:
        return {"model_randomisation": read(verdicts.model_randomisation),
                "data_randomisation": read(verdicts.data_randomisation),
                **{direction: {fill: read(j) for fill, j in getattr(verdicts, direction).items()}
                   for direction in ("deletion", "insertion")}}

    evidence = trust.evidence
    verdicts = trust_verdicts(trust)
    return {
        "rules": dict(RULES),
        "sample": [int(i) for i in trust.sample],
        "sample_precision": {"target": evidence.similarity_target, "maximum": evidence.sanity_maximum,
                             "half_width": evidence.similarity_half_width,
                             "reached": evidence.similarity_reached},
        "faithfulness_sample": [int(i) for i in trust.faithfulness_sample],
        "file": "data/trust.npz",
        "curve_score": evidence.curve_score,
        "fills": {fill: {"sample": [int(i) for i in evidence.fills[fill].sample],
                         "fractions": [float(f) for f in evidence.fills[fill].fractions],
                         "image_score": ends.image_score.to_dict(), "filled_score": ends.filled_score.to_dict(),
                         "images_with_areas": ends.usable,
                         "precision": {"target": evidence.fills[fill].target, "maximum": evidence.fills[fill].maximum,
                                       "half_width": evidence.fills[fill].half_width,
                                       "reached": evidence.fills[fill].reached}}
                  for fill, ends in trust.ends.items()},
        "smooth_mprt": {"sample": [int(trust.sample[i]) for i in evidence.smooth_sample],
                        "copies": evidence.smooth_samples, "noise": evidence.smooth_noise},
        "methods": {key: {
            "randomisation": {"layers": list(trust.layers), **per_layer(method.cascade),
                              "independent": per_layer(method.independent)},
            "mprt": {"efficient": method.efficient_mprt.to_dict(), "smooth": method.smooth_mprt.to_dict()},
            "data_randomisation": similarities(method.data_randomisation),
            "deletion_auc": areas(method.areas.deletion),
            "insertion_auc": areas(method.areas.insertion),
            "random_target": similarities(method.random_target),
            "image_only": {m: getattr(method.image_only, m).mean for m in METRICS},
            "image_only_randomised": {m: getattr(method.image_only_randomised, m).mean for m in METRICS},
            "both_zero_share": method.both_zero,
            "ms_per_image": method.ms_per_image,
            "verdicts": judged(verdicts[key], lambda judgement: judgement.verdict),
            "verdict_basis": judged(verdicts[key], lambda judgement: judgement.to_dict()),
        } for key, method in trust.methods.items()},
        "controls": {name: {"deletion_auc": areas(c.deletion), "insertion_auc": areas(c.insertion)}
                     for name, c in trust.controls.items()},
        "random_labels": asdict(trust.random_labels),
        "unreachable_share": trust.unreachable_share,
        "randomisation_skipped": trust.randomisation_skipped,
    }


def baselines_record(study: BaselineStudy) -> dict[str, Any]:
    """The ``baselines`` object: per baseline of the study (and Expected Gradients), the median
    completeness error and the share of |attribution| on black pixels over the study's examples;
    Expected Gradients' errors also in score units and relative to each map's Σ|EG|; and
    ``missing_ink``, the numbers the page shows beside each missing-ink claim (see
    :func:`missing_ink_record`)."""
    record: dict[str, Any] = {
        name: {"median_relative_error": float(np.median(study.relative_error[:, c])),
               "black_share": float(study.study_black_share[c]),
               "test_index": [int(i) for i in study.test_index],
               "relative_error": [significant(e) for e in study.relative_error[:, c]]}
        for c, name in enumerate(BASELINE_COLUMNS)}
    errors = study.eg_errors()
    record[EXPECTED_GRADIENTS].update(absolute_error=[significant(e.absolute) for e in errors],
                                        error_of_mass=[significant(e.of_mass) for e in errors])
    record["missing_ink"] = missing_ink_record(study)
    return record


def missing_ink_record(study: BaselineStudy) -> dict[str, Any]:
    """The ``baselines.missing_ink`` object, per example of the study (in ``test_index`` order):
    ``share``, the share of its positive Expected-Gradients attribution on black pixels;
    ``share_long`` and ``share_halves``, the same from ``long_draws`` draws and from each half of
    them (null when the long run did not run); ``black_pixels``, the share of its pixels that are
    black; ``density``, a black pixel's positive attribution over an inked one's. Then
    ``candidates``, the mistakes the two shown were chosen from, and ``candidates_median``, the
    median over them of the share of |attribution| on black pixels; ``black_share_maps``, how many
    published maps each method's ``attribution.black_share`` is over."""
    def listed(values: Any) -> list[Any] | None:
        return None if values is None else np.asarray(values, np.float64).tolist()

    long_run = bool(study.long_draws) and study.eg_missing_ink_long is not None
    return {"test_index": [int(i) for i in study.test_index],
            "share": listed(study.eg_missing_ink),
            "long_draws": study.long_draws,
            "share_long": listed(study.eg_missing_ink_long) if long_run else None,
            "share_halves": listed(study.eg_missing_ink_halves) if long_run else None,
            "black_pixels": listed(study.black_pixels),
            "density": listed(study.black_to_ink_density()),
            "candidates": study.candidates,
            "candidates_median": float(study.candidates_median) if study.candidates else None,
            "black_share_maps": dict(study.black_share_maps)}


def decoy_record(decoy: Decoy) -> dict[str, Any]:
    """The ``decoy`` object: the rules in words; the decoy model's and the normal model's accuracies
    and what shuffling the patch level costs each, with the reading; where the patches were placed
    and the share of their pixels the models read; per method, relevance mass and rank accuracy for
    both models (overall, per corner, and their ratio and difference), each ``{mean, low, high}``,
    and the method's reading (pass, fail or inconclusive)."""
    from generator.stages.decoy_data import GREY_STEP, GREY_TOP
    from generator.stages.decoy_rules import READS_RULE, RULE, VERDICT_METRIC

    def pair(value: Any) -> dict[str, dict[str, float]]:
        return {"decoy": value.decoy.to_dict(), "normal": value.normal.to_dict()}

    def metric(value: Any) -> dict[str, Any]:
        return {**pair(value.means), "ratio": value.ratio.to_dict(), "difference": value.difference.to_dict(),
                "corners": {corner: pair(means) for corner, means in value.corners.items()}, "count": value.count}

    placed = decoy.placed
    return {
        "rule": RULE,
        "reads_patch_rule": READS_RULE,
        "verdict_metric": VERDICT_METRIC,
        "training": decoy.training,
        "patch_size": decoy.size,
        "patch_grey": f"{GREY_TOP} - {GREY_STEP} * label",
        "placed_in": {"rows": placed.rows, "columns": placed.columns},
        "unread_border": {"rows": placed.unread_rows, "columns": placed.unread_columns, "pixels": placed.unread_pixels},
        "readable_patch_share": decoy.readable_share,
        "accuracy": decoy.accuracy,
        "accuracy_randomised_patch": decoy.shuffled_accuracy.mean,
        "accuracy_randomised_patch_interval": decoy.shuffled_accuracy.to_dict(),
        "normal_model_accuracy": decoy.normal_accuracy,
        "normal_model_accuracy_randomised_patch": decoy.normal_shuffled_accuracy,
        "normal_model_clean_accuracy": decoy.clean_accuracy,
        "accuracy_lost": pair(decoy.accuracy_lost),
        "reads_patch": decoy.reads_patch(),
        "patch_pixels_share": decoy.size * decoy.size / (placed.height * placed.width),
        "sample": [int(i) for i in decoy.sample],
        "corners": [CORNERS[int(c)] for c in decoy.corners],
        "methods": {key: {"mass_accuracy": metric(method.mass), "rank_accuracy": metric(method.rank),
                          "pixels_not_zero_median": dict(zip(("decoy", "normal"), method.nonzero_median)),
                          "reading": method.reading()} for key, method in decoy.methods.items()},
    }
