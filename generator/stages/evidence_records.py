"""The manifest's objects for the evidence sections: the baseline study, the trust checks and the
decoy check, each as plain JSON-ready values (see :func:`generator.stages.manifest.build_manifest`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.plumbing.numbers import significant
from generator.stages.baselines import COLUMNS as BASELINE_COLUMNS
from generator.stages.baselines import BaselineStudy
from generator.stages.decoy import Decoy
from generator.stages.trust import Trust


def trust_record(trust: Trust) -> dict[str, Any]:
    """The ``trust`` object of the manifest: the sample and, per method and control, the means
    (and for the areas their 95% bootstrap intervals) shown on the trust page."""
    def means(intervals: Any) -> list[float]:
        return [i.mean for i in intervals]

    def areas(values: dict[str, Any]) -> dict[str, dict[str, float]]:
        return {fill: value.to_dict() for fill, value in values.items()}

    return {
        "sample": [int(i) for i in trust.sample],
        "faithfulness_sample": [int(i) for i in trust.faithfulness_sample],
        "file": "data/trust.npz",
        "methods": {key: {
            "randomisation": {"layers": list(trust.layers), **{m: means(v) for m, v in method.cascade.items()},
                              "independent": {m: means(v) for m, v in method.independent.items()}},
            "data_randomisation": {m: method.data_randomisation[m].mean for m in ("spearman_abs", "ssim")},
            "deletion_auc": areas(method.deletion_auc),
            "insertion_auc": areas(method.insertion_auc),
            "random_target": {m: method.random_target[m].mean for m in ("spearman_abs", "ssim")},
            "image_only": {m: method.image_only[m].mean for m in ("spearman_abs", "spearman", "ssim")},
            "image_only_randomised": {m: method.image_only_randomised[m].mean for m in ("spearman_abs", "spearman", "ssim")},
            "both_zero_share": method.both_zero,
            "ms_per_image": method.ms_per_image,
        } for key, method in trust.methods.items()},
        "controls": {name: {"deletion_auc": areas(c["deletion_auc"]), "insertion_auc": areas(c["insertion_auc"])}
                     for name, c in trust.controls.items()},
        "random_labels": dict(trust.random_labels),
        "unreachable_share": trust.unreachable_share,
        "randomisation_skipped": trust.randomisation_skipped,
    }


def baselines_record(study: BaselineStudy) -> dict[str, Any]:
    """The ``baselines`` object: per baseline of the study (and Expected Gradients), the median
    completeness error and the share of |attribution| on black pixels over the study's examples."""
    return {name: {"median_relative_error": float(np.median(study.relative_error[:, c])),
                   "black_share": float(study.study_black_share[c]),
                   "test_index": [int(i) for i in study.test_index],
                   "relative_error": [significant(e) for e in study.relative_error[:, c]]}
            for c, name in enumerate(BASELINE_COLUMNS)}


def decoy_record(decoy: Decoy) -> dict[str, Any]:
    """The ``decoy`` object: the decoy model's accuracies and, per method, the mean share of
    |attribution| on the patch for the decoy and the normal model, with the page's reading."""
    return {
        "patch_size": decoy.size,
        "accuracy": decoy.accuracy,
        "accuracy_randomised_patch": decoy.shuffled_accuracy,
        "normal_model_accuracy": decoy.normal_accuracy,
        "reads_patch": decoy.reads_patch(),
        "patch_pixels_share": decoy.patch_pixels,
        "sample": [int(i) for i in decoy.sample],
        "methods": {key: {"patch_share_decoy": decoy.share_decoy[key].mean,
                          "patch_share_decoy_interval": [decoy.share_decoy[key].low, decoy.share_decoy[key].high],
                          "patch_share_normal": decoy.share_normal[key].mean,
                          "patch_share_normal_interval": [decoy.share_normal[key].low, decoy.share_normal[key].high],
                          "count": decoy.counts[key],
                          "reading": decoy.reading(key)} for key in decoy.share_decoy},
    }
