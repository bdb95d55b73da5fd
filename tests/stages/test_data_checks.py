"""The build's guard: which checked datasets the rest of this version's build can use, and the one
line it gives for the others."""

from __future__ import annotations

import numpy as np
import pytest

from generator.stages.data_checks import check_supported_by_this_build, describe, supported_by_this_build
from generator.stages.dataset import DataError, Dataset


def dataset(shape: tuple[int, ...], classes: int) -> Dataset:
    images = np.zeros((classes, *shape), np.uint8)
    labels = np.arange(classes)
    return Dataset(images, labels, images, labels, "--data DIR", "0" * 64)


def test_28x28_grey_in_10_classes_is_supported() -> None:
    assert supported_by_this_build(dataset((28, 28), 10)) is None
    check_supported_by_this_build(dataset((28, 28), 10))


def test_other_shapes_are_refused_with_what_they_are_and_what_to_do() -> None:
    refusal = supported_by_this_build(dataset((32, 32, 3), 20))
    assert refusal == ("this version builds reports for 28×28 grayscale images in 10 classes; --data DIR holds "
                       "32×32 RGB images in 20 classes: support for other shapes is coming (issue 26); until then "
                       "convert them to one grey channel, resize them to 28×28, use 10 classes")
    assert supported_by_this_build(dataset((28, 28), 2)).endswith("until then use 10 classes")
    with pytest.raises(DataError, match="holds 8×16 grayscale images in 10 classes"):
        check_supported_by_this_build(dataset((8, 16), 10))


def test_describe_names_size_colour_and_classes() -> None:
    assert describe(dataset((64, 64, 3), 2)) == "64×64 RGB images in 2 classes"
