"""Cached stage bodies for :func:`generator.pipeline.build`.

Each expensive stage is keyed by a fingerprint of its inputs (data hash, model hash, its
own settings, upstream keys and a format version). A stage whose key is unchanged reuses its
stored result; otherwise the console says which inputs changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .cache import ArrayCache, OutputLedger, StageLog, fingerprint
from .errors import UserError
from .numbers import percent
from .settings import Settings

Log = Callable[[str], None]
ATTRIBUTION_FORMAT = 4
"""Bump when the attribution code changes what it computes, so cached results are dropped."""
FIGURE_FORMAT = 5  # 5: tiles; 4: completeness lines in the one percent format (generator.numbers)
"""Bump when the figure code changes what it draws."""


class GateError(UserError, RuntimeError):
    """A quality gate failed; nothing was published."""


@dataclass
class StageCache:
    """The build's cache directory and what it knows about earlier runs."""

    directory: Path
    log: Log

    def __post_init__(self) -> None:
        self.stages = StageLog(self.directory / "stages.json")

    def arrays(self, stage: str, components: dict[str, str],
               compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """The stage's arrays for ``components``: reused when cached, else computed and stored."""
        key = fingerprint(components)[:20]
        store = ArrayCache(self.directory / stage.replace(" ", "-"))
        cached = store.load(key)
        if cached is not None:
            self.log(f"{stage}: reused (same {', '.join(components)}; key {key})")
            self.stages.record(stage, components)
            return cached
        self.log(f"{stage}: computing ({self.stages.reason(stage, components)})")
        arrays = compute()
        store.store(key, arrays)
        self.stages.record(stage, components)
        return arrays


def attribution_components(settings: Settings, data_sha256: str, model_sha256: str) -> dict[str, str]:
    """What the published maps depend on, one hash per named input."""
    attribution = settings.to_dict()["attribution"]
    for whole_only in ("whole_test_set", "whole_test_set_steps"):
        attribution.pop(whole_only)
    return {
        "data": data_sha256,
        "model": model_sha256,
        "selection settings": fingerprint(settings.to_dict()["selection"]),
        "attribution settings": fingerprint(attribution, settings.seed),
        "attribution code": str(ATTRIBUTION_FORMAT),
    }


def whole_test_set_components(settings: Settings, data_sha256: str, model_sha256: str) -> dict[str, str]:
    attribution = settings.attribution
    return {
        "data": data_sha256,
        "model": model_sha256,
        "attribution settings": fingerprint(attribution.whole_test_set_steps, attribution.method,
                                            attribution.baseline),
        "attribution code": str(ATTRIBUTION_FORMAT),
    }


def check_gates(settings: Settings, accuracy: float, completeness: dict[str, Any]) -> None:
    """Raise :class:`GateError` when a quality gate fails."""
    gates = settings.gates
    if accuracy < gates.min_accuracy:
        raise GateError(f"quality gate failed: test accuracy {percent(accuracy)} is below the minimum "
                        f"{percent(gates.min_accuracy)} (gates.min_accuracy); the published site was left as it was")
    share = completeness["maps_above_tolerance"] / max(completeness["maps"], 1)
    if share > gates.max_incomplete_share:
        raise GateError(f"quality gate failed: {completeness['maps_above_tolerance']} of {completeness['maps']} IG "
                        f"maps ({percent(share, 3)}) miss the {percent(completeness['tolerance'], 0)} completeness "
                        f"tolerance, above the maximum {percent(gates.max_incomplete_share, 3)} "
                        "(gates.max_incomplete_share); the published site was left as it was")


def draw_figures(gallery: Any, evaluation: Any, history: Any, whole: Any, settings: Settings,
                 docs: Path, cache_dir: Path, log: Log) -> dict[str, Any]:
    """Draw every figure and map tile whose inputs changed (in worker processes).

    One job list, one ledger, one process pool. Returns the paths, relative to ``docs``.
    """
    from .example_figure import draw_class_means
    from .figures import draw_confusion_matrix, draw_training_curves
    from .gallery import colour_bar_path, tile_jobs
    from .parallel import run_in_processes
    from .tiles import draw_colour_bar, draw_tile

    names = settings.data.class_names
    paths: dict[str, Any] = {
        "means": {} if whole is None else {m.label: f"figures/means/class-{m.label}.png" for m in whole.means},
        "confusion": "figures/confusion.png",
        "curves": None if history is None else "figures/training-curves.png",
    }
    jobs: list[tuple[str, Callable[..., bool], tuple[Any, ...]]] = [
        (relative, draw_tile, (values, scale)) for relative, values, scale in tile_jobs(gallery)]
    jobs += [(colour_bar_path(m.key), draw_colour_bar, (m.scale,)) for m in gallery.methods]
    jobs += [(paths["means"][m.label], draw_class_means, (m, names)) for m in (whole.means if whole else ())]
    jobs.append((paths["confusion"], draw_confusion_matrix, (evaluation.confusion, names)))
    if history is not None:
        jobs.append((paths["curves"], draw_training_curves, (history,)))

    ledger = OutputLedger(cache_dir / "figures.json", docs)
    keys = {relative: fingerprint(FIGURE_FORMAT, function.__name__, args) for relative, function, args in jobs}
    stale = [(relative, function, args) for relative, function, args in jobs if not ledger.is_fresh(relative, keys[relative])]
    if stale:
        log(f"figures: drawing {len(stale)} of {len(jobs)} (inputs changed or file missing)")
    run_in_processes([(function, (*args, docs / relative)) for relative, function, args in stale],
                     lambda done, total: log(f"figures: {done}/{total}") if done % 500 == 0 or done == total else None)
    for relative, _, _ in stale:
        ledger.record(relative, keys[relative])
    log(f"figures: {len(jobs) - len(stale)} of {len(jobs)} reused unchanged")
    drawn = {relative for relative, _, _ in jobs}
    for folder in ("tiles", "means", "examples"):
        remove_stale(docs / "figures" / folder, {Path(p).name for p in drawn if Path(p).parent.name == folder})
    ledger.forget_missing()
    ledger.save()
    return paths


def remove_stale(directory: Path, keep: set[str]) -> None:
    """Delete generated files from an earlier build that this build no longer produces."""
    if directory.is_dir():
        for path in directory.iterdir():
            if path.name not in keep:
                path.unlink()
