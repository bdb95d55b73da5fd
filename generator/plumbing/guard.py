"""One build at a time per project and per output folder, and recovery from a build that was killed.

A build holds an exclusive ``flock`` on ``<project>/.gradient-gallery.lock`` (its cache) and on
``.<site>.lock`` beside its output folder (two projects may publish into one folder) for its
whole run; the kernel releases a lock when the process ends, even by SIGKILL, so a stale lock
never needs manual cleanup. With both held, any ``.<site>.building-*`` or ``.<site>.old-*``
folder beside the site is a leftover of a dead build: :func:`recover_site` puts a retired
site back if the swap was cut between its two renames, and deletes the rest.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path
from typing import Iterator

from generator.plumbing.errors import UserError


class BuildLocked(UserError, RuntimeError):
    """Another build holds the project's lock."""


def output_lock_path(site_dir: Path) -> Path:
    """The lock file of an output folder: ``.<name>.lock`` beside it."""
    site_dir = Path(site_dir).absolute()
    return site_dir.parent / f".{site_dir.name}.lock"


@contextlib.contextmanager
def build_lock(project: Path, path: Path | None = None, doing: str = "") -> Iterator[None]:
    """Hold a build lock, or raise :class:`BuildLocked` at once if it is taken.

    Args:
        project: the project folder; its lock is ``<project>/.gradient-gallery.lock``.
        path: another lock file to hold instead (e.g. :func:`output_lock_path`).
        doing: what the holder does, for the message (default: "is running in <project>").
    """
    path = project / ".gradient-gallery.lock" if path is None else path
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildLocked(f"another gradient-gallery build (pid {holder}) {doing or f'is running in {project}'}; "
                              "wait for it to finish, then build again") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover_site(site_dir: Path) -> list[str]:
    """Undo what a killed build left beside ``site_dir``; returns what was done, for the log.

    Call only while holding :func:`build_lock`.
    """
    site_dir = Path(site_dir).absolute()
    parent = site_dir.parent
    if not parent.is_dir():
        return []
    actions = []
    retired = sorted(parent.glob(f".{site_dir.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if retired and not site_dir.exists():
        os.replace(retired.pop(), site_dir)
        actions.append(f"restored the previous site from an interrupted publish into {site_dir}")
    for leftover in [*retired, *parent.glob(f".{site_dir.name}.building-*")]:
        shutil.rmtree(leftover, ignore_errors=True)
        actions.append(f"removed {leftover.name} left by an interrupted build")
    return actions
