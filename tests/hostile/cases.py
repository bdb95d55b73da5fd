"""What every hostile case asks of the command line: exit code 1 and one error line."""

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
