"""A tiny published site written with the build's own writers: the ``published`` fixture
(registered for every test by ``tests/conftest.py``) and the numbers it was written from."""

import numpy as np
import pytest

from generator.plumbing.settings import Settings
from generator.stages.attribute import AttributionArrays, CheckedMaps, to_examples
from generator.stages.gallery import build_gallery
from generator.stages.manifest import example_records, write_arrays, write_manifest
from generator.stages.results import Evaluation


NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TEST_IMAGES = 50
# Rows: test 7 (a 3, right), test 11 (a 0, right), test 42 (a 4 taken for a 9: predicted row, then true row).
INDEX, TARGET = [7, 11, 42, 42], [3, 0, 9, 4]


def checked(maps, attribution_sum, logit_delta, relative_error, steps):
    return CheckedMaps(maps, np.array(attribution_sum), np.array(logit_delta), np.array(relative_error),
                     np.array(steps, np.int64), np.full(len(maps), np.nan))


@pytest.fixture()
def published(tmp_path):
    """A published site in tmp_path/site and the build-side objects it was written from.

    Completeness numbers are chosen so that the manifest's rounding keeps them exact; the
    contrast map's check is NaN, which the manifest publishes as null.
    """
    rng = np.random.default_rng(0)

    def maps(rows):
        return rng.normal(size=(rows, 28, 28, 1)).astype(np.float32)

    image = rng.random((4, 28, 28, 1)).astype(np.float32)
    gradient = maps(4)
    arrays = AttributionArrays(
        index=np.array(INDEX, np.int64), target=np.array(TARGET, np.int64), image=image,
        maps={"gradient": gradient, "saliency": np.abs(gradient), "gradient_x_input": image * gradient,
              "smoothgrad": maps(4)},
        noise={"smoothgrad": np.array([0.3, 0.25, np.nan, 0.4])},
        ig=checked(maps(4), [1.5, 2.25, -0.75, 3.0], [1.5, 2.25, -0.5, 3.0], [0.0, 0.0, 0.5, 0.0], [64, 64, 128, 64]),
        eg=checked(maps(4), [1.25, 2.0, -0.5, 2.5], [1.5, 2.0, -0.5, 3.0], [0.25, 0.0, 0.0, 0.25], [64] * 4),
        contrast_index=np.array([42], np.int64),
        contrast=checked(maps(1), [float("nan")], [2.0], [float("nan")], [4096]),
        contrast_eg=checked(maps(1), [1.75], [2.0], [0.125], [64]),
    )
    labels = np.zeros(TEST_IMAGES, np.int64)
    predictions = np.zeros(TEST_IMAGES, np.int64)
    confidences = np.full(TEST_IMAGES, 0.5, np.float32)
    labels[[7, 11, 42]], predictions[[7, 11, 42]], confidences[[7, 11, 42]] = [3, 0, 4], [3, 0, 9], [0.75, 0.875, 0.625]
    evaluation = Evaluation(0.9, np.ones(10), np.zeros((10, 10), np.int64), predictions, confidences,
                            np.full(TEST_IMAGES, 2.0))

    site = tmp_path / "site"
    write_arrays(arrays, site / "data" / "attributions.npz")
    settings = Settings().to_dict()
    settings["data"]["class_names"] = list(NAMES)
    examples = to_examples(arrays, labels, evaluation, 0.01)
    records = example_records(arrays, labels, evaluation, build_gallery(examples, evaluation.margins, 10), 0.01)
    write_manifest({"settings": settings, "examples": records}, site / "manifest.json")
    return site, examples, arrays
