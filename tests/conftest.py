"""Fixtures for every test: the shared quick build, a copy of it to change, the published-site
fixture and the browser plugin (Chromium, the served quick site). Builders live in tests/helpers/."""

import shutil

import pytest

pytest.register_assert_rewrite("tests.helpers")  # before any import of it: its checks report like tests
from tests.helpers.project import copy_project, run_build  # noqa: E402

pytest_plugins = ["tests.helpers.browser", "tests.helpers.published"]


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
