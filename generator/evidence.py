"""The evidence stages the report adds beside its maps: the baseline study, the trust checks and
the decoy check. Each is computed (and cached by its inputs' hashes) here, then contributes its
figure jobs to the one figures pass and its pages to the one pages pass.

:func:`generator.pipeline.build` calls, in order, :func:`measure_evidence`, :func:`evidence_jobs`
and :func:`evidence_pages`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

from generator.plumbing.settings import Settings

Log = Callable[[str], None]


@dataclass(frozen=True)
class Evidence:
    """What the evidence stages found; ``trust`` and ``decoy`` are None when switched off."""

    baselines: Any
    trust: Any
    decoy: Any


def measure_evidence(model: Any, trained: Any, dataset: Any, evaluation: Any, arrays: Any, examples: Any,
                     example_row: int | None, eg_baselines: np.ndarray, settings: Settings,
                     cache: Any, timings: Any, log: Log) -> Evidence:
    """Run the three stages (each timed under its own name) on ``model``, the report's
    :class:`~generator.stages.report_model.ReportModel`."""
    from generator.stages import keys

    with timings.stage("baselines", log):
        from generator.stages.baselines import baseline_images, from_arrays, study_maps
        from generator.stages.data import to_model_input

        mean_image = to_model_input(dataset.x_train).mean(axis=0)
        study = from_arrays(cache.arrays(
            "baselines", keys.baselines_components(settings, dataset.sha256, trained.sha256),
            lambda: study_maps(model.grad_fn, arrays, evaluation.predictions, dataset.y_test, example_row,
                               mean_image, eg_baselines, settings.attribution, settings.seed)))
        study = replace(study, baselines=baseline_images(study.test_index, arrays, mean_image, settings.seed))
    trust = decoy = None
    if settings.trust.enabled:
        from generator.plumbing.records import from_arrays, to_arrays
        from generator.stages.trust import TrustEvidence, measure_trust, summarise

        with timings.stage("trust", log):
            published = [e.test_index for e in examples]
            trust = summarise(from_arrays(TrustEvidence, cache.arrays(
                "trust", keys.trust_components(settings, dataset.sha256, trained.sha256, published),
                lambda: to_arrays(measure_trust(model, dataset, evaluation.predictions, published, eg_baselines,
                                                settings, log)))),
                settings.seed)
    if settings.decoy.enabled:
        with timings.stage("decoy", log):
            decoy = _decoy(model, trained, dataset, eg_baselines, settings, cache, log, evaluation.accuracy)
    return Evidence(study, trust, decoy)


def _decoy(model: Any, trained: Any, dataset: Any, eg_baselines: np.ndarray, settings: Settings, cache: Any,
           log: Log, clean_accuracy: float = float("nan")) -> Any:
    """Train (or reuse) the decoy model, then measure where each method's maps point; the patches
    go where both the decoy model's network (the report's CNN) and the normal model read."""
    from generator.plumbing.records import from_arrays, to_arrays
    from generator.stages import decoy as decoy_stage
    from generator.stages.keys import decoy_components
    from generator.stages.method_maps import every_method_maps
    from generator.stages.model import build_cnn, train_model
    from generator.stages.read_region import read_region

    placed = read_region(build_cnn()).within(read_region(trained.model))
    decoy_data, corners = decoy_stage.decoy_dataset(dataset, settings.decoy.patch, settings.seed,
                                                    settings.decoy.mismatched, (placed.rows, placed.columns))
    log(f"decoy: training the same network on {decoy_data.source}")
    decoy_model = train_model(decoy_data, decoy_training(settings), log)

    def maps_of(fn: Any, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        return every_method_maps(fn, x, t, settings.attribution, settings.seed, eg_baselines)[0]

    measured = from_arrays(decoy_stage.DecoyMeasurement, cache.arrays(
        "decoy", decoy_components(settings, decoy_data.sha256, decoy_model.sha256, trained.sha256),
        lambda: to_arrays(decoy_stage.measure_decoy(
            decoy_model.model, model, decoy_data, corners, maps_of, settings.decoy.images,
            settings.decoy.patch, settings.seed, log, placed=placed))))
    return dataclasses.replace(decoy_stage.summarise(measured, settings.seed, clean_accuracy),
                               training=decoy_model.description)


def decoy_training(settings: Settings) -> Settings:
    """The report's training settings on the first ``decoy.train_images`` images (fewer when the
    report's model itself trains on fewer)."""
    limits = [n for n in (settings.train.train_subset, settings.decoy.train_images) if n]
    return dataclasses.replace(settings, train=dataclasses.replace(settings.train, train_subset=min(limits, default=0)))


def evidence_jobs(evidence: Evidence, names: Any, score: Any = None) -> list[Any]:
    """The figure jobs of every evidence stage that ran; ``score`` (a
    :class:`~generator.stages.model_output.ScoreWords`, the class logit's when None) names what the maps are of."""
    from generator.figures.baselines import baselines_jobs
    from generator.stages.model_output import LOGIT_WORDS

    jobs = baselines_jobs(evidence.baselines, names, LOGIT_WORDS if score is None else score)
    if evidence.trust is not None:
        jobs += _trust_jobs(evidence.trust)
    if evidence.decoy is not None:
        from generator.figures.decoy import decoy_jobs

        jobs += decoy_jobs(evidence.decoy)
    return jobs


def _trust_jobs(trust: Any) -> list[Any]:
    """The trust page's figures; without the model randomisation (skipped: no layer to randomise)
    only the deletion and insertion curves, the randomisation figures having nothing to show."""
    from generator.figures.trust import curves_job, trust_jobs

    if trust.randomisation_skipped is None:
        return trust_jobs(trust)
    return [curves_job(trust)]


def evidence_pages(evidence: Evidence, names: Any, published_maps: int, settings: Settings, *, mnist: bool
                   ) -> dict[str, Any]:
    """Docs-relative page → (template, context) of every evidence stage that ran; ``mnist``: whether
    the pages may speak of MNIST's digits (:mod:`generator.stages.naming`)."""
    from generator.pages import baselines as baselines_page
    from generator.stages.model_output import score_words

    pages: dict[str, Any] = {baselines_page.PAGE: (baselines_page.TEMPLATE, baselines_page.baselines_context(
        evidence.baselines, names, published_maps, mnist=mnist, score=score_words(settings.model.output)))}
    decoy_page_path = None
    if evidence.decoy is not None:
        from generator.pages import decoy as decoy_page

        decoy_page_path = decoy_page.PAGE
        pages[decoy_page.PAGE] = (decoy_page.TEMPLATE, decoy_page.decoy_context(
            evidence.decoy, settings.decoy.mismatched, trust_page=evidence.trust is not None, mnist=mnist))
    if evidence.trust is not None:
        from generator.pages import trust as trust_page

        pages[trust_page.PAGE] = (trust_page.TEMPLATE, trust_page.trust_context(evidence.trust, decoy_page_path))
    return pages


def pages_left_out(evidence: Evidence) -> tuple[str, ...]:
    """Pages of the navigation that this build did not write."""
    return (() if evidence.trust is not None else ("trust.md",)) + (() if evidence.decoy is not None else ("decoy.md",))
