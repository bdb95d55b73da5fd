"""docs/settings.md is generated from the settings' docstrings and is current."""

import dataclasses
from pathlib import Path

from generator.plumbing import settings_reference
from generator.plumbing.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "python -m generator.plumbing.settings_reference > docs/settings.md"


def test_docs_settings_md_is_what_the_generator_prints():
    written = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert written == settings_reference.reference(), f"docs/settings.md is stale: run `{REGENERATE}`"


def test_every_setting_has_a_docstring_and_a_row_with_its_default():
    text = settings_reference.reference()
    defaults = Settings()
    for section in dataclasses.fields(defaults):
        value = getattr(defaults, section.name)
        keys = dataclasses.fields(value) if settings_reference._is_section(value) else [section]
        owner = value if settings_reference._is_section(value) else defaults
        if settings_reference._is_section(value):
            assert f"## `[{section.name}]`" in text
        for key in keys:
            row = f"| `{key.name}` | `{settings_reference.toml_value(getattr(owner, key.name))}` |"
            assert row in text, row
            line = next(line for line in text.splitlines() if line.startswith(row))
            assert not line.endswith("|  |"), f"{key.name} has no docstring"


def test_field_docstrings_reads_the_string_under_each_field_only():
    source = ('class A:\n    """The class."""\n    x: int = 1\n    """About x."""\n    y: int = 2\n'
              '    z: str = ""\n    """About z."""\n')
    assert settings_reference.field_docstrings(source) == {"A": {"x": "About x.", "z": "About z."}}


def test_one_line_joins_lines_turns_roles_into_code_and_escapes_bars():
    assert settings_reference.one_line("Spearman of |map|,\n    see :mod:`generator.x` and ``y``.") == \
        "Spearman of \\|map\\|, see `generator.x` and `y`."


def test_toml_values_are_written_as_in_a_settings_file():
    assert [settings_reference.toml_value(v) for v in (True, 3, 0.5, "a", ("b", "c"))] == \
        ["true", "3", "0.5", '"a"', '["b", "c"]']
