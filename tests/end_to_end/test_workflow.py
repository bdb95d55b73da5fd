"""The Pages workflow and the one script its steps call (.ci/publish-report), checked offline.

The script runs from a copy in a temporary "repository" with a fake ``gradient-gallery`` (and a
fake ``python`` for ``install``) that record their arguments, so nothing here trains or installs.
The only network traffic is to 127.0.0.1.
"""

import functools
import http.server
import os
import shlex
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from generator.plumbing.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "report.yml"
SCRIPT = ROOT / ".ci" / "publish-report"
CLOSED_PORT = "http://127.0.0.1:9/"  # discard port, nothing listens: connection refused at once
PREVIOUS_FILES = ("manifest.json", "data/attributions.npz", "data/predictions.npz", "data/model.keras")


# --- the workflow -------------------------------------------------------------------------------

@functools.cache
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps(job: str) -> list[dict]:
    return workflow()["jobs"][job]["steps"]


def step_index(job: str, predicate) -> int:
    matches = [i for i, step in enumerate(steps(job)) if predicate(step)]
    assert len(matches) == 1, f"expected one matching step in {job}, found {len(matches)}"
    return matches[0]


def uses(action: str):
    return lambda step: step.get("uses", "").split("@")[0] == action


def runs(subcommand: str):
    return lambda step: f".ci/publish-report {subcommand}" in step.get("run", "")


def check_jsonschema(path: Path) -> subprocess.CompletedProcess:
    # Any attempt to reach the network goes to a closed local port and fails.
    offline = {**os.environ, "HTTP_PROXY": CLOSED_PORT, "HTTPS_PROXY": CLOSED_PORT, "ALL_PROXY": CLOSED_PORT,
               "NO_PROXY": ""}
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(path)], capture_output=True, text=True, env=offline, timeout=120)


def test_workflow_validates_against_the_builtin_schema_offline():
    result = check_jsonschema(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = workflow() | {"jobs": {**workflow()["jobs"], "deploy": {
        k: v for k, v in workflow()["jobs"]["deploy"].items() if k != "runs-on"}}}
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump({"on" if k is True else k: v for k, v in broken.items()}))
    result = check_jsonschema(path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "'runs-on' is a required property" in result.stdout


def test_triggers_are_push_to_main_and_manual_dispatch():
    on = workflow().get("on", workflow().get(True))  # YAML 1.1 reads a bare `on` key as True
    assert set(on) == {"push", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]


def test_permissions_and_concurrency_allow_pages_deployment_one_at_a_time():
    assert workflow()["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow()["concurrency"] == {"group": "pages", "cancel-in-progress": False}


def test_every_run_step_calls_the_one_script_in_order():
    commands = []
    for job in workflow()["jobs"]:
        for step in steps(job):
            if "run" in step:
                assert step["run"].count(".ci/publish-report ") == 1, step["run"]
                commands.append(step["run"].split(".ci/publish-report ")[1].split()[0].rstrip(')"'))
    assert commands == ["install", "cache-key", "previous", "build"]


def test_model_cache_is_keyed_by_the_cache_key_output():
    key_step = steps("build")[step_index("build", runs("cache-key"))]
    assert key_step["id"] == "key"
    assert '>> "$GITHUB_OUTPUT"' in key_step["run"] and "key=" in key_step["run"]
    cache = step_index("build", uses("actions/cache"))
    assert steps("build")[cache]["uses"] == "actions/cache@v4"
    assert steps("build")[cache]["with"] == {"path": f"{Settings().output.cache_dir}/models",
                                             "key": "model-${{ steps.key.outputs.key }}"}
    assert step_index("build", runs("install")) < step_index("build", runs("cache-key")) < cache
    assert cache < step_index("build", runs("build"))


def test_previous_report_comes_from_the_pages_base_url_into_the_scripts_default_dir():
    pages = step_index("build", uses("actions/configure-pages"))
    assert steps("build")[pages]["id"] == "pages"
    previous = step_index("build", runs("previous"))
    step = steps("build")[previous]
    assert pages < previous < step_index("build", runs("build"))
    words = shlex.split(step["run"])
    assert words[:3] == [".ci/publish-report", "previous", "previous-site"]
    assert words[3] == "$BASE_URL" and step["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"


def test_the_build_gets_the_pages_url_as_its_site_url():
    build = steps("build")[step_index("build", runs("build"))]
    assert build["env"]["GG_SITE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert step_index("build", uses("actions/configure-pages")) < step_index("build", runs("build"))


def test_the_built_site_is_uploaded_and_deployed_only_after_the_build():
    upload = step_index("build", uses("actions/upload-pages-artifact"))
    assert steps("build")[upload]["with"]["path"] == Settings().output.site_dir
    assert step_index("build", runs("build")) < upload
    deploy = workflow()["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    (step,) = deploy["steps"]
    assert step["uses"] == "actions/deploy-pages@v4"
    assert deploy["environment"]["url"] == "${{ steps.%s.outputs.page_url }}" % step["id"]


# --- the script ---------------------------------------------------------------------------------

@pytest.fixture
def repo(tmp_path):
    """A repository holding only a copy of the script, and a bin/ with fakes ahead on PATH."""
    (tmp_path / ".ci").mkdir()
    shutil.copy2(SCRIPT, tmp_path / ".ci" / "publish-report")
    (tmp_path / "bin").mkdir()
    return tmp_path


def fake(repo: Path, name: str, body: str) -> None:
    path = repo / "bin" / name
    path.write_text(f"#!/usr/bin/env bash\n{body}\n")
    path.chmod(0o755)


RECORD = 'printf "%s\\n" "$*" >> "$(dirname "$0")/calls"'


def publish(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("GG_", "VIRTUAL_ENV"))}
    environment["PATH"] = f"{repo / 'bin'}{os.pathsep}{environment['PATH']}"
    return subprocess.run([str(repo / ".ci" / "publish-report"), *args], cwd="/", capture_output=True,
                          text=True, env={**environment, **env}, timeout=60)


def calls(repo: Path) -> list[str]:
    path = repo / "bin" / "calls"
    return path.read_text().splitlines() if path.exists() else []


def test_script_is_executable_strict_and_parses():
    assert os.access(SCRIPT, os.X_OK)
    assert "set -euo pipefail" in SCRIPT.read_text()
    result = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_help_lists_every_subcommand_and_setting(repo):
    result = publish(repo, "--help")
    assert result.returncode == 0, result.stderr
    for word in ("install", "cache-key", "previous DIR URL", "build", "GG_MIN_ACCURACY",
                 "GG_MAX_INCOMPLETE_SHARE", "GG_PREVIOUS_DIR", "GG_SITE_URL"):
        assert word in result.stdout


@pytest.mark.parametrize("args", [(), ("deploy",), ("previous", "only-a-dir")])
def test_unknown_or_incomplete_commands_fail_with_usage(repo, args):
    result = publish(repo, *args)
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_install_runs_the_readme_install_command_in_the_active_environment(repo):
    readme = (ROOT / "README.md").read_text()
    (command,) = [line for line in readme.splitlines() if line.startswith("python -m pip install -e ")]
    assert command in SCRIPT.read_text()
    fake(repo, "python", RECORD)
    result = publish(repo, "install", VIRTUAL_ENV=str(repo / "active-venv"))
    assert result.returncode == 0, result.stderr
    assert calls(repo) == [" ".join(shlex.split(part)[1:]) for part in command.split("&&")]
    assert not (repo / ".venv").exists()


def test_cache_key_prints_only_what_gradient_gallery_cache_key_prints(repo):
    fake(repo, "gradient-gallery", f'{RECORD}\necho 0123456789abcdef')
    result = publish(repo, "cache-key")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "0123456789abcdef\n"
    assert calls(repo) == ["cache-key"]


def test_cache_key_fails_when_gradient_gallery_fails(repo):
    fake(repo, "gradient-gallery", "echo 'no such command' >&2; exit 2")
    assert publish(repo, "cache-key").returncode == 2


def test_build_sets_the_gates_and_passes_extra_arguments(repo):
    fake(repo, "gradient-gallery", RECORD)
    assert publish(repo, "build").returncode == 0
    assert publish(repo, "build", "--quick", GG_MIN_ACCURACY="0.5", GG_MAX_INCOMPLETE_SHARE="0").returncode == 0
    assert calls(repo) == ["build --min-accuracy 0.985 --max-incomplete-share 0.02",
                           "build --min-accuracy 0.5 --max-incomplete-share 0 --quick"]


def test_build_adds_previous_only_when_the_previous_report_was_downloaded(repo):
    fake(repo, "gradient-gallery", RECORD)
    (repo / "previous-site").mkdir()  # a directory without a manifest is not a report
    assert publish(repo, "build").returncode == 0
    (repo / "previous-site" / "manifest.json").write_text("{}")
    assert publish(repo, "build").returncode == 0
    (repo / "elsewhere").mkdir()
    (repo / "elsewhere" / "manifest.json").write_text("{}")
    assert publish(repo, "build", GG_PREVIOUS_DIR=str(repo / "elsewhere")).returncode == 0
    assert calls(repo) == ["build --min-accuracy 0.985 --max-incomplete-share 0.02",
                           "build --min-accuracy 0.985 --max-incomplete-share 0.02 --previous previous-site",
                           f"build --min-accuracy 0.985 --max-incomplete-share 0.02 --previous {repo}/elsewhere"]


def test_build_adds_the_site_url_only_when_it_is_set(repo):
    fake(repo, "gradient-gallery", RECORD)
    assert publish(repo, "build", GG_SITE_URL="").returncode == 0
    assert publish(repo, "build", GG_SITE_URL="https://owner.github.io/repo").returncode == 0
    assert calls(repo) == ["build --min-accuracy 0.985 --max-incomplete-share 0.02",
                           "build --min-accuracy 0.985 --max-incomplete-share 0.02 "
                           "--site-url https://owner.github.io/repo"]


def test_a_failing_build_fails_the_step(repo):
    fake(repo, "gradient-gallery", "echo 'gradient-gallery: error: test accuracy 97.00% is below 98.50%' >&2; exit 1")
    result = publish(repo, "build")
    assert result.returncode == 1
    assert "below" in result.stderr


def test_previous_with_no_site_exits_0_and_leaves_dir_absent(repo):
    result = publish(repo, "previous", "previous-site", CLOSED_PORT)
    assert result.returncode == 0, result.stderr
    assert "no previous report" in result.stderr
    assert not (repo / "previous-site").exists()


@pytest.fixture
def pages(tmp_path):
    """A local static server standing in for the Pages site; yields (document root, base URL)."""
    root = tmp_path / "pages"
    (root / "project").mkdir(parents=True)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:  # like configure-pages' base_url for a project site: a path, no trailing slash
        yield root / "project", f"http://127.0.0.1:{server.server_address[1]}/project"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def publish_site(site: Path, files=PREVIOUS_FILES) -> None:
    for name in files:
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(f"contents of {name}".encode())


def test_previous_downloads_the_published_report(repo, pages):
    site, url = pages
    publish_site(site)
    result = publish(repo, "previous", "previous-site", url)
    assert result.returncode == 0, result.stderr
    for name in PREVIOUS_FILES:
        assert (repo / "previous-site" / name).read_bytes() == (site / name).read_bytes()


def test_previous_with_an_incomplete_site_leaves_dir_absent(repo, pages):
    site, url = pages
    publish_site(site, [name for name in PREVIOUS_FILES if name != "data/predictions.npz"])
    result = publish(repo, "previous", "previous-site", url + "/")
    assert result.returncode == 0, result.stderr
    assert "data/predictions.npz unavailable" in result.stderr
    assert not (repo / "previous-site").exists()
