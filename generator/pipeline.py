"""``build(settings)``: run the stages in order, report progress and timings.

data → model → evaluation → selection → attributions → (whole test set) → figures →
published data → mathematics → pages → site
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from . import __version__
from .settings import Settings

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
    """Build the whole report into ``settings.output.site_dir``; see the module docstring."""
    import numpy as np

    from .attributions import GradientFunction
    from .data import load_dataset, to_model_input
    from .explain import compute_attributions, to_examples
    from .manifest import build_manifest, copy_if_changed, write_arrays, write_manifest
    from .model import evaluate, load_user_model, train_model
    from .pages import render_pages
    from .selection import attribution_requests, select_examples
    from .site import build_site

    root = project_dir()
    docs = root / "site_src"
    timings = Timings()
    whole = None

    with timings.stage("data", log):
        dataset = load_dataset(settings.data.path or None)
        log(f"data: {dataset.source}: {len(dataset.x_train)} train / {len(dataset.x_test)} test images")
    with timings.stage("model", log):
        trained = load_user_model(Path(settings.train.model)) if settings.train.model else train_model(dataset, settings, log)
    with timings.stage("evaluation", log):
        evaluation = evaluate(trained.model, dataset)
        log(f"evaluation: test accuracy {evaluation.accuracy:.2%}")
    with timings.stage("selection", log):
        selection = select_examples(dataset.y_test, evaluation.predictions, evaluation.confidences,
                                    settings.selection.per_class, settings.selection.max_misclassified)
        index, target, contrast_rows = attribution_requests(selection, dataset.y_test, evaluation.predictions)
        log(f"selection: {sum(map(len, selection.correct))} correct, {len(selection.misclassified)} of "
            f"{selection.misclassified_total} misclassified; {len(index)} (image, target) rows")
    with timings.stage("attributions", log):
        grad_fn = GradientFunction(trained.model, chunk_size=settings.attribution.chunk_size)
        arrays = compute_attributions(grad_fn, to_model_input(dataset.x_test[index]), index, target,
                                      contrast_rows, settings.attribution, settings.seed, log)
        examples = to_examples(arrays, dataset.y_test, evaluation)
        errors = np.concatenate([arrays.ig.relative_error, arrays.contrast.relative_error])
        log(f"attributions: median completeness error {np.median(errors):.3%}, "
            f"{int(np.sum(errors > 0.01))} of {len(errors)} IG maps above 1%")
    if settings.attribution.whole_test_set:
        from .whole_test_set import attribute_whole_test_set

        with timings.stage("whole test set", log):
            whole = attribute_whole_test_set(grad_fn, to_model_input(dataset.x_test), dataset.y_test,
                                             evaluation.predictions, settings.attribution, log)
    with timings.stage("figures", log):
        figures = _draw_figures(examples, evaluation, trained.history, whole, settings, docs, log)
    with timings.stage("published data", log):
        write_arrays(arrays, docs / "data" / "attributions.npz")
        copy_if_changed(trained.path, docs / "data" / "model.keras")
        whole_summary = None if whole is None else {
            "steps": whole.steps, "images": int(len(whole.relative_error)),
            "median_relative_error": float(np.median(whole.relative_error)),
            "class_mean_figures": figures["means"]}
        manifest = build_manifest(version=__version__, settings=settings.to_dict(), dataset=dataset,
                                  trained=trained, evaluation=evaluation, selection=selection, arrays=arrays,
                                  figures=figures["examples"], whole_test_set=whole_summary)
        write_manifest(manifest, docs / "manifest.json")
    # --- mathematics pages (issue 4): one stage call goes here ---
    # --- end mathematics pages ---
    with timings.stage("pages", log):
        from .report_pages import page_inputs

        render_pages(page_inputs(settings, dataset, trained, evaluation, selection, examples, figures, manifest),
                     root / "templates", docs)
    with timings.stage("site", log):
        build_site(root / "mkdocs.yml", docs, Path(settings.output.site_dir), site_name=settings.output.title)
        log(f"site: built {settings.output.site_dir}")
    log(timings.summary())
    return BuildResult(Path(settings.output.site_dir), evaluation.accuracy, len(examples),
                       manifest["attribution"]["completeness"]["median_relative_error"], timings)


def _draw_figures(examples: Any, evaluation: Any, history: Any, whole: Any, settings: Settings,
                  docs: Path, log: Log) -> dict[str, Any]:
    """Draw every figure (in worker processes) and return their paths relative to ``docs``."""
    from .example_figure import draw_class_means, draw_example, map_scales
    from .figures import draw_confusion_matrix, draw_training_curves
    from .parallel import run_in_processes

    names = settings.data.class_names
    scales = map_scales(examples)
    paths: dict[str, Any] = {
        "examples": {e.test_index: f"figures/examples/test-{e.test_index:05d}.png" for e in examples},
        "means": {} if whole is None else {m.label: f"figures/means/class-{m.label}.png" for m in whole.means},
        "confusion": "figures/confusion.png",
        "curves": None if history is None else "figures/training-curves.png",
    }
    tasks: list[tuple[Callable[..., bool], tuple[Any, ...]]] = [
        (draw_example, (e, scales, names, docs / paths["examples"][e.test_index])) for e in examples]
    tasks += [(draw_class_means, (m, names, docs / paths["means"][m.label])) for m in (whole.means if whole else ())]
    tasks.append((draw_confusion_matrix, (evaluation.confusion, names, docs / paths["confusion"])))
    if history is not None:
        tasks.append((draw_training_curves, (history, docs / paths["curves"])))
    changed = run_in_processes(tasks, lambda done, total: log(f"figures: {done}/{total}") if done % 50 == 0 or done == total else None)
    log(f"figures: {sum(changed)} of {len(tasks)} files changed")
    _remove_stale(docs / "figures" / "examples", {Path(p).name for p in paths["examples"].values()})
    _remove_stale(docs / "figures" / "means", {Path(p).name for p in paths["means"].values()})
    return paths


def _remove_stale(directory: Path, keep: set[str]) -> None:
    """Delete generated files from an earlier build that this build no longer produces."""
    if directory.is_dir():
        for path in directory.iterdir():
            if path.name not in keep:
                path.unlink()
