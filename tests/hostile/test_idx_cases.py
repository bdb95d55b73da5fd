"""IDX headers whose sizes overflow a 64-bit product (review row 63).

The dataset is the tiny one of tests/helpers/idx.py with its training images replaced by a header
alone; the review's recipe ran ``cache-key --data idx``, which reads data with the loader that
``build`` uses and stops before any model.
"""

import math
import struct

import numpy as np
import pytest

from generator.cli import main
from generator.stages.idx import IdxError, parse_idx
from tests.helpers.idx import CLASSIC, small_arrays, write_idx_directory


def header(code: int, *sizes: int) -> bytes:
    """An IDX header (magic, type code, dimensions, big-endian sizes) with no data after it."""
    return bytes([0, 0, code, len(sizes)]) + struct.pack(f">{len(sizes)}I", *sizes)


def test_63_an_overflowing_header_is_one_line_naming_the_file(tmp_path, monkeypatch, capsys):
    directory = write_idx_directory(tmp_path / "idx", small_arrays())
    images = directory / CLASSIC["x_train"]
    images.write_bytes(header(0x08, 2**31, 2**31, 4))  # 2^64 bytes: an int64 product wraps to 0
    monkeypatch.chdir(tmp_path)  # no settings file around
    assert main(["cache-key", "--data", str(directory)]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    assert lines[0].startswith("gradient-gallery: error: ") and str(images) in lines[0]
    assert "is truncated: shape (2147483648, 2147483648, 4) of uint8 needs 18,446,744,073,709,551,616 bytes" \
        in lines[0]
    assert "the file has 0" in lines[0]
    assert captured.out == ""


@pytest.mark.parametrize("code, sizes, itemsize", [
    (0x08, (2**16,) * 4, 1),            # 2^64: wraps to exactly 0
    (0x0E, (2**31, 2**31, 2), 8),       # the item size makes the wrap
    (0x0D, (2**32 - 1,) * 3, 4),        # wraps to some other number
])
def test_63_the_size_check_is_exact_for_any_header(code, sizes, itemsize):
    content = header(code, *sizes) + bytes(16)
    with pytest.raises(IdxError) as info:
        parse_idx(content, "images")
    assert f"needs {math.prod(sizes) * itemsize:,} bytes of data, the file has 16" in str(info.value)
    assert "\n" not in str(info.value)


def test_63_a_header_that_fits_still_reads():
    values = np.arange(6, dtype=np.uint8).reshape(2, 3)
    np.testing.assert_array_equal(parse_idx(header(0x08, 2, 3) + values.tobytes(), "tiny"), values)
