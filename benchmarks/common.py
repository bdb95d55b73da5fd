"""What every benchmark shares: its command line, the model it measures, the machine it ran on,
a fresh report project or an earlier revision to run, and the small measures the sampling studies
print.

Run each benchmark from the checkout's top folder as ``python -m benchmarks.NAME``; Python then
imports ``generator`` from this checkout without any change to the import path.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
"""The checkout the benchmarks belong to."""
MODELS = ROOT / ".gradient-gallery" / "models"
"""Where a build in this checkout caches its trained models."""


def parser(module_doc: str) -> argparse.ArgumentParser:
    """An argument parser whose ``--help`` prints the benchmark's module docstring (the benchmark
    is the module ``python -m`` runs)."""
    name = Path(sys.argv[0]).stem
    return argparse.ArgumentParser(prog=f"python -m benchmarks.{name}", description=module_doc,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def newest_model() -> Path:
    """The most recently written ``cnn-*.keras`` of this checkout's cache (it may be the decoy's:
    name ``site/data/model.keras`` for the report's own); exits with a message when there is none."""
    models = sorted(MODELS.glob("cnn-*.keras"), key=lambda path: path.stat().st_mtime)
    if not models:
        sys.exit(f"no model in {MODELS.relative_to(ROOT)}: run gradient-gallery build first, or name a .keras file")
    return models[-1]


def model_path(given: str | None) -> Path:
    """The model a benchmark measures: the file given, else :func:`newest_model`."""
    return Path(given) if given else newest_model()


def _first_line(path: str, prefix: str) -> str:
    """The value of the first line of a ``/proc`` file that starts with ``prefix`` ('' if none)."""
    try:
        with open(path, encoding="utf-8") as lines:
            return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(prefix)), "")
    except OSError:
        return ""


def machine() -> str:
    """One line naming the date and the machine: CPU, cores, memory, Python and TensorFlow versions."""
    memory = _first_line("/proc/meminfo", "MemTotal")
    gib = f", {int(memory.split()[0]) / 2**20:.0f} GiB" if memory else ""
    cpu = _first_line("/proc/cpuinfo", "model name") or platform.processor() or platform.machine()
    try:
        tensorflow = metadata.version("tensorflow-cpu")
    except metadata.PackageNotFoundError:
        try:
            tensorflow = metadata.version("tensorflow")
        except metadata.PackageNotFoundError:
            tensorflow = "not installed"
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    return (f"{today}; {cpu}, {os.cpu_count()} cores{gib}; Python {platform.python_version()}, "
            f"TensorFlow {tensorflow}")


def report_machine() -> None:
    """Print :func:`machine` as the first line of a benchmark's output, so its numbers carry it."""
    print(f"machine: {machine()}", flush=True)


def best_of(repeats: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """(smallest wall time in seconds, the last result) of ``repeats`` calls of ``run``."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def copy_project(checkout: Path, folder: Path) -> Path:
    """A fresh report project in ``folder``: the checkout's mkdocs.yml, templates/ and hand-written
    pages (see ``generator.publish.layout.site_files``), no cache and no site."""
    from generator.publish.layout import site_files

    for source, name in site_files(checkout):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, folder / name)
    return folder


@contextlib.contextmanager
def revision_checkout(revision: str) -> Iterator[Path]:
    """An earlier revision of this repository checked out in a temporary folder (git worktree),
    removed afterwards."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(folder), revision], check=True)
        try:
            yield folder
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], check=False)


def relative_l1(maps: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per map, ‖map − reference‖₁ / ‖reference‖₁ (maps shaped (N, …))."""
    axes = tuple(range(1, maps.ndim))
    return np.abs(maps - reference).sum(axis=axes) / np.abs(reference).sum(axis=axes)


def gradients(grad_fn: Any, points: np.ndarray, targets: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """float32 gradients of each point's target logit, ``chunk`` points per compiled call."""
    out = np.empty(points.shape, np.float32)
    for start in range(0, len(points), chunk):
        out[start:start + chunk], _ = grad_fn(points[start:start + chunk], targets[start:start + chunk])
    return out


def sampling_study_parser(module_doc: str, counts_flag: str, counts: tuple[int, ...]) -> argparse.ArgumentParser:
    """The command line of a sampling study (SmoothGrad's or Expected Gradients' schemes): a model,
    seeds, the sample counts under ``counts_flag``, the schemes and a cache for the reference."""
    arguments = parser(module_doc)
    arguments.add_argument("model", nargs="?", help="a .keras model (default: the newest in the cache)")
    arguments.add_argument("--seeds", type=int, default=8, help="seeds per scheme (default %(default)s)")
    arguments.add_argument(counts_flag, dest="counts", type=lambda v: tuple(int(n) for n in v.split(",")),
                           default=counts, help="sample counts, comma-separated (default %(default)s)")
    arguments.add_argument("--schemes", type=lambda v: v.split(","), help="schemes, comma-separated (default: all)")
    arguments.add_argument("--cache", help="an .npz that keeps the reference maps between runs")
    return arguments


def study_images(grad_fn: Any, test: np.ndarray, labels: np.ndarray, correct: int,
                 wrong: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(images, their predicted classes, how many are right, how many wrong): the first ``correct``
    test images the model gets right, then the first ``wrong`` it gets wrong."""
    predicted = grad_fn.logits(test).argmax(axis=1)
    right = np.flatnonzero(predicted == labels)[:correct]
    mistaken = np.flatnonzero(predicted != labels)[:wrong]
    index = np.r_[right, mistaken]
    return test[index], predicted[index], len(right), len(mistaken)


def two_references(cache: str | None, make: Callable[[int], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Two independent references, ``make(1)`` and ``make(2)``; kept in the .npz ``cache`` when one is
    named, and read from it when it exists."""
    if cache and Path(cache).exists():
        with np.load(cache) as stored:
            return stored["a"], stored["b"]
    a, b = make(1), make(2)
    if cache:
        np.savez(cache, a=a, b=b)
    return a, b
