"""The mathematics stage end to end on a closed-form model, without TensorFlow."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from generator import attributions as attr
from generator.methods import keys
from generator.figures.jobs import draw_all
from generator.figures.theme import dark_path
from generator.figures.mathematics import BASELINE_FIGURE, CONVERGENCE_FIGURE, READING_FIGURE, mathematics_jobs
from generator.pages.about import REPORT_BUILD_PAGE, report_build_context
from generator.pages.render import render_all
from generator.plumbing.settings import OutputSettings, Settings
from generator.plumbing.stage_cache import StageCache
from generator.stages.attribute import AttributionArrays, CheckedMaps
from generator.stages.mathematics import example_row, measure_mathematics
from generator.stages.results import AttributionRow, Completeness, Example
from tests.helpers.facts import FACTS

ROOT = Path(__file__).resolve().parents[2]


def quadratic_grad_fn(images: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    images = np.asarray(images, np.float64)
    return (2 * images).astype(np.float32), (images**2).reshape(len(images), -1).sum(axis=1)


quadratic_grad_fn.classes = 10  # type: ignore[attr-defined]  # every class scores Σx²
BASELINES = np.stack([np.full((28, 28, 1), v, np.float32) for v in (0.0, 0.1, 0.3)])


def arrays_and_examples(settings: Settings) -> tuple[AttributionArrays, list[Example]]:
    images = np.zeros((3, 28, 28, 1), np.float32)
    for r in range(3):
        images[r, 6:22, 10 + r:14 + r] = 0.5 + 0.2 * r
    targets = np.array([1, 7, 1])
    maps = attr.integrated_gradients(quadratic_grad_fn, images, targets, steps=16)
    _, at_x = quadratic_grad_fn(images, targets)
    check = attr.completeness(maps, at_x, np.zeros(3))
    ig = CheckedMaps(maps, check.attribution_sum, check.logit_delta, check.relative_error, np.full(3, 16), np.full(3, np.nan))
    none = CheckedMaps(np.zeros((0, 28, 28, 1), np.float32), *(np.zeros(0),) * 3, np.zeros(0, np.int64), np.zeros(0))
    gradient, _ = quadratic_grad_fn(images, targets)
    arrays = AttributionArrays(index=np.array([11, 22, 33]), target=targets, image=images,
                               maps={"gradient": gradient, "saliency": np.abs(gradient),
                                     "gradient_x_input": images * gradient, "smoothgrad": gradient},
                               noise={"smoothgrad": np.full(3, 0.25)},
                               ig=ig, eg=ig, contrast_index=np.zeros(0, np.int64), contrast=none, contrast_eg=none)

    def example(test_index: int, true: int, predicted: int, confidence: float) -> Example:
        check = Completeness(0.0, 0.0, 0.0, 16)
        row = AttributionRow(predicted, dict.fromkeys(keys(), np.zeros((28, 28))), check, check)
        return Example(test_index, true, predicted, confidence, np.zeros((28, 28)), (row,))

    return arrays, [example(11, 1, 1, 0.9), example(22, 7, 7, 0.99), example(33, 4, 1, 0.999)]


def test_the_example_row_is_the_most_confident_correct_prediction():
    arrays, examples = arrays_and_examples(Settings())
    assert example_row(arrays.index, examples) == 1  # not row 2: more confident, but a mistake
    assert example_row(arrays.index, examples[2:]) == 2
    assert example_row(arrays.index, []) is None


def test_the_mathematics_stage_measures_draws_and_writes_the_page(tmp_path):
    settings = replace(Settings(quick=True), output=OutputSettings(cache_dir=str(tmp_path / "cache")))
    arrays, examples = arrays_and_examples(settings)
    messages: list[str] = []
    cache = StageCache(tmp_path / "cache", messages.append)
    result = measure_mathematics(quadratic_grad_fn, arrays, examples, settings, "34" * 32, BASELINES, cache,
                                 messages.append)
    draw_all(mathematics_jobs(result, arrays, settings), tmp_path, tmp_path / "cache", messages.append)
    render_all({REPORT_BUILD_PAGE: ("report-build.md.j2", report_build_context(FACTS, result, []))},
               ROOT / "templates", tmp_path)
    for figure in (CONVERGENCE_FIGURE, BASELINE_FIGURE, READING_FIGURE):  # each in both themes
        for variant in (tmp_path / figure, dark_path(tmp_path / figure)):
            assert b"<svg" in variant.read_bytes()[:400], variant
    page = (tmp_path / REPORT_BUILD_PAGE).read_text(encoding="utf-8")
    assert "12" * 32 in page and "34" * 32 in page
    # Every pixel at the black baseline has IG exactly 0. On f = Σx² the symmetric rules are exact
    # and Riemann left/right err by exactly 1/n: first within 1% at n = 128.
    black = int((arrays.image == 0).sum())
    assert f"{black:,} of the {black:,} pixels" in page
    # (1/4 computed a hair below it may read 24.99% at the shown precision)
    assert re.search(r"^\| 4 \|( <?[0-9.]+% \|){3}( (25\.00|24\.99)% \|){2}$", page, re.MULTILINE)
    assert "| **90% within 1% from** | **4** | **4** | **4** | **128** | **128** |" in page
    assert any("3 IG maps" in m for m in messages) and not any(m.startswith("mathematics: reused") for m in messages)
    # Expected Gradients: each draw integrates to x² − x′² in expectation; the error shrinks with the draws.
    median = result.expected_gradients.percentile(50)
    assert result.expected_gradients.draws == (16, 32, 64, 128, 256) and median[-1] < median[0] / 2
    assert "### Expected Gradients draws" in page and re.search(r"^\| 256 \| [0-9.]+% \| [0-9.]+% \|$", page, re.MULTILINE)

    def no_gradients(images: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise AssertionError("a rebuild with the same model and maps must reuse the convergence errors")

    again = measure_mathematics(no_gradients, arrays, examples, settings, "34" * 32, BASELINES, cache, messages.append)
    assert any(m.startswith("mathematics: reused") for m in messages)
    np.testing.assert_array_equal(again.convergence.errors, result.convergence.errors)
