"""The command line: help without TensorFlow, every option listed, one-line errors."""

import subprocess
import sys

import pytest

from generator.cli import BUILD_FLAGS, main


def run(*args):
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, timeout=120)


def test_help_answers_without_importing_tensorflow():
    code = ("import sys\nfrom generator.cli import main\ntry:\n    main(['build', '--help'])\n"
            "except SystemExit:\n    pass\nprint('tensorflow' in sys.modules, 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "False False"


def test_build_help_lists_every_option():
    result = run("build", "--help")
    assert result.returncode == 0
    for flag, *_ in BUILD_FLAGS:
        assert flag in result.stdout
    for flag in ("--config", "--quick", "--debug"):
        assert flag in result.stdout
    assert "build" in run("--help").stdout


def test_unknown_setting_in_config_is_a_one_line_error(tmp_path, capsys):
    config = tmp_path / "settings.toml"
    config.write_text("[train]\nepochz = 3\n")
    assert main(["build", "--config", str(config)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["gradient-gallery: error: unknown setting 'train.epochz'; did you mean 'epochs'?"]


def test_bad_flag_value_exits_non_zero():
    result = run("build", "--steps", "-1")
    assert result.returncode == 1
    assert "'attribution.steps' must be from 0 to 16,384, got -1" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("argv", [[], ["frobnicate"]])
def test_missing_or_unknown_command_exits_non_zero(argv):
    assert run(*argv).returncode == 2


def test_bench_help_lists_its_options_and_bad_counts_are_refused():
    result = run("bench", "--help")
    assert result.returncode == 0
    for flag in ("--model", "--images", "--steps", "--quadrature", "--chunk-size", "--reference-images", "--repeats"):
        assert flag in result.stdout
    refused = run("bench", "--images", "0")
    assert refused.returncode == 1 and "--images must be at least 1" in refused.stderr


ERROR_CLASSES = [("generator.stages.data", "DataError"), ("generator.stages.model", "ModelError"), ("generator.publish.build", "SiteError"),
                 ("generator.stages.gates", "GateError"), ("generator.stages.previous", "ChangesError"),
                 ("generator.plumbing.guard", "BuildLocked"), ("generator.plumbing.settings", "SettingsError"),
                 ("generator.stages.published", "PublishedError"), ("generator.stages.input_check", "InputScaleError"),
                 ("generator.plumbing.output_guard", "OutputFolderError"), ("generator.stages.divergence", "TrainingDiverged"),
                 ("generator.stages.selection", "SelectionError")]


@pytest.mark.parametrize(("module", "name"), ERROR_CLASSES)
def test_every_user_facing_error_is_a_user_error_and_prints_one_line(module, name, monkeypatch, capsys):
    import importlib

    from generator import cli
    from generator.plumbing.errors import UserError

    error_class = getattr(importlib.import_module(module), name)
    assert issubclass(error_class, UserError)

    def fail(args):
        raise error_class("what went wrong\nand what to do")

    monkeypatch.setattr(cli, "_cache_key", fail)
    assert main(["cache-key"]) == 1
    assert capsys.readouterr().err.splitlines() == ["gradient-gallery: error: what went wrong and what to do"]


def test_settings_errors_are_still_value_errors_and_bugs_keep_their_traceback(monkeypatch):
    from generator import cli
    from generator.plumbing.settings import SettingsError

    assert issubclass(SettingsError, ValueError)

    def bug(args):
        raise ValueError("a bug, not bad input")

    monkeypatch.setattr(cli, "_cache_key", bug)
    with pytest.raises(ValueError, match="a bug"):
        main(["cache-key"])


def test_build_help_states_the_defaults_of_the_settings_dataclasses():
    from generator.cli import _flag_help
    from generator.plumbing.settings import Settings

    for flag, section, key, _, text in BUILD_FLAGS:
        default = getattr(Settings() if section is None else getattr(Settings(), section), key)
        if default != "":
            assert "{default}" in text, f"{flag} repeats its default as a literal"
            assert _flag_help(section, key, text).endswith(f"default {default})"), flag
    help_text = " ".join(run("build", "--help").stdout.split())
    assert "training epochs (default 2)" in help_text


def test_bench_defaults_are_bench_options_defaults():
    from generator.cli import _bench_options, _parser
    from generator.plumbing.bench_options import BenchOptions

    assert _bench_options(_parser().parse_args(["bench"])) == BenchOptions()
    assert _bench_options(_parser().parse_args(["bench", "--quadrature", "trapezoid", "--images", "8"])) == \
        BenchOptions(images=8, method="trapezoid")
    assert f"(default {BenchOptions().images})" in run("bench", "--help").stdout
