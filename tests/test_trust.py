"""The trust stage's summary, readings, manifest record and page, on numbers chosen by hand."""

from __future__ import annotations

import numpy as np

from generator.figures.trust import trust_jobs
from generator.pages.render import render_all
from generator.pages.trust import (
    CLASS_BLIND_ABOVE,
    DEPENDS_BELOW,
    absolute_rank_notes,
    reading,
    summary_line,
    trust_context,
)
from generator.stages.evidence_records import trust_record
from generator.stages.trust import DIRECTIONS, FILLS, METHOD_KEYS, METRICS, random_other_classes, summarise, trust_sample
from test_pages import TEMPLATES

LAYERS = ("logits", "conv2d_1", "conv2d")


def synthetic_arrays(n: int = 30, similar: str = "gradient_x_input", class_blind: str = "saliency") -> dict:
    """Per-image numbers where ``similar`` keeps 0.9 similarity under every randomisation and
    ``class_blind`` barely changes with the class; the others fall to 0.1. Integrated Gradients
    deletes best and inserts best; the controls sit in the middle."""
    rng = np.random.default_rng(0)
    arrays: dict[str, np.ndarray] = {"layers": np.array(LAYERS), "skipped": np.array(["flatten", "dropout"]),
                                     "sample": np.arange(100, 100 + n), "faithfulness_sample": np.arange(n),
                                     "fractions": np.linspace(0, 1, 54),
                                     "random_labels": np.array([15, 0.22, 0, 0.08, 20.0]),
                                     "random_label_settings": np.array([500, 3e-3, 32, 60]),
                                     "unreachable_share": np.array(0.14),
                                     "grid": rng.normal(size=(len(LAYERS) + 1, len(METHOD_KEYS), 2, 28, 28))}
    for key in METHOD_KEYS:
        level = 0.9 if key == similar else 0.1
        arrays[f"ms.{key}"] = np.array(1.5)
        for metric in METRICS:
            arrays[f"cascade.{key}.{metric}"] = level + 0.01 * rng.normal(size=(len(LAYERS), n))
            arrays[f"independent.{key}.{metric}"] = level + 0.01 * rng.normal(size=(len(LAYERS), n))
            arrays[f"data.{key}.{metric}"] = level + 0.01 * rng.normal(size=(1, n))
            arrays[f"target.{key}.{metric}"] = (0.95 if key == class_blind else 0.3) + 0.01 * rng.normal(size=(1, n))
            arrays[f"image_only.{key}.{metric}"] = 0.4 + 0.01 * rng.normal(size=(1, n))
            arrays[f"image_only_randomised.{key}.{metric}"] = 0.7 + 0.01 * rng.normal(size=(1, n))
        arrays[f"both_zero.{key}"] = np.full(n, 0.8 if key == "gradient_x_input" else 0.1)
    for name in (*METHOD_KEYS, "random", "image_only"):
        deletion = 0.1 if name == "integrated_gradients" else 0.5 if name in ("random", "image_only") else 0.6
        for fill in FILLS:
            for direction in DIRECTIONS:
                value = deletion if direction == "deletion" else 1 - deletion
                arrays[f"auc.{name}.{direction}.{fill}"] = value + 0.01 * rng.normal(size=n)
                arrays[f"curve.{name}.{direction}.{fill}"] = np.clip(
                    np.linspace(1, 0, 54) if direction == "deletion" else np.linspace(0, 1, 54), 0, 1) * np.ones((n, 1))
    return arrays


def test_readings_follow_the_stated_thresholds():
    trust = summarise(synthetic_arrays(), seed=0)
    lines = {key: reading(key, trust.methods[key], trust) for key in METHOD_KEYS}
    assert "does not come from what the network learned" in lines["gradient_x_input"]
    assert "looks like the maps of a network trained on random labels" in lines["gradient_x_input"]
    assert "differs from a network trained on random labels" in lines["gradient"]
    assert "depends on the learned weights" in lines["gradient"]
    assert "beats both controls on deletion and insertion" in lines["integrated_gradients"]
    assert "does not beat both controls" in lines["gradient"]
    assert "barely changes with the class" in lines["saliency"] and "changes with the class" in lines["gradient"]
    assert trust.methods["gradient"].cascade["spearman_abs"][-1].mean < DEPENDS_BELOW

    arrays = synthetic_arrays()
    arrays["auc.integrated_gradients.deletion.blur"] = arrays["auc.random.deletion.blur"]  # no better than chance
    trust = summarise(arrays, seed=0)
    assert ("beats both controls on deletion with the black fill only and on insertion"
            in reading("integrated_gradients", trust.methods["integrated_gradients"], trust))
    assert trust.methods["saliency"].random_target["spearman_abs"].mean > CLASS_BLIND_ABOVE


def test_readings_use_the_signed_rank_for_signed_maps_and_the_absolute_one_for_saliency():
    arrays = synthetic_arrays()
    arrays["cascade.gradient.spearman_abs"][:] = 0.7  # the border layout survives, the signs do not
    arrays["cascade.saliency.spearman_abs"][:] = 0.7  # saliency has no sign: this is its rank similarity
    trust = summarise(arrays, seed=0)
    assert "Gradient: depends on the learned weights;" in reading("gradient", trust.methods["gradient"], trust)
    assert ("Saliency: depends only partly on the learned weights (rank similarity 0.70, SSIM 0.10"
            in reading("saliency", trust.methods["saliency"], trust))


def test_intervals_contain_their_means_and_are_reproducible():
    first, second = summarise(synthetic_arrays(), seed=3), summarise(synthetic_arrays(), seed=3)
    for key in METHOD_KEYS:
        for value in (*first.methods[key].cascade["ssim"], first.methods[key].deletion_auc["blur"]):
            assert value.low <= value.mean <= value.high
    assert first.methods == second.methods


def test_manifest_record_has_every_published_key():
    record = trust_record(summarise(synthetic_arrays(), seed=0))
    assert record["sample"] == list(range(100, 130))
    for key in METHOD_KEYS:
        method = record["methods"][key]
        assert method["randomisation"]["layers"] == list(LAYERS)
        for metric in ("spearman_abs", "spearman", "ssim"):
            assert len(method["randomisation"][metric]) == len(LAYERS)
            assert len(method["randomisation"]["independent"][metric]) == len(LAYERS)
        assert set(method["data_randomisation"]) == set(method["random_target"]) == {"spearman_abs", "ssim"}
        for area in ("deletion_auc", "insertion_auc"):
            assert set(method[area]) == {"black", "blur"}
            assert set(method[area]["black"]) == {"mean", "low", "high"}
        assert method["ms_per_image"] == 1.5
    for control in ("random", "image_only"):
        assert set(record["controls"][control]) == {"deletion_auc", "insertion_auc"}


def test_the_page_states_every_method_and_control_with_its_numbers(tmp_path):
    trust = summarise(synthetic_arrays(), seed=0)
    render_all({"trust.md": ("trust.md.j2", trust_context(trust))}, TEMPLATES, tmp_path)
    page = (tmp_path / "trust.md").read_text(encoding="utf-8")
    for title in ("Gradient", "Saliency", "Gradient × input", "SmoothGrad", "Integrated Gradients",
                  "random order (control)", "edge order, no model (control)"):
        assert f"| {title} |" in page or f"| *{title}* |" in page, title
    ig = trust.methods["integrated_gradients"].deletion_auc["black"]
    assert f"{ig.mean:.2f} [{ig.low:.2f}, {ig.high:.2f}]" in page
    assert "fits 22.0% of its\nrandom training labels: the epoch budget ran out before 90%" in page
    assert len(trust_jobs(trust)) == 4  # two cascade grids, the similarity curves, the faithfulness curves


def test_samples_and_random_targets_are_seeded():
    assert trust_sample(range(50), 100, 0).tolist() == list(range(50))
    assert trust_sample(range(500), 20, 1).tolist() == trust_sample(range(500), 20, 1).tolist()
    assert len(set(trust_sample(range(500), 20, 1))) == 20
    targets = np.arange(40) % 10
    other = random_other_classes(targets, 10, seed=2)
    assert np.all(other != targets) and np.all((0 <= other) & (other < 10))
    assert np.array_equal(other, random_other_classes(targets, 10, seed=2))


def test_the_home_page_sentence_counts_from_the_same_rules():
    line = summary_line(summarise(synthetic_arrays(), seed=0))
    assert line == ("Of the 6 methods, Gradient, Saliency, SmoothGrad, Integrated Gradients and Expected Gradients change "
                    "when the network's weights are randomised, and Integrated Gradients beat both controls on deletion "
                    "with a black fill.")


def test_a_high_absolute_rank_similarity_after_randomisation_is_explained_by_the_numbers():
    arrays = synthetic_arrays(similar="gradient_x_input")
    notes = absolute_rank_notes(summarise(arrays, seed=0))
    assert len(notes) == 1 and notes[0].startswith("Gradient × input: 0.90")
    assert "exactly zero on 80% of the pixels" in notes[0] and "wherever the image is black" in notes[0]

    arrays = synthetic_arrays(similar="gradient")
    notes = absolute_rank_notes(summarise(arrays, seed=0))
    assert len(notes) == 1 and "follows the image's edges more closely" in notes[0]  # randomised 0.7 > trained 0.4
    for key in METRICS:
        arrays[f"image_only_randomised.gradient.{key}"] = arrays[f"image_only.gradient.{key}"]
    assert "cannot say" in absolute_rank_notes(summarise(arrays, seed=0))[0]
