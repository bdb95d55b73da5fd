"""What the report publishes for verification: manifest.json, the arrays and the model."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from generator.evidence import Evidence
from generator.methods import EXPECTED_GRADIENTS, SMOOTHGRAD, contrast_methods, keys
from generator.plumbing.fileio import write_bytes_if_changed, write_text_if_changed
from generator.stages.attribute import AttributionArrays
from generator.plumbing.numbers import significant
from generator.stages.checked_maps import CheckedMaps, eg_map_error, expected_gradients_summary
from generator.attributions.expected_gradients import MIN_SLOPE_DRAWS
from generator.stages.evidence_records import baselines_record, decoy_record, trust_record
from generator.stages.gallery import Gallery, anchor
from generator.stages.model_output import attributed_score
from generator.stages.results import BuildFacts, CompletenessSummary, Evaluation
from generator.stages.selection import Selection
from generator.stages.trust import Trust
from generator.stages.whole_test_set import WholeTestSet



def npz_keys() -> tuple[str, ...]:
    """The arrays of ``attributions.npz``, in order: the rows, every method's maps (catalogue
    order), then the contrast rows and the contrast maps of each method that has them."""
    return ("index", "target", "image", *keys(), "contrast_index",
            *(f"contrastive_{m.key}" for m in contrast_methods()))


FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz archive (readable by ``np.load``) with fixed timestamps, so equal arrays give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def write_arrays(arrays: AttributionArrays, path: Path) -> bool:
    """Publish the rows behind the figures: float32 maps in the model's input shape."""
    values = {
        "index": arrays.index.astype(np.int64),
        "target": arrays.target.astype(np.int64),
        "image": arrays.image.astype(np.float32),
        **{key: arrays.map(key).astype(np.float32) for key in keys()},
        "contrast_index": arrays.contrast_index.astype(np.int64),
        **{f"contrastive_{m.key}": arrays.contrast_of(m.key).maps.astype(np.float32) for m in contrast_methods()},
    }
    assert tuple(values) == npz_keys()
    return write_bytes_if_changed(path, npz_bytes(values))


def write_predictions(labels: np.ndarray, evaluation: Any, path: Path) -> bool:
    """Publish the model's verdict on every test image, so a later report can say what changed."""
    return write_bytes_if_changed(path, npz_bytes({
        "label": np.asarray(labels, np.int64),
        "predicted": np.asarray(evaluation.predictions, np.int64),
        "confidence": np.asarray(evaluation.confidences, np.float32),
    }))


def copy_if_changed(source: Path, destination: Path) -> bool:
    """Copy a file (atomically) unless the destination already holds the same bytes."""
    return write_bytes_if_changed(destination, source.read_bytes())


def completeness_summary(arrays: AttributionArrays, tolerance: float) -> CompletenessSummary:
    """Completeness over every published IG map (the per-target maps and the contrast maps), held
    to ``tolerance`` (``attribution.flag_tolerance``)."""
    errors = np.concatenate([arrays.ig.relative_error, arrays.contrast.relative_error])
    finite = errors[np.isfinite(errors)]
    change = _finite_values(arrays.ig.spread, arrays.contrast.spread)
    noise = _finite_values(arrays.eg.spread, arrays.contrast_eg.spread)
    return CompletenessSummary(
        tolerance=tolerance,
        median_relative_error=float(np.median(finite)) if len(finite) else float("nan"),
        max_relative_error=float(np.max(finite)) if len(finite) else float("nan"),
        maps=int(len(errors)),
        # NaN never compares below the tolerance: a map with non-finite values counts as missing it.
        maps_above_tolerance=int(np.sum(~(errors <= tolerance))),
        maps_not_finite=int(np.sum(~np.isfinite(errors))),
        median_map_change=float(np.median(change)) if len(change) else float("nan"),
        max_map_change=float(np.max(change)) if len(change) else float("nan"),
        median_eg_noise=float(np.median(noise)) if len(noise) else float("nan"),
        max_eg_noise=float(np.max(noise)) if len(noise) else float("nan"),
        nodes=node_counts(np.concatenate([arrays.ig.steps, arrays.contrast.steps])),
    )


def node_counts(nodes: np.ndarray) -> dict[int, int]:
    """How many maps used each number of quadrature nodes, fewest nodes first."""
    values, counts = np.unique(np.asarray(nodes, dtype=np.int64), return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts)}


def quadrature_record(attribution: dict[str, Any], summary: CompletenessSummary) -> dict[str, Any]:
    """The ``attribution.quadrature`` object: the rule the published IG maps were really computed
    with (adaptive interval halving uses the trapezoid rule, whatever ``attribution.method`` says)
    and how many maps used each number of nodes."""
    adaptive = attribution["steps"] == 0
    return {"rule": "trapezoid" if adaptive else attribution["method"], "adaptive": adaptive,
            "nodes": {str(n): count for n, count in summary.nodes.items()}}


def _finite_values(*arrays: np.ndarray) -> np.ndarray:
    values = np.concatenate(arrays)
    return values[np.isfinite(values)]


def _check_numbers(maps: CheckedMaps, r: int) -> dict[str, Any]:
    """Row ``r``'s sum, the score difference it should add up to, and their relative error."""
    return {
        "attribution_sum": round(float(maps.attribution_sum[r]), 6),
        "logit_delta": round(float(maps.logit_delta[r]), 6),
        "relative_error": significant(maps.relative_error[r]),
    }


def completeness_record(ig: CheckedMaps, r: int, tolerance: float) -> dict[str, Any]:
    """An IG map's completeness, its node count and, for an adaptive map, ``map_change``: the
    relative L1 change at its last doubling (null when it was not refined adaptively)."""
    return {**_check_numbers(ig, r), "steps": int(ig.steps[r]), "map_change": significant(ig.spread[r]),
            "within_tolerance": bool(ig.relative_error[r] <= tolerance)}


def eg_completeness_record(eg: CheckedMaps, r: int) -> dict[str, Any]:
    """Expected Gradients' completeness: ``logit_delta`` is the logit minus the mean logit of the
    map's drawn baselines; it holds in expectation, so there is no tolerance to be within (the
    median over the maps is held to ``attribution.expected_gradients.level``).
    ``absolute_error``: |attribution_sum − logit_delta| in logits; ``error_of_mass``: the same over
    the map's Σ|EG| (``relative_error`` divides by |logit_delta|, which can be near zero).
    ``noise``: the map's estimated relative L1 distance to the EG it estimates, from its two halves
    of draws. ``flags``: "EG sign" (its sum and logit_delta have opposite signs), "EG noise" (noise
    above ``attribution.expected_gradients.noise_bound``)."""
    error = eg_map_error(eg.completeness(r), eg.maps[r])
    return {**_check_numbers(eg, r), "draws": int(eg.steps[r]), "noise": significant(eg.spread[r]),
            "absolute_error": significant(error.absolute), "error_of_mass": significant(error.of_mass),
            "flags": list(error.flags)}


def expected_gradients_record(arrays: AttributionArrays, settings: dict[str, Any]) -> dict[str, Any]:
    """The ``attribution.expected_gradients`` object: the stated level, the median completeness
    error over every published EG map (per-target and contrast) that it bounds, and the maps
    flagged (sum of the wrong sign, or noise above the bound), with the estimator's settings."""
    summary = expected_gradients_summary(arrays.eg, arrays.contrast_eg)
    draws = settings["attribution"]["expected_gradients_samples"]
    return {"level": summary.level, "median_relative_error": summary.median_relative_error,
            "within_level": summary.within_level, "flagged": summary.flagged, "maps": summary.maps,
            "wrong_sign": summary.wrong_sign, "noisy": summary.noisy, "noise_bound": summary.noise_bound,
            "median_absolute_error": summary.median_absolute_error,
            "median_error_of_mass": summary.median_error_of_mass,
            "estimator": ("mean of the draws" if draws < 2 * MIN_SLOPE_DRAWS else
                          "mean of the draws corrected by their completeness residuals (control variate)"),
            "draws": draws,
            "baselines": settings["attribution"]["expected_gradients_baselines"], "seed": settings["seed"]}


def example_records(arrays: AttributionArrays, labels: np.ndarray, evaluation: Any,
                    gallery: Any, tolerance: float) -> list[dict[str, Any]]:
    """One record per published test image, each listing its attributed targets.

    ``page`` is the Markdown page (relative to the docs folder) that shows the image, and
    ``anchor`` the id of its row there; both null for an image of a class without pages
    (:attr:`~generator.stages.gallery.Gallery.unpaged`), which only the explorer lists. ``<key>_noise`` of a target, for each method that states
    its noise (SmoothGrad): its map's estimated relative L1 distance to the method's expectation,
    from its two halves of samples (null when not known). ``within_tolerance``: the IG map's error is within ``tolerance``.
    """

    predictions, confidences = evaluation.predictions, evaluation.confidences
    page_of = gallery.page_of()
    records: dict[int, dict[str, Any]] = {}
    contrast_of = {int(i): m for m, i in enumerate(arrays.contrast_index.tolist())}
    for row, test_index in enumerate(arrays.index.tolist()):
        record = records.setdefault(test_index, {
            "test_index": test_index,
            "true_label": int(labels[test_index]),
            "predicted": int(predictions[test_index]),
            "confidence": round(float(confidences[test_index]), 6),
            "margin": round(float(evaluation.margins[test_index]), 6),
            "page": page_of.get(test_index),
            "anchor": anchor(test_index) if test_index in page_of else None,
            "targets": [],
        })
        m = contrast_of.get(test_index)
        if m is not None and "contrast" not in record:
            record["contrast"] = {"row": m, "score": "logit_predicted - logit_true",
                                  "completeness": completeness_record(arrays.contrast, m, tolerance),
                                  "expected_gradients_completeness": eg_completeness_record(arrays.contrast_eg, m)}
        target = int(arrays.target[row])
        record["targets"].append({
            "row": row,
            "target": target,
            "role": "predicted" if target == record["predicted"] else "true",
            "completeness": completeness_record(arrays.ig, row, tolerance),
            "expected_gradients_completeness": eg_completeness_record(arrays.eg, row),
            **{f"{key}_noise": significant(noise[row]) for key, noise in arrays.noise.items()},
        })
    return list(records.values())


def write_manifest(manifest: dict[str, Any], path: Path) -> bool:
    text = json.dumps(finite_or_none(manifest), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return write_text_if_changed(path, text + "\n")


def finite_or_none(value: Any) -> Any:
    """The manifest with NaN and ±Inf replaced by null (JSON has no such numbers)."""
    if isinstance(value, dict):
        return {key: finite_or_none(item) for key, item in value.items()}
    if isinstance(value, list):
        return [finite_or_none(item) for item in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def build_manifest(facts: BuildFacts, labels: np.ndarray, evaluation: Evaluation, selection: Selection,
                   arrays: AttributionArrays,
                   gallery: Gallery, whole: WholeTestSet | None, class_mean_figures: dict[int, str],
                   evidence: Evidence | None = None) -> dict[str, Any]:
    """The manifest: everything needed to check the report against its data and model.

    ``evidence`` adds the baseline study, the trust checks
    and the decoy check, each None when that stage did not run.
    """
    settings = facts.settings
    study, trust, decoy = (None, None, None) if evidence is None else (evidence.baselines, evidence.trust, evidence.decoy)
    attribution = settings["attribution"]
    summary = completeness_summary(arrays, facts.completeness_tolerance)
    completeness = {k: v for k, v in dataclasses.asdict(summary).items() if k != "nodes"}
    return {
        "tool": {"name": "gradient-gallery", "version": facts.tool_version},
        "settings": settings,
        "data": {"name": facts.data_name, "description": facts.data_description, "source": facts.data_source,
                 "sha256": facts.data_sha256,
                 "train_images": facts.train_images, "test_images": facts.test_images},
        "model": {"sha256": facts.model_sha256, "description": facts.model_description, "file": "data/model.keras",
                  "test_accuracy": facts.test_accuracy,
                  "per_class_accuracy": [float(a) for a in evaluation.per_class_accuracy],
                  "confusion": evaluation.confusion.tolist()},
        "attribution": {"target": attributed_score(settings["model"]["output"]),
                        "quadrature": quadrature_record(attribution, summary), "baseline": attribution["baseline"],
                        SMOOTHGRAD: {"samples": attribution["smoothgrad_samples"],
                                       "noise_level": attribution["smoothgrad_noise"], "seed": settings["seed"]},
                        "completeness": completeness,
                        EXPECTED_GRADIENTS: expected_gradients_record(arrays, settings),
                        "black_share": None if study is None else dict(study.black_share),
                        "file": "data/attributions.npz", "arrays": list(npz_keys())},
        "selection": {"per_class": settings["selection"]["per_class"],
                      "misclassified_published": len(selection.misclassified),
                      "misclassified_total": selection.misclassified_total},
        "whole_test_set": None if whole is None else {
            "steps": whole.steps, "images": int(len(whole.relative_error)),
            "median_relative_error": float(np.median(whole.relative_error)),
            "class_mean_figures": class_mean_figures},
        "files": {"attributions": "data/attributions.npz", "predictions": "data/predictions.npz",
                  "model": "data/model.keras"},
        "colour_scales": {m.key: {"limit": m.scale.limit, "signed": m.scale.signed, "cmap": m.scale.cmap,
                                  "unit": m.scale.unit} for m in gallery.methods},
        "baselines": None if study is None else baselines_record(study),
        "trust": None if trust is None else trust_record(trust),
        "decoy": None if decoy is None else decoy_record(decoy),
        "examples": example_records(arrays, labels, evaluation, gallery, summary.tolerance),
    }


def write_trust_arrays(trust: Trust, path: Path) -> bool:
    """Publish the per-image numbers and curves behind the trust page: the stage's evidence,
    flattened by :func:`generator.plumbing.records.to_arrays` (keys listed in docs/usage.md)."""
    from generator.plumbing.records import to_arrays

    arrays = to_arrays(trust.evidence)
    return write_bytes_if_changed(path, npz_bytes({key: np.asarray(arrays[key]) for key in sorted(arrays)}))
