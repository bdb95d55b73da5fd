"""The mathematics stage end to end on a closed-form model, without TensorFlow."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from generator import attributions as attr
from generator.about import REPORT_BUILD_PAGE
from generator.explain import AttributionArrays, CheckedIG
from generator.mathematics import BASELINE_FIGURE, CONVERGENCE_FIGURE, READING_FIGURE, example_row, write_mathematics
from generator.settings import OutputSettings, Settings

ROOT = Path(__file__).resolve().parents[1]


def quadratic_grad_fn(images: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    images = np.asarray(images, np.float64)
    return (2 * images).astype(np.float32), (images**2).reshape(len(images), -1).sum(axis=1)


def arrays_and_manifest(settings: Settings) -> tuple[AttributionArrays, dict]:
    images = np.zeros((3, 28, 28, 1), np.float32)
    for r in range(3):
        images[r, 6:22, 10 + r:14 + r] = 0.5 + 0.2 * r
    targets = np.array([1, 7, 1])
    maps = attr.integrated_gradients(quadratic_grad_fn, images, targets, steps=16)
    _, at_x = quadratic_grad_fn(images, targets)
    check = attr.completeness(maps, at_x, np.zeros(3))
    ig = CheckedIG(maps, check.attribution_sum, check.logit_delta, check.relative_error, np.full(3, 16))
    none = CheckedIG(np.zeros((0, 28, 28, 1), np.float32), *(np.zeros(0),) * 3, np.zeros(0, np.int64))
    gradient, _ = quadratic_grad_fn(images, targets)
    arrays = AttributionArrays(index=np.array([11, 22, 33]), target=targets, image=images, gradient=gradient,
                               saliency=np.abs(gradient), gradient_x_input=images * gradient, smoothgrad=gradient,
                               ig=ig, contrast_index=np.zeros(0, np.int64), contrast=none)
    examples = [
        {"test_index": 11, "true_label": 1, "predicted": 1, "confidence": 0.9, "targets": [{"row": 0}]},
        {"test_index": 22, "true_label": 7, "predicted": 7, "confidence": 0.99, "targets": [{"row": 1}]},
        {"test_index": 33, "true_label": 4, "predicted": 1, "confidence": 0.999, "targets": [{"row": 2}]},
    ]
    manifest = {
        "tool": {"name": "gradient-gallery", "version": "0.0.test"},
        "settings": settings.to_dict(),
        "data": {"source": "synthetic", "sha256": "12" * 32, "train_images": 10, "test_images": 3},
        "model": {"sha256": "34" * 32, "description": "closed form", "test_accuracy": 2 / 3},
        "examples": examples,
    }
    return arrays, manifest


def test_the_example_row_is_the_most_confident_correct_prediction():
    _, manifest = arrays_and_manifest(Settings())
    assert example_row(manifest) == 1  # not row 2: more confident, but a mistake
    assert example_row({"examples": manifest["examples"][2:]}) == 2
    assert example_row({"examples": []}) is None


def test_write_mathematics_draws_the_figures_and_writes_the_page(tmp_path):
    settings = replace(Settings(quick=True), output=OutputSettings(cache_dir=str(tmp_path / "cache")))
    arrays, manifest = arrays_and_manifest(settings)
    messages: list[str] = []
    write_mathematics(quadratic_grad_fn, arrays, settings, manifest, ROOT / "templates", tmp_path, messages.append)
    for figure in (CONVERGENCE_FIGURE, BASELINE_FIGURE, READING_FIGURE):
        assert (tmp_path / figure).read_bytes()[:4] == b"\x89PNG", figure
    page = (tmp_path / REPORT_BUILD_PAGE).read_text(encoding="utf-8")
    assert "12" * 32 in page and "34" * 32 in page
    # Every pixel at the black baseline has IG exactly 0. On f = Σx² the symmetric rules are exact
    # and Riemann left/right err by exactly 1/n: first within 1% at n = 128.
    black = int((arrays.image == 0).sum())
    assert f"{black:,} of the {black:,} pixels" in page
    # (percentages are rounded down, so 1/4 computed a hair below it reads 24.99%)
    assert re.search(r"^\| 4 \|( <?[0-9.]+% \|){3}( (25\.00|24\.99)% \|){2}$", page, re.MULTILINE)
    assert "| **90% within 1% from** | **4** | **4** | **4** | **128** | **128** |" in page
    assert any("3 IG maps" in m for m in messages) and not any("reused" in m for m in messages)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}

    def no_gradients(images: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise AssertionError("a rebuild with the same model and maps must reuse the convergence errors")

    write_mathematics(no_gradients, arrays, settings, manifest, ROOT / "templates", tmp_path, messages.append)
    assert any("reused" in m for m in messages)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == before
