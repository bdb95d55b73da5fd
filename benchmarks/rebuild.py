"""Benchmark a cold build (empty cache) against a rebuild with nothing changed.

Both run in a private copy of the project, one after the other on this machine; extra
arguments go to both builds:

    python -m benchmarks.rebuild              # the default report
    python -m benchmarks.rebuild -- --quick   # the preview settings
"""

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote

from benchmarks.common import ROOT, copy_project, parser, report_machine


def timed_build(project: Path, args: list[str]) -> tuple[float, str]:
    """(seconds, log) of one ``gradient-gallery build`` in ``project``; exits if it fails."""
    start = time.perf_counter()
    result = subprocess.run(["gradient-gallery", "build", *args], cwd=project, capture_output=True, text=True)
    if result.returncode:
        sys.exit(result.stdout[-3000:] + result.stderr[-3000:])
    return time.perf_counter() - start, result.stdout


def site_weight(site: Path) -> str:
    """The built site's size without data/, and what the misclassified page's images weigh."""
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file() and "data" not in p.relative_to(site).parts[:1])
    page = site / "misclassified" / "index.html"
    sources = set(re.findall(r'<img[^>]*\ssrc="([^"]+)"', page.read_text(encoding="utf-8")))
    images = sum((page.parent / unquote(src)).resolve().stat().st_size for src in sources)
    return (f"site without data/ {size / 1e6:7.2f} MB\n"
            f"misclassified page: {len(sources)} images, {images / 1e6:.2f} MB")


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("build_args", nargs="*", help="arguments for both builds, after --")
    build_args = arguments.parse_args().build_args
    report_machine()
    with tempfile.TemporaryDirectory() as work:
        project = copy_project(ROOT, Path(work))
        cold, cold_log = timed_build(project, build_args)
        weight = site_weight(project / "site")
        warm, warm_log = timed_build(project, build_args)
        for title, log in (("cold build", cold_log), ("rebuild", warm_log)):
            print(f"{title}:")
            for line in log.splitlines():
                if "reus" in line or line.startswith("  ") or line.startswith("done:"):
                    print("  " + line.strip())
        print(f"cold build {cold:7.1f} s\nrebuild    {warm:7.1f} s\nratio      {100 * warm / cold:7.1f} %")
        print(weight)


if __name__ == "__main__":
    main()
