"""Output and cache folders a build must never replace or delete (review defect 1, cases 99–101).

Each dangerous value runs the real command line in a temporary project full of files that must
survive: the build stops before any stage with one line and exit code 1, and not one byte of the
project changes.
"""

import hashlib
import json
import os
from pathlib import Path

import pytest

from tests.helpers.project import copy_project
from tests.helpers.cli import one_line_error
from generator.plumbing.output_guard import (MARKER, OutputFolderError, check_build_folders, mark_site,
                                             refuse_to_replace, written_by_us)
from generator.publish.build import _publish


def tree(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a hash of its bytes ("dir" for folders)."""
    return {path.relative_to(folder).as_posix(): "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*"))}


@pytest.fixture()
def home(tmp_path, monkeypatch):
    """A home folder holding a report project with the user's own files, as the working folder."""
    home = tmp_path / "home"
    project = copy_project(home / "report")
    (project / "notes.txt").write_text("my notes")
    (project / "work").mkdir()
    (project / "work" / "results.csv").write_text("1,2\n")
    (project / "gradient-gallery.toml").write_text("[selection]\nper_class = 1\n")
    (project / "README.md").write_text("# my report\n")
    (home / "elsewhere.txt").write_text("keep me")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(project)
    return home


@pytest.mark.parametrize("output, says", [
    (".", "is the project folder"),                 # case 101: deleted the whole project
    ("", "is empty"),                               # --output "$SITE_DIR" with the variable unset
    ("..", "is your home folder"),                  # the project's parent, here the home folder
    ("../..", "contains the project folder"),
    ("site_src", "is the project's site_src"),
    ("site_src/built", "lies inside the project's site_src"),
    ("mkdocs.yml", "is the project's mkdocs.yml"),
    ("templates", "is the project's templates"),
    ("gradient-gallery.toml", "is the settings file gradient-gallery.toml"),
    ("pyproject.toml", "is the settings file pyproject.toml"),
    (".gradient-gallery", "is the cache folder"),
    (".gradient-gallery/site", "lies inside the cache folder"),
    ("work", "files that gradient-gallery did not write"),
    ("README.md", "is a file, not a folder"),
    ("notes.txt/site", "is a file, not a folder"),
])
def test_a_dangerous_output_is_refused_and_every_file_survives(home, capsys, output, says):
    (Path.cwd() / ".gradient-gallery").mkdir()
    before = tree(home)
    line = one_line_error(["build", "--quick", "--output", output], capsys)
    assert says in line
    assert tree(home) == before


def test_the_home_folder_and_the_root_are_one_line_error(home, capsys):
    before = tree(home)
    assert "is your home folder" in one_line_error(["build", "--quick", "--output", str(home)], capsys)
    assert "is the file system root" in one_line_error(["build", "--quick", "--output", "/"], capsys)
    assert "is your home folder" in one_line_error(["build", "--quick", "--output", "~"], capsys)
    assert tree(home) == before


def test_output_dot_in_the_settings_file_is_refused_like_the_flag(home, capsys):
    Path("gradient-gallery.toml").write_text('[output]\nsite_dir = "."\n')
    before = tree(home)
    assert "is the project folder" in one_line_error(["build", "--quick"], capsys)
    assert tree(home) == before


def test_a_config_file_given_with_config_is_protected_too(home, capsys):
    (home / "settings").mkdir()
    (home / "settings" / "report.toml").write_text("seed = 1\n")
    Path("gradient-gallery.toml").unlink()
    before = tree(home)
    line = one_line_error(["build", "--quick", "--config", str(home / "settings" / "report.toml"),
                    "--output", str(home / "settings")], capsys)
    assert "contains the settings file report.toml" in line
    assert tree(home) == before


@pytest.mark.parametrize("cache, says", [
    (".", "is the project folder"),
    ("", "'output.cache_dir' is empty"),
    ("site", "the cache folder"),                   # cache_dir = output: every publish would delete it
    ("site/cache", "the cache folder"),
    ("site_src", "is the project's site_src"),
    ("..", "is your home folder"),
    ("../..", "contains the project folder"),
])
def test_a_dangerous_cache_folder_is_one_line_error(home, capsys, cache, says):
    before = tree(home)
    assert says in one_line_error(["build", "--quick", "--cache-dir", cache], capsys)
    assert tree(home) == before


def test_an_output_whose_parent_cannot_be_written_stops_before_any_stage(home, capsys, tmp_path):
    if os.geteuid() == 0:  # root writes anywhere: make the parent a file's place instead
        (tmp_path / "blocker").write_text("a file")
        line = one_line_error(["build", "--quick", "--output", str(tmp_path / "blocker" / "site")], capsys)
        assert "is a file, not a folder" in line
        return
    locked = tmp_path / "read-only"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert "cannot write in" in one_line_error(["build", "--quick", "--output", str(locked / "site")], capsys)
    finally:
        locked.chmod(0o755)


def test_an_empty_folder_a_new_path_and_a_site_the_tool_wrote_are_accepted(tmp_path):
    root = tmp_path / "project"
    (root / "empty").mkdir(parents=True)
    for output in ("empty", "new/site", "site"):
        check_build_folders(output, ".gradient-gallery", root)
    (root / "site").mkdir()
    (root / "site" / "index.html").write_text("old")
    with pytest.raises(OutputFolderError, match="did not write"):
        check_build_folders("site", ".gradient-gallery", root)
    mark_site(root / "site")
    check_build_folders("site", ".gradient-gallery", root)


def test_a_site_published_before_the_marker_is_recognised_by_its_manifest(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "manifest.json").write_text(json.dumps({"tool": {"name": "gradient-gallery"}}))
    assert not written_by_us(site)  # no version: not a manifest this tool wrote
    (site / "manifest.json").write_text(json.dumps({"tool": {"version": "0.1.0"}}))
    assert written_by_us(site)
    (site / "manifest.json").write_text("[]")
    assert not written_by_us(site)


def test_publish_never_renames_away_a_folder_the_tool_did_not_write(tmp_path):
    site, building = tmp_path / "site", tmp_path / ".site.building-1"
    site.mkdir()
    (site / "thesis.tex").write_text("years of work")
    building.mkdir()
    mark_site(building)
    with pytest.raises(OutputFolderError):
        _publish(building, site, tmp_path / ".site.old-1")
    assert (site / "thesis.tex").read_text() == "years of work"
    assert not building.exists()  # nothing left behind either (case 100)


def test_publish_replaces_a_marked_site_and_the_new_one_carries_the_marker(tmp_path):
    site, building = tmp_path / "site", tmp_path / ".site.building-1"
    site.mkdir()
    mark_site(site)
    (site / "index.html").write_text("old")
    building.mkdir()
    (building / "index.html").write_text("new")
    mark_site(building)
    _publish(building, site, tmp_path / ".site.old-1")
    assert (site / "index.html").read_text() == "new" and (site / MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    refuse_to_replace(site)


def test_a_failed_first_rename_removes_the_build_folder(tmp_path, monkeypatch):
    site, building = tmp_path / "site", tmp_path / ".site.building-1"
    for folder in (site, building):
        folder.mkdir()
        mark_site(folder)

    def immutable(source, target):
        raise PermissionError(1, "Operation not permitted", str(source))

    monkeypatch.setattr(os, "replace", immutable)
    with pytest.raises(PermissionError):
        _publish(building, site, tmp_path / ".site.old-1")
    assert site.is_dir() and not building.exists()


def test_two_projects_publishing_into_one_folder_are_serialised(tmp_path):
    """The build lock is per project (its cache); the output folder has its own, so one project's
    recovery never deletes another's build in progress beside a shared output (defect 13)."""
    from generator.plumbing.guard import BuildLocked, build_lock, output_lock_path, recover_site

    shared = tmp_path / "public" / "site"
    shared.parent.mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with build_lock(tmp_path / "a"), build_lock(tmp_path / "a", output_lock_path(shared), "is publishing into it"):
        in_progress = shared.parent / ".site.building-123"
        in_progress.mkdir()
        with pytest.raises(BuildLocked, match="is publishing into the shared site"):
            with build_lock(tmp_path / "b"), build_lock(tmp_path / "b", output_lock_path(shared),
                                                        "is publishing into the shared site"):
                recover_site(shared)
        assert in_progress.is_dir()
