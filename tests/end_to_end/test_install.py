"""The tool outside its checkout: what a wheel ships, `init`, the settings file, a build anywhere."""

import os
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import numpy as np
import pytest

from generator.plumbing.settings import Settings, SettingsError
from generator.plumbing.settings_file import load_settings
from generator.publish import layout
from generator.publish.init_project import InitError, init_project, settings_text

ROOT = Path(__file__).resolve().parents[2]


def tracked(*paths: str) -> list[str]:
    result = subprocess.run(["git", "ls-files", *paths], cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        pytest.skip("not a git checkout")
    return result.stdout.split()


def test_a_wheel_ships_exactly_the_tracked_site_files():
    shipped = {name for _, name in layout.packaged_files(ROOT)}
    expected = set(tracked("mkdocs.yml", "templates", "site_src", layout.WORKFLOW, layout.PUBLISH_SCRIPT))
    assert shipped == expected


def test_the_generated_pages_are_the_git_ignored_ones():
    ignored = [line for line in (ROOT / ".gitignore").read_text().splitlines() if line.startswith("/site_src/")]
    listed = {f"/site_src/{pattern.removesuffix('*')}" for pattern in layout.GENERATED_SOURCES}
    assert set(ignored) - {"/site_src/figures/mathematics/"} == listed
    assert layout.is_generated("classes/class-3.md") and layout.is_generated("figures/tiles/00001-input.webp")
    assert not layout.is_generated("methods/gradient.md") and not layout.is_generated("methods.md")


def test_init_writes_a_project_and_never_overwrites_without_force(tmp_path):
    written = init_project(tmp_path / "report")
    project = tmp_path / "report"
    assert layout.is_project(project) and "gradient-gallery.toml" in written
    assert os.access(project / layout.PUBLISH_SCRIPT, os.X_OK)
    assert (project / layout.WORKFLOW).read_bytes() == (ROOT / layout.WORKFLOW).read_bytes()
    (project / "site_src" / "methods.md").write_text("edited", encoding="utf-8")
    (project / "mkdocs.yml").unlink()
    with pytest.raises(InitError, match="already has site_src/.*nothing was written.*--force"):
        init_project(project)
    assert not (project / "mkdocs.yml").exists()  # nothing written when anything is in the way
    assert (project / "site_src" / "methods.md").read_text(encoding="utf-8") == "edited"
    init_project(project, force=True)
    assert (project / "site_src" / "methods.md").read_bytes() == (ROOT / "site_src" / "methods.md").read_bytes()


def test_the_settings_file_lists_every_setting_at_its_default(tmp_path):
    commented = tmp_path / "gradient-gallery.toml"
    commented.write_text(settings_text(), encoding="utf-8")
    assert load_settings(pyproject=None, project_settings=commented) == Settings()
    active = tmp_path / "active.toml"  # every line uncommented: every key is a valid setting at its default
    active.write_text("\n".join(line.removeprefix("# ") if " = " in line else line
                                for line in settings_text().splitlines()), encoding="utf-8")
    values = tomllib.loads(active.read_text(encoding="utf-8"))
    assert values["train"]["epochs"] == Settings().train.epochs and len(values) == len(Settings().to_dict())
    assert load_settings(pyproject=None, project_settings=active) == Settings()


def test_project_settings_are_read_and_a_second_table_is_refused(tmp_path):
    own = tmp_path / "gradient-gallery.toml"
    own.write_text("seed = 7\n[output]\ntitle = \"Clothes\"\n", encoding="utf-8")
    settings = load_settings(pyproject=tmp_path / "pyproject.toml", project_settings=own)
    assert settings.seed == 7 and settings.output.title == "Clothes"
    (tmp_path / "pyproject.toml").write_text("[tool.gradient-gallery]\nseed = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="keep one"):
        load_settings(pyproject=tmp_path / "pyproject.toml", project_settings=own)


def test_without_a_project_the_packaged_defaults_are_used_and_pages_assembled_in_the_cache(tmp_path):
    found = layout.find_layout(tmp_path, ".gradient-gallery")
    assert not found.project and found.docs == tmp_path / ".gradient-gallery" / "docs"
    assert found.config.is_file() and (found.templates / "home.md.j2").is_file()
    (found.docs / "old.md").parent.mkdir(parents=True)
    (found.docs / "old.md").write_text("a page a previous version shipped", encoding="utf-8")
    (found.docs / "index.md").write_text("generated", encoding="utf-8")
    layout.copy_pages(found.pages, found.docs)
    assert layout.hand_written(found.docs) == layout.hand_written(found.pages)
    assert (found.docs / "index.md").is_file()  # generated pages are the build's to manage
    init_project(tmp_path)
    assert layout.find_layout(tmp_path, ".gradient-gallery").docs == tmp_path / "site_src"


@pytest.mark.slow
def test_a_wheel_in_a_fresh_environment_inits_and_builds_a_site_in_an_empty_directory(tmp_path, quick_build):
    """The README's way: build a wheel, install it in a new virtual environment, then `init` and
    `build --quick` in an empty folder (the data as an .npz; the quick build's model reused)."""
    from generator.stages.data import load_dataset

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(tmp_path / "dist")],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = (tmp_path / "dist").glob("gradient_gallery-*.whl")
    environment = tmp_path / "env"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    # Nothing of this checkout's environment: with PYTHONPATH pointing at the checkout, pip would
    # take the gradient_gallery.egg-info that building the wheel left there for an installed copy.
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(TF_CPP_MIN_LOG_LEVEL="3", KERAS_HOME=str(tmp_path / "no-keras-home"))
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], capture_output=True,
                             text=True, timeout=1200, env=env)
    assert install.returncode == 0, install.stderr[-3000:]
    empty = tmp_path / "empty"
    empty.mkdir()
    located = subprocess.run([str(python), "-c", "import generator; print(generator.__file__)"], cwd=empty,
                             capture_output=True, text=True, env=env, check=True).stdout
    assert str(environment) in located and str(ROOT) not in located
    tool = environment / "bin" / "gradient-gallery"
    subprocess.run([str(tool), "init"], cwd=empty, check=True, capture_output=True, env=env)
    dataset = load_dataset()
    np.savez(empty / "mnist.npz", x_train=dataset.x_train, y_train=dataset.y_train, x_test=dataset.x_test,
             y_test=dataset.y_test)
    project, _ = quick_build
    shutil.copytree(project / ".gradient-gallery" / "models", empty / ".gradient-gallery" / "models")
    build = subprocess.run([str(tool), "build", "--quick", "--data", "mnist.npz"], cwd=empty, capture_output=True,
                           text=True, env=env, timeout=900)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "reusing cached" in build.stdout
    assert (empty / "site" / "index.html").is_file() and (empty / "site" / "methods" / "gradient" / "index.html").is_file()
    assert (empty / "site_src" / "index.md").is_file()  # generated beside the init'ed pages
