"""``init`` (review cases 107–111): it writes a project, or says in one line why it cannot."""

import pytest

from tests.helpers.cli import one_line_error


def test_case_110_a_path_that_is_a_file(tmp_path, capsys):
    (tmp_path / "afile").write_text("mine")
    line = one_line_error(["init", str(tmp_path / "afile")], capsys)
    assert "afile is a file, not a folder" in line and "free space" not in line and "writable" not in line
    assert (tmp_path / "afile").read_text() == "mine"


def test_case_111_a_path_under_a_file(tmp_path, capsys):
    (tmp_path / "afile").write_text("mine")
    line = one_line_error(["init", str(tmp_path / "afile" / "sub")], capsys)
    assert "afile/sub cannot be made" in line and f"{tmp_path / 'afile'} is a file" in line
    assert (tmp_path / "afile").read_text() == "mine"


@pytest.mark.parametrize("existing", ["mkdocs.yml", "site_src/methods.md"])
def test_cases_107_and_109_init_never_overwrites_without_force(tmp_path, capsys, existing):
    (tmp_path / existing).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / existing).write_text("mine")
    (tmp_path / "notes.txt").write_text("notes")
    assert f"already has {existing}" in one_line_error(["init", str(tmp_path)], capsys)
    assert (tmp_path / existing).read_text() == "mine" and (tmp_path / "notes.txt").read_text() == "notes"
    assert not (tmp_path / "gradient-gallery.toml").exists()
