"""``build(settings)``: run the stages in order, report progress and timings.

data → model → evaluation → selection → attributions → figures → published data → pages → site
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

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

    from .data import load_dataset, to_model_input
    from .explain import compute_attributions, to_examples
    from .figures import draw_confusion_matrix, draw_example, draw_training_curves, map_scales
    from .manifest import completeness_summary, copy_if_changed, example_records, write_arrays, write_manifest
    from .model import ARCHITECTURE, evaluate, load_user_model, train_model
    from .pages import PageInputs, render_pages
    from .selection import attribution_requests, select_examples
    from .site import build_site

    root = project_dir()
    docs = root / "site_src"
    site_dir = Path(settings.output.site_dir)
    timings = Timings()
    names = settings.data.class_names

    with timings.stage("data", log):
        dataset = load_dataset(settings.data.path or None)
        log(f"data: {dataset.source}: {len(dataset.x_train)} train / {len(dataset.x_test)} test images")
    with timings.stage("model", log):
        if settings.train.model:
            trained = load_user_model(Path(settings.train.model))
        else:
            trained = train_model(dataset, settings, log)
    with timings.stage("evaluation", log):
        evaluation = evaluate(trained.model, dataset)
        log(f"evaluation: test accuracy {evaluation.accuracy:.2%}")
    with timings.stage("selection", log):
        selection = select_examples(
            dataset.y_test, evaluation.predictions, evaluation.confidences,
            settings.selection.per_class, settings.selection.max_misclassified,
        )
        index, target = attribution_requests(selection, dataset.y_test, evaluation.predictions)
        log(f"selection: {sum(map(len, selection.correct))} correct, {len(selection.misclassified)} of "
            f"{selection.misclassified_total} misclassified; {len(index)} (image, target) rows")
    with timings.stage("attributions", log):
        arrays = compute_attributions(trained.model, to_model_input(dataset.x_test[index]), index, target,
                                      settings.attribution, log)
        examples = to_examples(arrays, dataset.y_test, evaluation)
        summary = completeness_summary(arrays)
        log(f"attributions: median completeness error {summary['median_relative_error']:.3%}, "
            f"{summary['rows_above_tolerance']} row(s) above {summary['tolerance']:.0%}")
    with timings.stage("figures", log):
        scales = map_scales(examples)
        figure_of = {e.test_index: f"figures/examples/test-{e.test_index:05d}.png" for e in examples}
        for number, example in enumerate(examples, 1):
            draw_example(example, scales, names, docs / figure_of[example.test_index])
            if number % 25 == 0 or number == len(examples):
                log(f"figures: {number}/{len(examples)}")
        _remove_stale(docs / "figures" / "examples", {Path(p).name for p in figure_of.values()})
        draw_confusion_matrix(evaluation.confusion, names, docs / "figures" / "confusion.png")
        curves = None
        if trained.history is not None:
            curves = "figures/training-curves.png"
            draw_training_curves(trained.history, docs / curves)
    with timings.stage("published data", log):
        write_arrays(arrays, docs / "data" / "attributions.npz")
        copy_if_changed(trained.path, docs / "data" / "model.keras")
        manifest = {
            "tool": {"name": "gradient-gallery", "version": __version__},
            "settings": settings.to_dict(),
            "data": {"source": dataset.source, "sha256": dataset.sha256,
                     "train_images": int(len(dataset.x_train)), "test_images": int(len(dataset.x_test))},
            "model": {"sha256": trained.sha256, "description": trained.description, "file": "data/model.keras",
                      "test_accuracy": evaluation.accuracy,
                      "per_class_accuracy": [float(a) for a in evaluation.per_class_accuracy],
                      "confusion": evaluation.confusion.tolist()},
            "attribution": {"method": settings.attribution.method, "steps": settings.attribution.steps,
                            "baseline": settings.attribution.baseline, "target": "logit",
                            "completeness": summary, "file": "data/attributions.npz"},
            "selection": {"per_class": settings.selection.per_class,
                          "misclassified_published": len(selection.misclassified),
                          "misclassified_total": selection.misclassified_total},
            "examples": example_records(arrays, dataset.y_test, evaluation.predictions,
                                        evaluation.confidences, figure_of),
        }
        write_manifest(manifest, docs / "manifest.json")
    with timings.stage("pages", log):
        inputs = PageInputs(
            title=settings.output.title,
            class_names=names,
            evaluation=evaluation,
            examples=examples,
            example_figures=figure_of,
            confusion_figure="figures/confusion.png",
            curves_figure=curves,
            model_summary=(
                ("Architecture", ARCHITECTURE),
                ("Origin", trained.description),
                ("Model sha256", trained.sha256),
                ("Data", dataset.source),
                ("Data sha256", dataset.sha256),
                ("Test accuracy", f"{evaluation.accuracy:.2%}"),
            ),
            attribution_summary=(
                ("Attributed output", "class logit (pre-softmax)"),
                ("IG quadrature", f"{settings.attribution.method}, {settings.attribution.steps} steps "
                                  "(doubled for maps above the tolerance)"),
                ("IG baseline", f"constant {settings.attribution.baseline:g} (black)"
                                if settings.attribution.baseline == 0 else f"constant {settings.attribution.baseline:g}"),
                ("Median completeness error", f"{summary['median_relative_error']:.3%}"),
                ("Maximum completeness error", f"{summary['max_relative_error']:.3%}"),
                ("Maps above the 1% tolerance", f"{summary['rows_above_tolerance']} of {summary['rows']}"),
            ),
            misclassified_total=selection.misclassified_total,
            tool_version=__version__,
        )
        render_pages(inputs, root / "templates", docs)
    with timings.stage("site", log):
        build_site(root / "mkdocs.yml", docs, site_dir, site_name=settings.output.title)
        log(f"site: built {site_dir}")
    log(timings.summary())
    return BuildResult(site_dir, evaluation.accuracy, len(examples),
                       float(np.median(arrays.relative_error)), timings)


def _remove_stale(directory: Path, keep: set[str]) -> None:
    """Delete generated files from an earlier build that this build no longer produces."""
    if directory.is_dir():
        for path in directory.iterdir():
            if path.name not in keep:
                path.unlink()
