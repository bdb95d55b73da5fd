"""Failing loudly and safely: hostile text, killed builds, concurrent builds, full disks (a NaN model:
tests/hostile/test_model_cases.py)."""

import errno
import json
import os
import signal
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from tests.helpers.project import run_build
from generator.plumbing.guard import recover_site
from tests.helpers.project import tree_digest


HOSTILE = ['<script>alert(1)</script>', '$x$', '--8<-- "/etc/passwd"', '[x](javascript:alert(1))', '../../etc',
           'six\n---\ntitle: pwned', '<img src=x onerror=alert(1)>', '{: onclick="alert(1)" }', '\\(x\\)', '9']


class ActiveContent(HTMLParser):
    """Collects what a browser would run or follow: event-handler attributes, script bodies,
    javascript: URLs and img sources."""

    def __init__(self):
        super().__init__()
        self.found, self.in_script = [], False

    def handle_starttag(self, tag, attrs):
        self.in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")
            if tag == "img" and name == "src" and value == "x":
                self.found.append("<img src=x>")

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if self.in_script and "alert(1)" in data:
            self.found.append(f"script: {data[:60]}")


def site_text(site):
    return {p: p.read_text(errors="replace") for p in site.rglob("*") if p.suffix in (".html", ".json", ".xml")}


@pytest.mark.slow
def test_hostile_class_names_and_title_reach_the_pages_as_inert_text(project):
    names = ", ".join(json.dumps(n) for n in HOSTILE)
    (project / "hostile.toml").write_text(
        f'[data]\nclass_names = [{names}]\n[output]\ntitle = {json.dumps("<b>T</b> $y$ --8<-- x")}\n')
    result = run_build(project, "--quick", "--config", "hostile.toml")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for path, text in site_text(project / "site").items():
        if path.suffix != ".html":
            continue
        parser = ActiveContent()
        parser.feed(text)
        assert parser.found == [], path
        assert "root:x:0:0" not in text, path  # no file was included
        assert "<b>T</b>" not in text, path
    class_page = (project / "site" / "classes" / "class-5" / "index.html").read_text()
    assert "pwned" in class_page and "<title>Class six" in class_page.replace("\n", " ")
    assert not (project / "etc").exists() and not (project.parent / "etc").exists()


def test_recover_site_restores_a_publish_cut_between_its_renames(tmp_path):
    old = tmp_path / ".site.old-123"
    (old / "index.html").parent.mkdir(parents=True)
    (old / "index.html").write_text("previous")
    (tmp_path / ".site.building-456").mkdir()
    actions = recover_site(tmp_path / "site")
    assert (tmp_path / "site" / "index.html").read_text() == "previous"
    assert not old.exists() and not (tmp_path / ".site.building-456").exists()
    assert len(actions) == 2


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["attributions", "figures", "site"])
def test_sigkill_at_any_stage_leaves_the_site_whole_and_the_next_build_recovers(project, stage):
    before = tree_digest(project / "site")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_HOME": str(project / "no-keras-home")}
    # --title changes the pages; --steps the maps: every stage has work to do when it is killed.
    process = subprocess.Popen([sys.executable, "-m", "generator", "build", "--quick", "--steps", "48",
                                "--title", "Killed"], cwd=project, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    for line in process.stdout:
        if line.startswith(f"==> {stage}"):
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL, f"the build ended before reaching {stage}"
    assert tree_digest(project / "site") == before
    result = run_build(project, "--quick")
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in project.glob(".site.*")) == [".site.lock"]  # the output's lock, no leftovers


@pytest.mark.slow
def test_a_second_build_in_the_same_project_refuses_while_the_first_runs(project):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_HOME": str(project / "no-keras-home")}
    first = subprocess.Popen([sys.executable, "-m", "generator", "build", "--quick"], cwd=project, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in first.stdout:
            if line.startswith("==> data"):
                break
        second = run_build(project, "--quick")
        assert second.returncode == 1
        assert f"another gradient-gallery build (pid {first.pid}) is running" in second.stderr
    finally:
        first.stdout.read()
        first.wait(timeout=300)
    assert first.returncode == 0


@pytest.mark.slow
def test_disk_full_while_publishing_leaves_the_site_and_says_what_failed(project, monkeypatch, capsys):
    from generator import cli
    from generator.plumbing import fileio

    before = tree_digest(project / "site")
    real_open = open

    def full_disk(path, mode="r", *args, **kwargs):
        if "x" in mode and "manifest.json" in str(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(fileio, "open", full_disk, raising=False)
    monkeypatch.chdir(project)
    monkeypatch.setenv("KERAS_HOME", str(project / "no-keras-home"))
    assert cli.main(["build", "--quick", "--title", "Disk full"]) == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1].startswith("gradient-gallery: error: No space left on device:")
    assert "manifest.json" in error[-1] and "free some disk space" in error[-1]
    assert tree_digest(project / "site") == before
    assert not list((project / "site_src").glob(".manifest.json.*.tmp"))


@pytest.mark.slow
def test_unwritable_output_is_a_one_line_error(project, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run_build(project, "--quick", "--output", str(blocker / "site"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert str(blocker) in result.stderr.strip().splitlines()[-1]


@pytest.mark.slow
def test_corrupted_cache_entries_are_recomputed_not_trusted(project):
    cache = project / ".gradient-gallery"
    for entry in (cache / "attributions").glob("*.npz"):
        entry.write_bytes(entry.read_bytes()[:-100] + b"x" * 100)
    for model in (cache / "models").glob("*.keras"):
        model.write_bytes(model.read_bytes()[:2000])
    result = run_build(project, "--quick")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "is unusable" in result.stdout and "training on" in result.stdout
    assert "attributions: computing" in result.stdout
