"""IDX input: a directory of the four classic files reads as the same dataset as its .npz, and
every way such a file can be wrong is one clear DataError naming the file."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from generator.stages.data import DataError, load_dataset
from generator.stages.idx import IDX_FILES, candidate_names, parse_idx
from tests.helpers.idx import CLASSIC, idx_bytes, small_arrays, write_idx_directory

@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_idx_directory_gives_the_arrays_and_the_hash_of_the_same_npz(tmp_path: Path, compress: bool) -> None:
    arrays = small_arrays()
    npz = tmp_path / "same.npz"
    np.savez(npz, **arrays)
    from_idx = load_dataset(write_idx_directory(tmp_path / "idx", arrays, compress=compress))
    for key, expected in arrays.items():
        np.testing.assert_array_equal(getattr(from_idx, key), expected)
    assert from_idx.x_train.dtype == np.uint8 and from_idx.y_test.dtype == np.int64
    assert from_idx.sha256 == load_dataset(npz).sha256
    assert from_idx.source == f"--data {tmp_path / 'idx'}"


def test_dotted_variant_names_are_accepted(tmp_path: Path) -> None:
    dotted = {key: candidate_names(*stem)[1] for key, stem in IDX_FILES.items()}
    assert dotted["x_train"] == "train-images.idx3-ubyte"
    arrays = small_arrays()
    dataset = load_dataset(write_idx_directory(tmp_path / "idx", arrays, names=dotted))
    np.testing.assert_array_equal(dataset.y_train, arrays["y_train"])


def test_big_endian_values_of_wider_types_are_read_in_order(tmp_path: Path) -> None:
    values = np.array([1, 258, -3, 70000], dtype=np.int32)
    parsed = parse_idx(idx_bytes(values, code=0x0C), tmp_path / "labels")
    assert parsed.dtype == np.int32 and parsed.tolist() == [1, 258, -3, 70000]


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    directory = write_idx_directory(tmp_path / "idx", small_arrays())
    (directory / CLASSIC["y_test"]).unlink()
    with pytest.raises(DataError, match="has no t10k-labels-idx1-ubyte") as info:
        load_dataset(directory)
    assert str(directory) in str(info.value) and "\n" not in str(info.value)


def break_file(content: bytes, how: str) -> bytes:
    """The images file ``content`` damaged in one way."""
    return {
        "bad magic": b"\x08\x03" + content[2:],
        "unknown type": content[:2] + b"\x07" + content[3:],
        "truncated header": content[:9],
        "truncated data": content[:-5],
        "extra bytes": content + b"\x00",
        "damaged gzip": gzip.compress(content, mtime=0)[:40],
    }[how]


BROKEN = {
    "bad magic": "is not an IDX file: magic number 08030803",
    "unknown type": "is not an IDX file",
    "truncated header": "is truncated: its header announces 3 dimensions",
    "truncated data": "is truncated: shape (13, 28, 28) of uint8 needs 10,192 bytes of data, the file has 10,187",
    "extra bytes": "is longer than its header says",
    "damaged gzip": "cannot decompress",
}


@pytest.mark.parametrize("how, message", BROKEN.items(), ids=BROKEN.keys())
def test_a_damaged_file_is_refused_with_its_name(tmp_path: Path, how: str, message: str) -> None:
    directory = write_idx_directory(tmp_path / "idx", small_arrays())
    images = directory / CLASSIC["x_train"]
    images.write_bytes(break_file(images.read_bytes(), how))
    with pytest.raises(DataError) as info:
        load_dataset(directory)
    assert message in str(info.value) and str(images) in str(info.value) and "\n" not in str(info.value)


WRONG = {
    "flat images": (lambda a: {**a, "x_train": a["x_train"].reshape(13, 784)}, "has 2 dimensions (13, 784); "
                    "expected 3 for images"),
    "2-D labels": (lambda a: {**a, "y_test": a["y_test"].reshape(2, 5)}, "expected 1 for labels"),
    "27 columns": (lambda a: {**a, "x_test": a["x_test"][:, :, :27]}, "x_train holds 28×28 grayscale images but "
                   "x_test 28×27 grayscale"),
    "7 rows": (lambda a: {**a, "x_train": a["x_train"][:, :7]}, "x_train holds 7×28 images; height and width "
               "must be 8 to 1024"),
    "label 10": (lambda a: {**a, "y_train": np.full(13, 10, np.uint8)}, "every training image is of class 10"),
    "class 4 not trained": (lambda a: {**a, "y_train": np.where(a["y_train"] == 4, 5, a["y_train"])},
                            "class 4 has no training images"),
    "fewer labels": (lambda a: {**a, "y_train": a["y_train"][:12]}, "has 12 labels for 13 images"),
}


@pytest.mark.parametrize("change, message", WRONG.values(), ids=WRONG.keys())
def test_wrong_dimensions_shapes_and_labels_get_the_npz_checks(tmp_path: Path, change, message: str) -> None:
    directory = write_idx_directory(tmp_path / "idx", change(small_arrays()))
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_dataset(directory)


def test_float_images_are_refused_like_an_npz_s(tmp_path: Path) -> None:
    directory = write_idx_directory(tmp_path / "idx", small_arrays())
    floats = np.zeros((13, 28, 28), np.float32)
    (directory / CLASSIC["x_train"]).write_bytes(idx_bytes(floats, code=0x0D))
    with pytest.raises(DataError, match="x_train has dtype float32; expected uint8"):
        load_dataset(directory)


def test_grey_images_of_another_size_and_class_count_load_with_numbered_classes(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    arrays = {"x_train": rng.integers(0, 256, (9, 12, 20), np.uint8), "y_train": (np.arange(9) % 3).astype(np.uint8),
              "x_test": rng.integers(0, 256, (4, 12, 20), np.uint8), "y_test": np.array([0, 2, 2, 1], np.uint8)}
    dataset = load_dataset(write_idx_directory(tmp_path / "idx", arrays))
    assert dataset.image_shape == (12, 20, 1) and dataset.x_train.shape == (9, 12, 20)
    assert dataset.class_names == ("0", "1", "2") and dataset.classes == 3
    np.testing.assert_array_equal(dataset.x_test, arrays["x_test"])


def test_a_directory_of_neither_layout_names_both(tmp_path: Path) -> None:
    (tmp_path / "other" / "train").mkdir(parents=True)
    with pytest.raises(DataError) as info:
        load_dataset(tmp_path / "other")
    message = str(info.value)
    assert "neither an IDX directory" in message and "train-images-idx3-ubyte" in message
    assert "train/<class>/*.png" in message and "\n" not in message
