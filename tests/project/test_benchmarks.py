"""The benchmarks are importable modules with one shared helper, answer --help, and stay out of the wheel."""

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

import benchmarks.common as common

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(path.stem for path in (ROOT / "benchmarks").glob("*.py") if path.stem not in ("__init__", "common"))


def test_ci_keeps_only_ci():
    assert sorted(path.name for path in (ROOT / ".ci").iterdir()) == ["publish-report", "run"]


@pytest.mark.parametrize("name", MODULES)
def test_each_benchmark_answers_help_with_its_docstring(name):
    result = subprocess.run([sys.executable, "-m", f"benchmarks.{name}", "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: python -m benchmarks.{name}")
    first_line = ast.get_docstring(ast.parse((ROOT / "benchmarks" / f"{name}.py").read_text())).splitlines()[0]
    assert first_line in result.stdout


@pytest.mark.parametrize("name", [*MODULES, "common"])
def test_no_benchmark_edits_sys_path_or_looks_for_models_itself(name):
    source = (ROOT / "benchmarks" / f"{name}.py").read_text()
    assert "sys.path" not in source
    if name != "common":
        assert ".glob(" not in source and "parents[1]" not in source


def test_newest_model_is_the_latest_written(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "MODELS", tmp_path)
    monkeypatch.setattr(common, "ROOT", tmp_path.parent)
    with pytest.raises(SystemExit, match="no model"):
        common.newest_model()
    older, newer = tmp_path / "cnn-b.keras", tmp_path / "cnn-a.keras"
    older.write_bytes(b"")
    newer.write_bytes(b"")
    os.utime(older, (1, 1))
    assert common.newest_model() == newer
    assert common.model_path("given.keras") == Path("given.keras")


def test_machine_names_the_cores_and_the_date():
    line = common.machine()
    assert f"{os.cpu_count()} cores" in line and line[:4].isdigit()


def test_benchmarks_are_not_packaged():
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packaged = find_packages(str(ROOT), include=include)
    assert "generator" in packaged and not [name for name in packaged if name.startswith("benchmarks")]
