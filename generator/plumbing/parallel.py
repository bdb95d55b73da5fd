"""Run independent drawing tasks on every core, in fresh worker processes.

Workers are started with "spawn": they import only what the tasks need (matplotlib, not
TensorFlow), and never inherit TensorFlow's threads from the parent. Each worker ends when
the process that started it ends (:func:`exit_with_parent`), so a killed build leaves no
workers behind.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Callable

Task = tuple[Callable[..., Any], tuple[Any, ...]]
SERIAL_BELOW = 8
"""Fewer tasks than this run in the calling process: starting workers would cost more."""


def worker_count() -> int:
    """The cores this process may use (respects CPU affinity)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on every platform
        return max(os.cpu_count() or 1, 1)


def run_in_processes(tasks: list[Task], progress: Callable[[int, int], None] | None = None,
                     workers: int | None = None) -> list[Any]:
    """Call ``function(*args)`` for every task; results in task order.

    Args:
        tasks: module-level functions with picklable arguments.
        progress: optional callback ``(done, total)`` after each task.
        workers: processes to use; default one per available core.
    """
    workers = min(workers or worker_count(), len(tasks))
    if workers <= 1 or len(tasks) < SERIAL_BELOW:
        results = []
        for done, (function, args) in enumerate(tasks, 1):
            results.append(function(*args))
            if progress:
                progress(done, len(tasks))
        return results
    results_by_task: dict[int, Any] = {}
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=exit_with_parent) as pool:
        futures = {pool.submit(function, *args): number for number, (function, args) in enumerate(tasks)}
        for done, future in enumerate(as_completed(futures), 1):
            results_by_task[futures[future]] = future.result()
            if progress:
                progress(done, len(tasks))
    return [results_by_task[number] for number in range(len(tasks))]


def exit_with_parent() -> None:
    """Pool initializer: end this worker as soon as the process that started it ends.

    A build killed with SIGKILL (or by the out-of-memory killer) cannot shut its pool down;
    its workers would wait on their task queue for ever, and keep multiprocessing's resource
    tracker alive with them. A daemon thread waits on the parent's sentinel, which the
    operating system makes ready when the parent process ends, and then ends the worker. This
    works on every platform and whichever thread of the parent started the pool (Linux's
    ``PR_SET_PDEATHSIG`` fires when that *thread* ends, and polling ``os.getppid()`` does not
    see a dead parent on Windows). A task that holds the GIL in one long C call delays the
    exit until the call returns.
    """
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_ready, args=(parent.sentinel,), name="exit-with-parent",
                         daemon=True).start()


def _exit_when_ready(sentinel: int) -> None:
    """Block until ``sentinel`` is ready (its process ended), then end this process at once."""
    multiprocessing.connection.wait([sentinel])
    os._exit(1)  # no clean-up: the parent that would collect results is gone
