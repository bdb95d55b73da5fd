"""What the command line must print on a user's error: one line on stderr, and exit code 1."""

from generator import cli


def one_line_error(argv: list[str], capsys, never_printed: str | None = None) -> str:
    """Run the command line in this process; assert that it exits with 1 and prints exactly one
    ``gradient-gallery: error: …`` line on stderr (no traceback), and, when given, that
    ``never_printed`` (e.g. "==> data": no stage ran) is not on stdout. Returns the error line."""
    assert cli.main(argv) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gradient-gallery: error: "), lines
    assert never_printed is None or never_printed not in captured.out
    return lines[0]


def one_error_line(capsys) -> str:
    """The one line on stderr of a command already run (``capsys`` captured it)."""
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]
