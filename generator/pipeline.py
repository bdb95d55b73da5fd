"""``build(settings)``: run the stages in order, report progress and timings.

data → model → evaluation → selection → attributions → (whole test set) → gallery → figures →
published data → mathematics → pages → site
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from . import __version__
from .numbers import percent
from .settings import Settings

Log = Callable[[str], None]


def _changes_page(settings: Settings, dataset: object, evaluation: object, arrays: object, grad_fn: object,
                  root: Path, docs: Path, log: Log) -> dict[int, str]:
    """The Changes page against ``settings.output.previous``; without one, no page (and the site's
    navigation leaves it out, see ``build_site(omit_from_nav=…)``)."""
    from .changes import compute_changes
    from .changes_page import PAGE, change_scale, changes_context, draw_changed_image, render_changes_page
    from .data import to_model_input
    from .parallel import run_in_processes
    from .stages import remove_stale

    changes, paths = None, {}
    if settings.output.previous:
        changes = compute_changes(Path(settings.output.previous), dataset.y_test, to_model_input(dataset.x_test),
                                  evaluation, arrays, grad_fn, settings.attribution, log)
        shown = changes.newly_misclassified + changes.newly_fixed
        paths = {c.test_index: f"figures/changes/test-{c.test_index:05d}.png" for c in shown}
        scale = change_scale(changes)
        run_in_processes([(draw_changed_image, (c, scale, settings.data.class_names, docs / paths[c.test_index]))
                          for c in shown])
    remove_stale(docs / "figures" / "changes", {Path(p).name for p in paths.values()})
    if changes is None:
        (docs / PAGE).unlink(missing_ok=True)  # a page from an earlier build with --previous
    else:
        render_changes_page(changes_context(changes, settings.data.class_names, paths), root / "templates", docs)
    return paths


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


def project_dir() -> Path:
    """The directory holding mkdocs.yml, templates/ and site_src/: the working directory
    when it has them, else the source checkout this package was installed from."""
    for candidate in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if all((candidate / name).exists() for name in ("mkdocs.yml", "templates", "site_src")):
            return candidate
    raise FileNotFoundError(
        "cannot find mkdocs.yml, templates/ and site_src/; run gradient-gallery from the project "
        "checkout (installed with pip install -e .)"
    )


def build(settings: Settings, log: Log = _print) -> BuildResult:
    """Build the whole report into ``settings.output.site_dir``, holding the project's lock."""
    from .guard import build_lock, recover_site

    root = project_dir()
    with build_lock(root):
        for action in recover_site(Path(settings.output.site_dir)):
            log(f"recovery: {action}")
        return _build(settings, root, log)


def _build(settings: Settings, root: Path, log: Log) -> BuildResult:
    """The stages in order; see the module docstring."""
    import numpy as np

    from .attributions import GradientFunction
    from .data import load_dataset, to_model_input
    from .explain import arrays_from_dict, arrays_to_dict, compute_attributions, to_examples
    from .manifest import (build_manifest, completeness_summary, copy_if_changed, write_arrays, write_manifest,
                           write_predictions)
    from .model import evaluate, load_user_model, train_model
    from .pages import render_pages
    from .selection import attribution_requests, select_examples
    from .site import build_site
    from .stages import StageCache, attribution_components, check_gates, draw_figures, whole_test_set_components

    docs = root / "site_src"
    cache = StageCache(Path(settings.output.cache_dir), log)
    timings = Timings()
    whole = None

    with timings.stage("data", log):
        dataset = load_dataset(settings.data.path or None)
        log(f"data: {dataset.source}: {len(dataset.x_train)} train / {len(dataset.x_test)} test images")
    with timings.stage("model", log):
        trained = load_user_model(Path(settings.train.model)) if settings.train.model else train_model(dataset, settings, log)
    with timings.stage("evaluation", log):
        evaluation = evaluate(trained.model, dataset)
        log(f"evaluation: test accuracy {percent(evaluation.accuracy)}")
    with timings.stage("selection", log):
        selection = select_examples(dataset.y_test, evaluation.predictions, evaluation.confidences, evaluation.margins,
                                    settings.selection.per_class, settings.selection.max_misclassified)
        index, target, contrast_rows = attribution_requests(selection, dataset.y_test, evaluation.predictions)
        log(f"selection: {sum(map(len, selection.correct))} correct, {len(selection.misclassified)} of "
            f"{selection.misclassified_total} misclassified; {len(index)} (image, target) rows")
    grad_fn = GradientFunction(trained.model, chunk_size=settings.attribution.chunk_size)
    with timings.stage("attributions", log):
        arrays = arrays_from_dict(cache.arrays(
            "attributions", attribution_components(settings, dataset.sha256, trained.sha256),
            lambda: arrays_to_dict(compute_attributions(
                grad_fn, to_model_input(dataset.x_test[index]), index, target, contrast_rows,
                settings.attribution, settings.seed, log))))
        examples = to_examples(arrays, dataset.y_test, evaluation)
        summary = completeness_summary(arrays)
        log(f"attributions: median completeness error {percent(summary['median_relative_error'], 3)}, "
            f"{summary['maps_above_tolerance']} of {summary['maps']} IG maps above {percent(summary['tolerance'], 0)}"
            + (f" ({summary['maps_not_finite']} with non-finite values)" if summary["maps_not_finite"] else ""))
    if settings.attribution.whole_test_set:
        from . import whole_test_set as wts

        with timings.stage("whole test set", log):
            whole = wts.from_dict(cache.arrays(
                "whole test set", whole_test_set_components(settings, dataset.sha256, trained.sha256),
                lambda: wts.to_dict(wts.attribute_whole_test_set(
                    grad_fn, to_model_input(dataset.x_test), dataset.y_test, evaluation.predictions,
                    settings.attribution, log))))
    check_gates(settings, evaluation.accuracy, summary)
    with timings.stage("gallery", log):
        from .gallery import build_gallery

        gallery = build_gallery(examples, evaluation.margins, len(settings.data.class_names))
    with timings.stage("figures", log):
        figures = draw_figures(gallery, evaluation, trained.history, whole, settings, docs, cache.directory, log)
    with timings.stage("published data", log):
        from .redact import public_settings, public_text

        data_paths = [settings.data.path, os.environ.get("KERAS_HOME", ""), str(Path.home())]
        write_arrays(arrays, docs / "data" / "attributions.npz")
        write_predictions(dataset.y_test, evaluation, docs / "data" / "predictions.npz")
        copy_if_changed(trained.path, docs / "data" / "model.keras")
        whole_summary = None if whole is None else {
            "steps": whole.steps, "images": int(len(whole.relative_error)),
            "median_relative_error": float(np.median(whole.relative_error)),
            "class_mean_figures": figures["means"]}
        manifest = build_manifest(version=__version__, settings=public_settings(settings.to_dict(), root),
                                  data_source=public_text(dataset.source, data_paths, root), dataset=dataset,
                                  trained=trained, evaluation=evaluation, selection=selection, arrays=arrays,
                                  gallery=gallery, whole_test_set=whole_summary)
        write_manifest(manifest, docs / "manifest.json")
    # --- mathematics pages (issue 4): one stage call goes here ---
    with timings.stage("mathematics", log):
        from .mathematics import write_mathematics

        write_mathematics(grad_fn, arrays, settings, manifest, root / "templates", docs, log)
    # --- end mathematics pages ---
    with timings.stage("changes", log):
        figures["changes"] = _changes_page(settings, dataset, evaluation, arrays, grad_fn, root, docs, log)
    with timings.stage("pages", log):
        from .report_pages import page_inputs

        render_pages(page_inputs(settings, dataset, trained, evaluation, selection, examples, gallery, figures,
                                 manifest),
                     root / "templates", docs)
    with timings.stage("site", log):
        from .changes_page import PAGE as CHANGES_PAGE

        build_site(root / "mkdocs.yml", docs, Path(settings.output.site_dir), site_name=settings.output.title,
                   site_url=settings.output.site_url,
                   omit_from_nav=() if settings.output.previous else (CHANGES_PAGE,))
        log(f"site: built {settings.output.site_dir}")
    log(timings.summary())
    return BuildResult(Path(settings.output.site_dir), evaluation.accuracy, len(examples),
                       manifest["attribution"]["completeness"]["median_relative_error"], timings)

