"""The one figures pass: every image of the site is a job in one list, drawn by one process
pool and remembered in one ledger.

A job names its file (relative to the docs folder), a module-level drawing function and that
function's arguments; the function is called as ``draw(*args, path, **keywords)``. A job whose
file exists, is unaltered and was drawn from the same arguments (:data:`FIGURE_FORMAT` included)
is skipped. An SVG job draws its figure twice, for the light and the dark theme
(:func:`generator.figures.theme.draw_both`): the dark variant sits beside it as "…-dark.svg".
Files in the figure folders that no job produced any more are deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable

from generator.figures.theme import dark_path, draw_both
from generator.plumbing.cache import OutputLedger, fingerprint
from generator.plumbing.fileio import remove_stale
from generator.plumbing.parallel import run_in_processes

Log = Callable[[str], None]
FIGURE_FORMAT = 10  # 10: SVG in two themes, legible at the column's width; 9: the baseline study's last labels inside the figure; 8: EG error of Σ|EG|; 7: user text never mathtext; 6: EG; 5: tiles
"""Bump when the drawing code changes what it draws, so every figure is redrawn."""
FIGURE_FOLDERS = ("tiles", "means", "mathematics", "changes", "trust", "examples")
"""Folders under ``figures/`` whose files all come from jobs (stale ones are deleted)."""


@dataclass(frozen=True)
class FigureJob:
    """One image file of the site and how to draw it."""

    path: str
    draw: Callable[..., bool]
    args: tuple[Any, ...]
    keywords: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments after the path, e.g. ``{"score": ScoreWords}``; part of the job's key when given."""

    @property
    def themed(self) -> bool:
        """Whether the job draws a light and a dark variant (its figure is an SVG)."""
        return self.path.endswith(".svg")

    def files(self) -> list[str]:
        """The files the job writes (docs-relative)."""
        return [self.path, dark_path(self.path).as_posix()] if self.themed else [self.path]

    def task(self, docs: Path) -> tuple[Callable[..., bool], tuple[Any, ...]]:
        """(function, arguments) that draw the job's files under ``docs``."""
        if self.themed:
            return partial(draw_both, self.draw, **self.keywords), (*self.args, docs / self.path)
        return partial(self.draw, **self.keywords), (*self.args, docs / self.path)


def draw_all(jobs: Sequence[FigureJob], docs: Path, cache_dir: Path, log: Log) -> None:
    """Draw every job whose inputs changed, in worker processes; delete figures no job made."""
    paths = [job.path for job in jobs]
    if len(set(paths)) != len(paths):
        raise ValueError("two figure jobs write the same file")
    ledger = OutputLedger(cache_dir / "figures.json", docs)
    keys = {job.path: fingerprint(FIGURE_FORMAT, job.draw.__name__, job.args,
                                  *([job.keywords] if job.keywords else [])) for job in jobs}
    stale = [job for job in jobs if not ledger.is_fresh(job.path, keys[job.path])
             or not all((docs / name).is_file() for name in job.files())]
    if stale:
        log(f"figures: drawing {len(stale)} of {len(jobs)} (inputs changed or file missing)")
    run_in_processes([job.task(docs) for job in stale],
                     lambda done, total: log(f"figures: {done}/{total}") if done % 500 == 0 or done == total else None)
    for job in stale:
        ledger.record(job.path, keys[job.path])
    log(f"figures: {len(jobs) - len(stale)} of {len(jobs)} reused unchanged")
    for folder in FIGURE_FOLDERS:
        remove_stale(docs / "figures" / folder, {Path(name).name for job in jobs for name in job.files()
                                                 if Path(name).parent == Path("figures", folder)})
    ledger.forget_missing()
    ledger.save()
