"""A private copy of the project, builds run in it, and digests of the files they wrote."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from generator.publish.layout import site_files

ROOT = Path(__file__).resolve().parents[2]
"""The repository: mkdocs.yml, templates/, site_src/."""


def copy_project(destination: Path) -> Path:
    """mkdocs.yml, templates/ and the hand-written site_src pages, without generated files."""
    for source, name in site_files(ROOT):
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, destination / name)
    return destination


def hand_written_html(docs: Path) -> set[str]:
    """The site pages built from the Markdown now in ``docs`` (call it before a build writes the
    generated pages): methods.md → methods/index.html, methods/gradient.md →
    methods/gradient/index.html. Every other HTML page of the built site is generated."""
    pages = (path.relative_to(docs).with_suffix("").as_posix() for path in docs.rglob("*.md"))
    return {("" if page == "index" else f"{page.removesuffix('/index')}/") + "index.html" for page in pages}


def run_build(project: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m generator build *args`` in ``project``, with no Keras home of the user's."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_HOME": str(project / "no-keras-home")}
    return subprocess.run([sys.executable, "-m", "generator", "build", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=900)


def tree_digest(root, skip=()):
    """{relative path: sha256} of every file under ``root``."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and str(p.relative_to(root)) not in skip}
