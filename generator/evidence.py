"""The evidence stages the report adds beside its maps: the baseline study, the trust checks and
the decoy check. Each is computed (and cached by its inputs' hashes) here, then contributes its
figure jobs to the one figures pass and its pages to the one pages pass.

:func:`generator.pipeline.build` calls, in order, :func:`measure_evidence`, :func:`evidence_jobs`
and :func:`evidence_pages`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol

import numpy as np

from generator.plumbing.settings import Settings

if TYPE_CHECKING:
    from generator.attributions import GradFn
    from generator.stages.report_model import ReportModel
    from generator.figures.jobs import FigureJob
    from generator.plumbing.stage_cache import StageCache
    from generator.stages.attribute import AttributionArrays
    from generator.stages.baselines import BaselineStudy
    from generator.stages.data import Dataset
    from generator.stages.decoy import Decoy
    from generator.stages.model import TrainedModel
    from generator.stages.model_output import ScoreWords
    from generator.stages.results import Evaluation, Example
    from generator.stages.trust_records import Trust

Log = Callable[[str], None]


class StageTimer(Protocol):
    """Times each stage under its name (:class:`generator.pipeline.Timings`)."""

    def stage(self, name: str, log: Log) -> AbstractContextManager[None]: ...


@dataclass(frozen=True)
class EvidenceInputs:
    """What the evidence stages read from the stages before them.

    Attributes:
        model: the report's model, how it reads its pixels and its one gradient function.
        trained: the report's model, with its file's hash.
        dataset: the images (the trust checks sample them; the decoy check builds its data from them).
        evaluation: the model's predictions on the test split.
        arrays: the published maps; examples: the published examples.
        example_row: the published row of the baseline study's correct example (None: there is none).
        eg_baselines: (B, H, W, C) the images Expected Gradients draws its baselines from.
    """

    model: ReportModel
    trained: TrainedModel
    dataset: Dataset
    evaluation: Evaluation
    arrays: AttributionArrays
    examples: Sequence[Example]
    example_row: int | None
    eg_baselines: np.ndarray


@dataclass(frozen=True)
class StageRun:
    """How the build runs a stage: with its settings, its cache, its timer and its log."""

    settings: Settings
    cache: StageCache
    timings: StageTimer
    log: Log


@dataclass(frozen=True)
class Evidence:
    """What the evidence stages found; ``trust`` and ``decoy`` are None when switched off."""

    baselines: BaselineStudy
    trust: Trust | None
    decoy: Decoy | None


def measure_evidence(inputs: EvidenceInputs, run: StageRun) -> Evidence:
    """Run the three stages (each timed under its own name, each cached by its inputs' keys)."""
    with run.timings.stage("baselines", run.log):
        study = _baselines(inputs, run)
    trust = decoy = None
    if run.settings.trust.enabled:
        with run.timings.stage("trust", run.log):
            trust = _trust(inputs, run)
    if run.settings.decoy.enabled:
        with run.timings.stage("decoy", run.log):
            decoy = _decoy(inputs, run)
    return Evidence(study, trust, decoy)


def _baselines(inputs: EvidenceInputs, run: StageRun) -> BaselineStudy:
    """The baseline study of the published maps, with each example's four IG baselines."""
    from generator.stages.baselines import BaselineStudy, baseline_images, study_maps
    from generator.stages.data import to_model_input
    from generator.stages.keys import baselines_components

    settings, dataset, arrays = run.settings, inputs.dataset, inputs.arrays
    mean_image = to_model_input(dataset.x_train).mean(axis=0)
    study = run.cache.record(
        "baselines", BaselineStudy, baselines_components(settings, dataset.sha256, inputs.trained.sha256),
        lambda: study_maps(inputs.model.grad_fn, arrays, inputs.evaluation.predictions, dataset.y_test, inputs.example_row,
                           mean_image, inputs.eg_baselines, settings.attribution, settings.seed))
    return dataclasses.replace(study, baselines=baseline_images(study.test_index, arrays, mean_image, settings.seed))


def _trust(inputs: EvidenceInputs, run: StageRun) -> Trust:
    """The trust checks on the published examples."""
    from generator.stages.keys import trust_components
    from generator.stages.trust import TrustEvidence, measure_trust, summarise

    settings, dataset = run.settings, inputs.dataset
    published = [e.test_index for e in inputs.examples]
    return summarise(run.cache.record(
        "trust", TrustEvidence, trust_components(settings, dataset.sha256, inputs.trained.sha256, published),
        lambda: measure_trust(inputs.model, dataset, inputs.evaluation.predictions, published,
                              inputs.eg_baselines, settings, run.log)),
        settings.seed)


def _decoy(inputs: EvidenceInputs, run: StageRun) -> Decoy:
    """Train (or reuse) the decoy model, then measure where each method's maps point; the patches
    go where both the decoy model's network (the report's CNN) and the normal model read."""
    from generator.stages import decoy as decoy_stage
    from generator.stages.keys import decoy_components
    from generator.stages.method_maps import every_method_maps
    from generator.stages.model import build_cnn, train_model
    from generator.stages.read_region import read_region

    settings, trained, log = run.settings, inputs.trained, run.log
    shape = tuple(int(d) for d in trained.model.inputs[0].shape[1:])  # the decoy network: the CNN for these inputs
    placed = read_region(build_cnn(shape, int(trained.model.outputs[0].shape[-1]))).within(read_region(trained.model))
    decoy_data, corners = decoy_stage.decoy_dataset(inputs.dataset, settings.decoy.patch, settings.seed,
                                                    settings.decoy.mismatched, (placed.rows, placed.columns))
    log(f"decoy: training the same network on {decoy_data.source}")
    decoy_model = train_model(decoy_data, decoy_training(settings), log)

    def maps_of(fn: GradFn, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        return every_method_maps(fn, x, t, settings.attribution, settings.seed, inputs.eg_baselines).maps

    measured = run.cache.record(
        "decoy", decoy_stage.DecoyMeasurement,
        decoy_components(settings, decoy_data.sha256, decoy_model.sha256, trained.sha256),
        lambda: decoy_stage.measure_decoy(
            decoy_model.model, inputs.model, decoy_data, corners, maps_of, settings.decoy.images,
            settings.decoy.patch, settings.seed, log, placed=placed))
    return dataclasses.replace(decoy_stage.summarise(measured, settings.seed, inputs.evaluation.accuracy),
                               training=decoy_model.description)


def decoy_training(settings: Settings) -> Settings:
    """The report's training settings on the first ``decoy.train_images`` images (fewer when the
    report's model itself trains on fewer)."""
    limits = [n for n in (settings.train.train_subset, settings.decoy.train_images) if n]
    return dataclasses.replace(settings, train=dataclasses.replace(settings.train, train_subset=min(limits, default=0)))


def evidence_jobs(evidence: Evidence, names: Sequence[str], score: ScoreWords | None = None) -> list[FigureJob]:
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


def _trust_jobs(trust: Trust) -> list[FigureJob]:
    """The trust page's figures; without the model randomisation (skipped: no layer to randomise)
    only the deletion and insertion curves, the randomisation figures having nothing to show."""
    from generator.figures.trust import curves_job, trust_jobs

    if trust.randomisation_skipped is None:
        return trust_jobs(trust)
    return [curves_job(trust)]


def evidence_pages(evidence: Evidence, names: Sequence[str], published_maps: int, settings: Settings, *,
                   mnist: bool) -> dict[str, tuple[str, dict[str, Any]]]:
    """Docs-relative page → (template, context) of every evidence stage that ran; ``mnist``: whether
    the pages may speak of MNIST's digits (:mod:`generator.stages.naming`)."""
    from generator.pages import baselines as baselines_page
    from generator.stages.model_output import score_words

    pages: dict[str, tuple[str, dict[str, Any]]] = {baselines_page.PAGE: (baselines_page.TEMPLATE, baselines_page.baselines_context(
        evidence.baselines, names, published_maps, mnist=mnist, score=score_words(settings.model.output)))}
    decoy_page_path = None
    if evidence.decoy is not None:
        from generator.pages import decoy as decoy_page

        decoy_page_path = decoy_page.PAGE
        pages[decoy_page.PAGE] = (decoy_page.TEMPLATE, decoy_page.decoy_context(
            evidence.decoy, settings.decoy.mismatched, trust_page=evidence.trust is not None, mnist=mnist,
            classes=len(names)))
    if evidence.trust is not None:
        from generator.pages import trust as trust_page

        pages[trust_page.PAGE] = (trust_page.TEMPLATE, trust_page.trust_context(evidence.trust, decoy_page_path,
                                                                                  classes=len(names)))
    return pages


def pages_left_out(evidence: Evidence) -> tuple[str, ...]:
    """Pages of the navigation that this build did not write."""
    return (() if evidence.trust is not None else ("trust.md",)) + (() if evidence.decoy is not None else ("decoy.md",))
