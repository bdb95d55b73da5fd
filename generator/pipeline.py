"""``build(settings)``: run the stages in order, report progress and timings.

Gather, then draw, then write: the computing stages (``generator.stages``) return typed
results — data → model → evaluation → selection → attributions → (whole test set) → gallery →
mathematics → the evidence stages (baseline study, trust checks, decoy check; see
:mod:`generator.evidence`) → (changes) — then one figures pass draws every image of the site
(``generator.figures``), the published data are written, one pages pass renders every
generated page (``generator.pages``) and the site engine builds and publishes the site
(``generator.publish``).
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from generator import __version__
from generator.plumbing.numbers import percent, percent_exact
from generator.plumbing.settings import Settings
from generator.publish.layout import Layout, copy_pages

Log = Callable[[str], None]


def _print(message: str) -> None:
    print(message, flush=True)


@dataclass
class Timings:
    """Seconds spent per stage, in the order the stages ran."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str, log: Log) -> Iterator[None]:
        log(f"==> {name}")
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = time.perf_counter() - start

    def summary(self) -> str:
        width = max(len(name) for name in self.seconds)
        lines = [f"  {name:<{width}}  {seconds:7.1f} s" for name, seconds in self.seconds.items()]
        lines.append(f"  {'total':<{width}}  {sum(self.seconds.values()):7.1f} s")
        return "stage timings:\n" + "\n".join(lines)


@dataclass(frozen=True)
class BuildResult:
    site_dir: Path
    accuracy: float
    examples: int
    median_relative_error: float
    timings: Timings


def build(settings: Settings, log: Log = _print, config: Path | None = None) -> BuildResult:
    """Build the whole report into ``settings.output.site_dir``, holding the project's lock and
    the output folder's; ``config`` is the settings file given with ``--config``, if any."""
    from generator.plumbing.guard import build_lock, output_lock_path, recover_site
    from generator.plumbing.output_guard import check_build_folders, tag_cache
    from generator.plumbing.settings_file import PROJECT_SETTINGS
    from generator.publish.layout import find_layout

    if settings.output.engine == "zensical":  # before any stage runs, not after minutes of training
        from generator.publish.zensical import require_zensical

        require_zensical()
    layout = find_layout(Path.cwd(), settings.output.cache_dir)
    site = Path(settings.output.site_dir)
    check_build_folders(settings.output.site_dir, settings.output.cache_dir, layout.root,
                        project_files=(layout.config, layout.pages, layout.root / "templates") if layout.project else (),
                        settings_files=(PROJECT_SETTINGS, Path("pyproject.toml"), *([config] if config else [])))
    with (build_lock(layout.root),
          build_lock(layout.root, output_lock_path(site), f"is publishing into {site.absolute()}")):
        for action in recover_site(site):
            log(f"recovery: {action}")
        tag_cache(Path(settings.output.cache_dir))
        if not layout.project:
            log(f"site sources: the packaged defaults (no mkdocs.yml and site_src/ here), assembled in {layout.docs}")
        return _build(settings, layout, log)


def _build(settings: Settings, layout: Layout, log: Log) -> BuildResult:
    """The stages in order; see the module docstring."""
    from generator.figures.changes import changes_jobs
    from generator.figures.jobs import draw_all
    from generator.figures.mathematics import mathematics_jobs
    from generator.figures.report import report_jobs
    from generator.pages.about import REPORT_BUILD_PAGE, library_versions, report_build_context
    from generator.stages.checked_maps import expected_gradients_summary
    from generator.pages.changes import PAGE as CHANGES_PAGE
    from generator.pages.changes import TEMPLATE as CHANGES_TEMPLATE
    from generator.pages.changes import changes_context
    from generator.pages.inputs import page_inputs
    from generator.pages.render import render_all
    from generator.pages.report import report_pages
    from generator.plumbing.redact import public_settings, public_text
    from generator.plumbing.stage_cache import StageCache
    from generator.publish.build import build_site
    from generator.publish.nav import class_nav_pages
    from generator.publish.vendor import vendor_assets
    from generator.stages.attribute import (arrays_from_dict, arrays_to_dict, baseline_sample, compute_attributions,
                                            non_finite_rows, to_examples)
    from generator.stages.data import load_buildable_dataset, to_model_input
    from generator.stages.gallery import absent_misclassified_pages, build_gallery, paged_classes
    from generator.stages.gates import check_gates
    from generator.stages.keys import attribution_components, whole_test_set_components
    from generator.stages.manifest import (build_manifest, completeness_summary, copy_if_changed, write_arrays,
                                           write_manifest, write_predictions)
    from generator.stages.mathematics import measure_mathematics
    from generator.stages.model import evaluate, load_user_model, train_model
    from generator.stages.model_output import score_words
    from generator.stages.naming import dataset_words
    from generator.stages.report_model import ReportModel
    from generator.stages.results import BuildFacts
    from generator.stages.selection import attribution_requests, check_rows, cost_warning, select_examples

    root, docs = layout.root, layout.docs
    if not layout.project:
        copy_pages(layout.pages, docs)
    cache = StageCache(Path(settings.output.cache_dir), log)
    timings = Timings()
    whole = changes = None

    previous = None
    if settings.output.previous:  # checked before the first stage, not after every map
        from generator.stages.previous import read_previous

        previous = read_previous(Path(settings.output.previous))
        log(f"previous: the report in {settings.output.previous} (gradient-gallery {previous.version}, "
            f"{len(previous.index)} published maps) is readable; its Changes page comes after the trust checks")
    with timings.stage("data", log):
        dataset = load_buildable_dataset(settings.data.path or None)
        words = dataset_words(settings.data, dataset.sha256, image_shape=dataset.image_shape,
                              classes=len(settings.data.class_names))
        log(f"data: {words.name}, {dataset.source}: {len(dataset.x_train)} train / {len(dataset.x_test)} test images")
        if previous is not None:
            from generator.stages.previous import check_same_test_data

            check_same_test_data(previous, dataset.y_test)
    scale = settings.model.input  # pixel/255 unless a loaded model reads another scale
    with timings.stage("model", log):
        if settings.train.model:
            from generator.stages.input_check import check_input_scale

            trained = load_user_model(Path(settings.train.model), scale)
            check_input_scale(trained.model, dataset, scale, settings.model.allow_low_accuracy, log,
                              output=settings.model.output)
        else:
            trained = train_model(dataset, settings, log)
    report_model = ReportModel.of(trained.model, settings)  # how it reads pixels, its one gradient function
    with timings.stage("evaluation", log):
        evaluation = evaluate(trained.model, dataset, input_scale=report_model.input_scale,
                              output=report_model.output)
        log(f"evaluation: test accuracy {percent(evaluation.accuracy)}")
    with timings.stage("selection", log):
        selection = select_examples(dataset.y_test, evaluation.predictions, evaluation.confidences, evaluation.margins,
                                    settings.selection.per_class, settings.selection.max_misclassified)
        index, target, contrast_rows = attribution_requests(selection, dataset.y_test, evaluation.predictions)
        correct = sum(map(len, selection.correct))
        log(f"selection: {correct} correct, {len(selection.misclassified)} of "
            f"{selection.misclassified_total} misclassified; {len(index)} (image, target) rows")
        check_rows(len(index), correct, selection.misclassified_total)
        warning = cost_warning(len(index), settings.attribution.steps, settings.attribution.smoothgrad_samples,
                               settings.attribution.expected_gradients_samples)
        if warning:
            log(f"selection: warning: {warning}")
    grad_fn = report_model.grad_fn
    eg_baselines = to_model_input(dataset.x_train[baseline_sample(
        len(dataset.x_train), settings.attribution.expected_gradients_baselines, settings.seed)])
    with timings.stage("attributions", log):
        arrays = arrays_from_dict(cache.arrays(
            "attributions", attribution_components(settings, dataset.sha256, trained.sha256),
            lambda: arrays_to_dict(compute_attributions(
                grad_fn, to_model_input(dataset.x_test[index]), index, target, contrast_rows,
                settings.attribution, settings.seed, eg_baselines, log))))
        tolerance = settings.attribution.flag_tolerance  # what every published IG map is held to
        examples = to_examples(arrays, dataset.y_test, evaluation, tolerance)
        summary = completeness_summary(arrays, tolerance)
        log(f"attributions: median completeness error {percent(summary.median_relative_error, 3)}, "
            f"{summary.maps_above_tolerance} of {summary.maps} IG maps above {percent_exact(summary.tolerance)}"
            + (f" ({summary.maps_not_finite} with non-finite values)" if summary.maps_not_finite else ""))
        eg = expected_gradients_summary(arrays.eg, arrays.contrast_eg)
        log(f"attributions: Expected Gradients median completeness error {percent(eg.median_relative_error)} over "
            f"{eg.maps} maps ({'within' if eg.within_level else 'ABOVE'} the stated {percent_exact(eg.level)} level); "
            f"{eg.flagged} map(s) flagged")
    if settings.attribution.whole_test_set:
        from generator.stages import whole_test_set as wts

        with timings.stage("whole test set", log):
            whole = wts.from_dict(cache.arrays(
                "whole test set", whole_test_set_components(settings, dataset.sha256, trained.sha256),
                lambda: wts.to_dict(wts.attribute_whole_test_set(
                    grad_fn, to_model_input(dataset.x_test), dataset.y_test, evaluation.predictions,
                    settings.attribution, log))))
    check_gates(settings, evaluation.accuracy, summary, non_finite_rows(arrays),
                len(arrays.index) + len(arrays.contrast_index))
    score = score_words(settings.model.output)  # what every page and figure says the maps are of
    with timings.stage("gallery", log):
        gallery = build_gallery(examples, evaluation.margins, len(settings.data.class_names), score,
                                paged_classes(evaluation.confusion))
    with timings.stage("mathematics", log):
        mathematics = measure_mathematics(grad_fn, arrays, examples, settings, trained.sha256,
                                          eg_baselines, cache, log)
    from generator.evidence import (EvidenceInputs, StageRun, evidence_jobs, evidence_pages, measure_evidence,
                                    pages_left_out)

    evidence = measure_evidence(EvidenceInputs(report_model, trained, dataset, evaluation, arrays, examples,
                                               mathematics.example_row, eg_baselines),
                                StageRun(settings, cache, timings, log))
    trust = evidence.trust
    if previous is not None:
        from generator.stages.changes import compute_changes

        with timings.stage("changes", log):
            changes = compute_changes(previous, dataset.y_test, to_model_input(dataset.x_test),
                                      evaluation, arrays, grad_fn, settings.attribution, log)

    names = settings.data.class_names
    with timings.stage("figures", log):
        jobs, figures = report_jobs(gallery, evaluation, trained.history, whole, names, score)
        change_jobs, change_figures = changes_jobs(changes, names, score)
        jobs += evidence_jobs(evidence, names, score)
        draw_all(jobs + mathematics_jobs(mathematics, arrays, settings) + change_jobs, docs, cache.directory, log)
    with timings.stage("published data", log):
        data_paths = [settings.data.path, os.environ.get("KERAS_HOME", ""), str(Path.home())]
        facts = BuildFacts(
            tool_version=__version__, settings=public_settings(settings.to_dict(), root),
            data_source=public_text(dataset.source, data_paths, root), data_name=words.name,
            data_description=words.description, data_sha256=dataset.sha256,
            train_images=int(len(dataset.x_train)), test_images=int(len(dataset.x_test)),
            model_sha256=trained.sha256, model_description=trained.description, test_accuracy=evaluation.accuracy,
            completeness_tolerance=tolerance)
        write_arrays(arrays, docs / "data" / "attributions.npz")
        write_predictions(dataset.y_test, evaluation, docs / "data" / "predictions.npz")
        copy_if_changed(trained.path, docs / "data" / "model.keras")
        if trust is not None:
            from generator.stages.manifest import write_trust_arrays

            write_trust_arrays(trust, docs / "data" / "trust.npz")
        write_manifest(build_manifest(facts, dataset.y_test, evaluation, selection, arrays, gallery, whole,
                                      figures.means, evidence), docs / "manifest.json")
    with timings.stage("pages", log):
        from generator.pages.trust import summary_line

        from generator.stages.read_region import read_region

        pages = report_pages(page_inputs(settings, facts, summary, evaluation, selection, examples, gallery, whole,
                                         figures, None if trust is None else summary_line(trust),
                                         architecture=trained.architecture, read_region=read_region(trained.model)))
        pages[REPORT_BUILD_PAGE] = ("report-build.md.j2",
                                    report_build_context(facts, mathematics, library_versions(),
                                                         expected_gradients_summary(arrays.eg, arrays.contrast_eg),
                                                         summary.nodes))
        pages.update(evidence_pages(evidence, names, len(arrays.index) + len(arrays.contrast_index), settings,
                                    mnist=words.is_mnist))
        if changes is not None:
            pages[CHANGES_PAGE] = (CHANGES_TEMPLATE, changes_context(changes, names, change_figures))
        render_all(pages, layout.templates, docs)
        vendor_assets(docs)
    with timings.stage("site", log):
        build_site(layout.config, docs, Path(settings.output.site_dir), site_name=settings.output.title,
                   site_url=settings.output.site_url,
                   omit_from_nav=((() if changes else (CHANGES_PAGE,)) + pages_left_out(evidence)
                                  + absent_misclassified_pages(gallery, len(names))),
                   engine=settings.output.engine, class_pages=class_nav_pages(pages))
        log(f"site: built {settings.output.site_dir}")
    log(timings.summary())
    return BuildResult(Path(settings.output.site_dir), evaluation.accuracy, len(examples),
                       summary.median_relative_error, timings)
