"""Killed builds, damaged caches and workers (review rows 92, 95 and 96).

The ledgers are damaged as the review did (valid JSON of the wrong type) and read through the
code a build runs: the figures pass (:func:`generator.figures.jobs.draw_all`) and the stage
cache (:class:`generator.plumbing.stage_cache.StageCache`). One slow test repeats both recipes
on a built project. The worker case kills a real process that runs a real pool.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.project import run_build
from generator.figures.jobs import FigureJob, draw_all
from generator.figures.mathematics import draw_placeholder
from generator.plumbing.parallel import run_in_processes
from generator.plumbing.stage_cache import StageCache

ROOT = Path(__file__).resolve().parents[2]
FIGURE = "figures/mathematics/convergence.png"


def draw_one(docs: Path, cache: Path) -> list[str]:
    """Run the figures pass on one job; the lines it logged."""
    lines = []
    draw_all([FigureJob(FIGURE, draw_placeholder, ("drawn",))], docs, cache, lines.append)
    return lines


@pytest.mark.parametrize("ledger", ["[]", "null", '"text"', "7", '{"%s": "junk"}' % FIGURE,
                                    '{"%s": ["key"]}' % FIGURE, '{"%s": [1, 2]}' % FIGURE])
def test_95_a_figure_ledger_of_the_wrong_type_means_redraw(tmp_path, ledger):
    docs, cache = tmp_path / "docs", tmp_path / "cache"
    draw_one(docs, cache)
    (cache / "figures.json").write_text(ledger + "\n")
    lines = draw_one(docs, cache)
    assert "figures: drawing 1 of 1 (inputs changed or file missing)" in lines
    assert (docs / FIGURE).read_bytes()[:4] == b"\x89PNG"
    recorded = json.loads((cache / "figures.json").read_text())
    assert list(recorded) == [FIGURE] and len(recorded[FIGURE]) == 2
    assert "figures: 1 of 1 reused unchanged" in draw_one(docs, cache)  # the repaired ledger is trusted again


@pytest.mark.parametrize("log", ["null", "[]", '"text"', '{"attributions": null}', '{"attributions": [1, 2]}'])
def test_96_a_stage_log_of_the_wrong_type_means_recompute(tmp_path, log):
    (tmp_path / "stages.json").write_text(log + "\n")
    lines, computed = [], []

    def compute():
        computed.append(True)
        return {"values": np.arange(3)}

    arrays = StageCache(tmp_path, lines.append).arrays("attributions", {"data": "d1", "model": "m1"}, compute)
    np.testing.assert_array_equal(arrays["values"], np.arange(3))
    assert computed and lines == ["attributions: computing (no earlier result)"]
    assert json.loads((tmp_path / "stages.json").read_text()) == {"attributions": {"data": "d1", "model": "m1"}}


@pytest.mark.slow
def test_95_96_a_build_repairs_both_damaged_ledgers(project):
    cache = project / ".gradient-gallery"
    (cache / "figures.json").write_text("[]\n")
    (cache / "stages.json").write_text("null\n")
    result = run_build(project, "--quick")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "figures: drawing" in result.stdout
    assert isinstance(json.loads((cache / "figures.json").read_text()), dict)
    assert json.loads((cache / "stages.json").read_text())


POOL_SCRIPT = textwrap.dedent("""\
    import os, sys, time
    from generator.plumbing.parallel import run_in_processes

    def block(folder):
        open(os.path.join(folder, str(os.getpid())), "w").close()
        time.sleep(120)

    if __name__ == "__main__":
        run_in_processes([(block, (sys.argv[1],))] * 8, workers=2)
    """)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie that nobody has reaped yet counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except OSError:
        state = "R"
    return state != "Z"


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def poll(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_92_pool_workers_and_the_resource_tracker_end_with_a_killed_parent(tmp_path):
    script = tmp_path / "pool.py"
    script.write_text(POOL_SCRIPT)
    started = tmp_path / "started"
    started.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    parent = subprocess.Popen([sys.executable, str(script), str(started)], env=env, stderr=subprocess.DEVNULL)
    try:
        assert poll(lambda: len(list(started.iterdir())) == 2, 60), "the two workers did not start"
        workers = [int(path.name) for path in started.iterdir()]
        descendants = set(children(parent.pid))
        assert set(workers) <= descendants  # the other child is multiprocessing's resource tracker
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    ended = poll(lambda: not any(alive(pid) for pid in descendants), 5)
    left = [pid for pid in descendants if alive(pid)]
    for pid in left:  # a failing run must not leave them either
        os.kill(pid, signal.SIGKILL)
    assert ended, f"still running 5 s after the parent was killed: {left}"


def test_92_the_watched_pool_still_returns_every_result_in_order():
    assert run_in_processes([(pow, (k, 2)) for k in range(9)], workers=2) == [k * k for k in range(9)]


def test_a_model_file_left_half_saved_by_a_killed_build_is_removed_by_the_next_training(tmp_path):
    """A build killed inside ``model.save`` leaves ``cnn-KEY.partial-PID.keras`` (defect 13); the
    next training removes every such file (it holds the project's lock) and leaves none of its own."""
    pytest.importorskip("keras")
    import dataclasses

    from generator.plumbing.settings import Settings
    from generator.stages.data import Dataset
    from generator.stages.model import train_model

    models = tmp_path / "cache" / "models"
    models.mkdir(parents=True)
    (models / "cnn-0123456789abcdef.partial-4242.keras").write_bytes(b"half a zip")
    images = np.random.default_rng(0).integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
    labels = np.arange(40) % 10
    settings = dataclasses.replace(
        Settings(), train=dataclasses.replace(Settings().train, epochs=1, batch_size=20, validation_split=0.0),
        output=dataclasses.replace(Settings().output, cache_dir=str(tmp_path / "cache")))
    trained = train_model(Dataset(images, labels, images, labels, "test", "1" * 64), settings, log=lambda line: None)
    assert sorted(p.name for p in models.glob("*.keras")) == [trained.path.name]
