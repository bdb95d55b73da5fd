"""A folder of images (train/<class>/, test/<class>/, val/<class>/) read with Pillow: the layout,
the modes, the order, and one clear line for each unusable folder. Images are written in tmp_path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generator.stages.data import DataError, load_dataset
from generator.stages.dataset import arrays_sha256
from generator.stages.image_folder import read_image


def pixels(seed: int, size: tuple[int, int] = (10, 12), colour: bool = True) -> np.ndarray:
    """Random (H, W, 3) or (H, W) uint8 pixels; ``size`` is (H, W)."""
    shape = (*size, 3) if colour else size
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def write(path: Path, array: np.ndarray, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **options)
    return path


def grey_folder(root: Path) -> dict[str, np.ndarray]:
    """Two classes of grey PNGs: train/ant (2), train/bee (1), val/bee (1), test/ant (1); returns
    the pixels by relative path."""
    written = {}
    for index, name in enumerate(("train/bee/b.png", "train/ant/z.png", "train/ant/a.png", "val/bee/v.png",
                                  "test/ant/t.png")):
        written[name] = pixels(index, colour=False)
        write(root / name, written[name])
    return written


def test_a_grey_folder_loads_in_sorted_order_with_val_appended_to_training(tmp_path: Path) -> None:
    written = grey_folder(tmp_path / "bugs")
    dataset = load_dataset(tmp_path / "bugs")
    assert dataset.class_names == ("ant", "bee") and dataset.image_shape == (10, 12, 1)
    order = ["train/ant/a.png", "train/ant/z.png", "train/bee/b.png", "val/bee/v.png"]
    np.testing.assert_array_equal(dataset.x_train, np.stack([written[name] for name in order]))
    assert dataset.y_train.tolist() == [0, 0, 1, 1] and dataset.y_test.tolist() == [0]
    assert dataset.x_train.shape == (4, 10, 12) and dataset.x_train.dtype == np.uint8
    assert dataset.sha256 == arrays_sha256(dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)
    assert dataset.source == f"--data {tmp_path / 'bugs'}"


def test_colour_formats_and_one_grey_image_make_an_rgb_dataset(tmp_path: Path) -> None:
    root = tmp_path / "mixed"
    rgb = pixels(1)
    write(root / "train/a/rgb.png", rgb)
    write(root / "train/a/rgba.png", np.dstack([rgb, np.full((10, 12), 7, np.uint8)]))
    grey = pixels(2, colour=False)
    write(root / "train/b/grey.bmp", grey)
    palette = Image.fromarray(rgb).quantize(colors=16)  # a palette ("P") PNG
    palette.save(root / "train/b/palette.png")
    flat = np.full((10, 12, 3), (200, 100, 50), np.uint8)
    write(root / "test/a/photo.jpg", flat, quality=95)
    write(root / "test/b/anim.gif", rgb)
    dataset = load_dataset(root)
    assert dataset.image_shape == (10, 12, 3) and dataset.x_train.shape == (4, 10, 12, 3)
    np.testing.assert_array_equal(dataset.x_train[0], rgb)
    np.testing.assert_array_equal(dataset.x_train[1], rgb)  # alpha dropped
    np.testing.assert_array_equal(dataset.x_train[2], np.repeat(grey[..., None], 3, axis=2))
    np.testing.assert_array_equal(dataset.x_train[3], np.asarray(palette.convert("RGB")))
    np.testing.assert_array_equal(dataset.x_test[0], np.asarray(Image.open(root / "test/a/photo.jpg")))
    assert np.abs(dataset.x_test[0].astype(int) - flat).max() <= 3  # JPEG is lossy, but close
    assert dataset.y_test.tolist() == [0, 1]


def test_reading_an_image_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    path = write(tmp_path / "p.png", pixels(3))
    Image.open(path).quantize(colors=8).save(tmp_path / "q.png")
    for name in ("p.png", "q.png"):
        assert read_image(tmp_path / name).tobytes() == read_image(tmp_path / name).tobytes()


def test_grey_with_alpha_stays_grey(tmp_path: Path) -> None:
    grey = pixels(4, colour=False)
    path = tmp_path / "la.png"
    Image.fromarray(np.dstack([grey, grey // 2])).convert("LA").save(path)
    np.testing.assert_array_equal(read_image(path), grey)


def test_test_may_hold_fewer_classes_and_hidden_files_are_skipped(tmp_path: Path) -> None:
    root = tmp_path / "few"
    for index, name in enumerate(("train/a/1.png", "train/b/1.png", "train/c/1.png", "test/c/1.png")):
        write(root / name, pixels(index))
    (root / "train" / "a" / ".DS_Store").write_bytes(b"\0")
    dataset = load_dataset(root)
    assert dataset.classes == 3 and dataset.y_test.tolist() == [2]


def test_class_names_given_rename_the_folders(tmp_path: Path) -> None:
    grey_folder(tmp_path / "bugs")
    assert load_dataset(tmp_path / "bugs", ("Ant", "Bee")).class_names == ("Ant", "Bee")
    with pytest.raises(DataError, match="2 class folders but 3 class names"):
        load_dataset(tmp_path / "bugs", ("Ant", "Bee", "Wasp"))


def _mixed_sizes(root: Path) -> str:
    write(root / "train/b/small.png", pixels(1, size=(9, 9)))
    return "train/a/a.png is 12×10 pixels (width×height) but"


def _bad_file(root: Path) -> str:
    (root / "train/a/notes.txt").write_text("hello")
    return "notes.txt is not a supported image file"


def _broken_png(root: Path) -> str:
    (root / "train/a/broken.png").write_bytes(b"\x89PNG not really")
    return "cannot read"


def _empty_class(root: Path) -> str:
    (root / "train/c").mkdir()
    return "train/c is an empty class folder"


def _unknown_test_class(root: Path) -> str:
    write(root / "test/z/1.png", pixels(9))
    return "test/z is a class folder that"


def _stray_file(root: Path) -> str:
    write(root / "train/loose.png", pixels(9))
    return "loose.png is not in a class folder"


def _one_class(root: Path) -> str:
    _remove(root / "train/b")
    return "has 1 class folder; an image folder needs 2 to 1000"


def _too_many_classes(root: Path) -> str:
    for k in range(1000):
        (root / "train" / f"c{k:04d}").mkdir()
    return "has 1002 class folders; an image folder needs 2 to 1000"


def _tiny_images(root: Path) -> str:
    for path in root.rglob("*.png"):
        write(path, pixels(5, size=(6, 6)))
    return "x_train holds 6×6 images; height and width must be 8 to 1024"


def _sixteen_bit(root: Path) -> str:
    Image.fromarray(np.zeros((10, 12), np.uint16)).save(root / "train/a/deep.png")
    return "has Pillow mode I;16"


def _remove(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


def _no_test(root: Path) -> str:
    _remove(root / "test/a")
    (root / "test").rmdir()
    return "neither an IDX directory"


def _empty_test(root: Path) -> str:
    _remove(root / "test/a")
    return "has no class folders; put the test images in test/<class>/"


BROKEN = {f.__name__.strip("_").replace("_", " "): f for f in (
    _mixed_sizes, _bad_file, _broken_png, _empty_class, _unknown_test_class, _stray_file, _one_class,
    _too_many_classes, _tiny_images, _sixteen_bit, _no_test, _empty_test)}


@pytest.mark.parametrize("damage", BROKEN.values(), ids=BROKEN.keys())
def test_an_unusable_folder_is_one_line_naming_the_problem(tmp_path: Path, damage) -> None:
    root = tmp_path / "data"
    for index, name in enumerate(("train/a/a.png", "train/b/b.png", "test/a/t.png")):
        write(root / name, pixels(index))
    expected = damage(root)
    with pytest.raises(DataError) as info:
        load_dataset(root)
    message = str(info.value)
    assert expected in message and "\n" not in message
