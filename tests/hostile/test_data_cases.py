"""Data files (review cases 31–65): each unusable file is one line that says what to do.

The review ran these through ``cache-key --data``, which loads the data as ``build`` does (the
loader, then the build's guard on shapes the other stages cannot handle yet); so do these tests.
(IDX headers whose sizes overflow are in ``test_idx_cases.py``.)
"""

import numpy as np

from tests.helpers.cli import one_line_error


def images(count, *shape):
    return np.random.default_rng(0).integers(0, 256, size=(count, *shape), dtype=np.uint8)


def save(path, x_train, y_train, x_test=None, y_test=None):
    np.savez(path, x_train=x_train, y_train=y_train,
             x_test=x_train[:10] if x_test is None else x_test, y_test=y_train[:10] if y_test is None else y_test)
    return path


def test_case_32_random_bytes_named_npz_never_suggest_unpickling(tmp_path, capsys):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(np.random.default_rng(1).bytes(4096))
    line = one_line_error(["cache-key", "--data", str(garbage)], capsys)
    assert "is not an .npz archive (it is not a zip file" in line
    assert "pickle" not in line.lower() and "allow_pickle" not in line


def test_an_empty_file_named_npz_says_it_is_empty(tmp_path, capsys):
    (tmp_path / "empty.npz").write_bytes(b"")
    assert "it is empty" in one_line_error(["cache-key", "--data", str(tmp_path / "empty.npz")], capsys)


def test_case_36_colour_images_of_the_right_size_are_told_to_become_grey(tmp_path, capsys):
    path = save(tmp_path / "rgb28.npz", images(20, 28, 28, 3), np.arange(20) % 10)
    line = one_line_error(["cache-key", "--data", str(path)], capsys)
    assert "28×28 RGB images in 10 classes" in line and "convert them to one grey channel" in line
    assert "resize" not in line and "\n" not in line


def test_case_38_channels_first_images_are_told_to_move_the_channel(tmp_path, capsys):
    path = save(tmp_path / "chw.npz", images(20, 1, 28, 28), np.arange(20) % 10)
    line = one_line_error(["cache-key", "--data", str(path)], capsys)
    assert "channels-first" in line and "np.moveaxis(x, 1, -1)" in line and "resize" not in line


def test_flattened_images_are_told_to_reshape(tmp_path, capsys):
    path = save(tmp_path / "flat.npz", images(20, 784), np.arange(20) % 10)
    assert "reshape them" in one_line_error(["cache-key", "--data", str(path)], capsys)


def test_images_of_another_size_are_still_told_to_resize(tmp_path, capsys):
    path = save(tmp_path / "size32.npz", images(20, 32, 32), np.arange(20) % 10)
    assert "resize them to 28×28" in one_line_error(["cache-key", "--data", str(path)], capsys)


def test_case_51_training_images_of_one_class_are_refused(tmp_path, capsys):
    path = save(tmp_path / "oneclass.npz", images(30, 28, 28), np.full(30, 3))
    line = one_line_error(["cache-key", "--data", str(path)], capsys)
    assert "every training image is of class 3" in line and "at least two classes" in line


def test_a_test_split_missing_some_classes_is_accepted(tmp_path):
    from generator.stages.data import load_dataset

    path = save(tmp_path / "few.npz", images(30, 28, 28), np.arange(30) % 10, images(4, 28, 28), np.array([1, 1, 2, 2]))
    assert len(load_dataset(path).y_test) == 4
