"""The cache of the expensive stages: results keyed by a fingerprint of their inputs.

A stage whose key is unchanged reuses its stored arrays; otherwise the console says which of
its named inputs changed since the last run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

import numpy as np

from generator.plumbing.cache import ArrayCache, StageLog, fingerprint
from generator.plumbing.records import from_arrays, to_arrays

Log = Callable[[str], None]
T = TypeVar("T")


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

    def record(self, stage: str, kind: type[T], components: dict[str, str], compute: Callable[[], T]) -> T:
        """The stage's typed record (a dataclass of ``kind``) for ``components``: reused when cached,
        else computed; stored flat by :func:`generator.plumbing.records.to_arrays`."""
        return from_arrays(kind, self.arrays(stage, components, lambda: to_arrays(compute())))
