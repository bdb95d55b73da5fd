"""Every figure the site draws, each fed class and layer names that mathtext would read
(review row 89): a name that it refuses and one it would typeset. Keys name the figure."""

import numpy as np

from generator.figures.baselines import draw_baselines
from generator.figures.changes import draw_changed_image
from generator.figures.charts import draw_confusion_matrix
from generator.figures.example import draw_class_means, draw_example, map_scales
from generator.figures.trust import draw_cascade_grid, draw_similarity
from generator.stages.baselines import BaselineStudy
from generator.stages.changes import ChangedImage
from generator.stages.results import ClassMeans, Completeness, ContrastMap, Example
from generator.methods import keys
from generator.stages.trust import METRICS
from tests.helpers.figures import make_example


BAD_MATH, GOOD_MATH = r"$\nope$", "$x^2$"
"""Class names that mathtext would refuse (an unknown symbol) and would typeset (x squared)."""
NAMES = ("0", "1", "2", "3", GOOD_MATH, "5", "6", "7", "8", BAD_MATH)


def contrast_example() -> Example:
    wrong = make_example(42, 4, 9)
    check = Completeness(1.0, 1.0, 0.0, 64)
    contrast = ContrastMap({"integrated_gradients": np.ones((28, 28), np.float32),
                            "expected_gradients": -np.ones((28, 28), np.float32)}, check, check)
    return Example(42, 4, 9, 0.6, wrong.image, wrong.rows, contrast)


def baseline_study() -> BaselineStudy:
    rng = np.random.default_rng(0)
    return BaselineStudy(
        test_index=np.array([42]), predicted=np.array([9]), true=np.array([4]), images=rng.random((1, 28, 28)),
        maps=rng.normal(size=(1, 5, 28, 28)), attribution_sum=np.ones((1, 5)), score_delta=np.ones((1, 5)),
        relative_error=np.zeros((1, 5)), study_black_share=np.zeros(5), eg_missing_ink=np.zeros(1), black_share={})


def changed_image() -> ChangedImage:
    rng = np.random.default_rng(1)
    return ChangedImage(42, 4, 4, 9, 0.9, 0.6, rng.random((28, 28)), rng.normal(size=(28, 28)),
                        rng.normal(size=(28, 28)))


def similarity(layers, path):
    shape = (len(METRICS), len(keys()), len(layers))
    return draw_similarity(np.full(shape, 0.5), np.full(shape, 0.4), np.full(shape, 0.6), layers, path)


LAYERS = ("dense", BAD_MATH, GOOD_MATH)
FIGURES = {
    "example with contrast": lambda path: draw_example(contrast_example(), map_scales([contrast_example()]),
                                                       NAMES, path),
    "class means": lambda path: draw_class_means(
        ClassMeans(9, 3, 1, *np.random.default_rng(2).normal(size=(4, 28, 28))), NAMES, path),
    "class means of the other name": lambda path: draw_class_means(
        ClassMeans(4, 3, 1, *np.random.default_rng(2).normal(size=(4, 28, 28))), NAMES, path),
    "confusion matrix": lambda path: draw_confusion_matrix(np.diag(np.full(10, 9)) + 1, NAMES, path),
    "changes": lambda path: draw_changed_image(changed_image(), 1.0, NAMES, path),
    "baselines": lambda path: draw_baselines(baseline_study(), NAMES, path),
    "cascade grid (layer names)": lambda path: draw_cascade_grid(
        np.random.default_rng(3).normal(size=(len(LAYERS) + 1, len(keys()), 28, 28)), LAYERS, 42, path),
    "similarity (layer names)": lambda path: similarity(LAYERS, path),
}
