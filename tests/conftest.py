"""Shared fixtures: a private copy of the project for end-to-end builds."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.publish.layout import site_files

ROOT = Path(__file__).resolve().parents[1]
pytest_plugins = ["browser_support"]  # Chromium, the served quick site, page helpers


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



def functional_copy(model):
    """The same layers as a functional Keras model, so ``GradientFunction`` takes TensorFlow's
    own gradient instead of a ``keras.Sequential``'s fast path."""
    import keras

    inputs = keras.Input(model.inputs[0].shape[1:])
    hidden = inputs
    for layer in model.layers:
        hidden = layer(hidden)
    return keras.Model(inputs, hidden)

def run_build(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_HOME": str(project / "no-keras-home")}
    return subprocess.run([sys.executable, "-m", "generator", "build", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def quick_build(tmp_path_factory):
    """One `build --quick` on the default data, shared by the end-to-end tests, with the decoy check
    (which --quick leaves out) switched back on, so that every page is built once."""
    project = copy_project(tmp_path_factory.mktemp("quick"))
    (project / "decoy.toml").write_text("[decoy]\nenabled = true\n", encoding="utf-8")
    result = run_build(project, "--quick", "--config", "decoy.toml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return project, result


@pytest.fixture()
def project(quick_build, tmp_path):
    """A copy of the quick build's project, cache included, for builds that change things."""
    source, _ = quick_build
    target = tmp_path / "project"
    shutil.copytree(source, target, symlinks=True)
    return target
