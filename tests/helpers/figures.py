"""Hand-made examples (attribution rows of known maps) for drawing figures without a model."""

import numpy as np

from generator.stages.results import AttributionRow, Completeness, Example


def make_row(target: int, gradient: np.ndarray, ig: np.ndarray | None = None) -> AttributionRow:
    ig = gradient * 0.1 if ig is None else ig
    total = float(np.nansum(ig))
    return AttributionRow(
        target=target,
        maps={"gradient": gradient, "saliency": np.abs(gradient), "gradient_x_input": gradient * 0.5,
              "smoothgrad": gradient * 0.8, "integrated_gradients": ig, "expected_gradients": ig * 0.9},
        completeness=Completeness(total, total * 1.004, 0.004, 64),
        eg_completeness=Completeness(total * 0.9, total * 0.91, 0.011, 64),
    )


def make_example(test_index: int, true: int, predicted: int, seed: int = 0) -> Example:
    rng = np.random.default_rng(seed)
    image = rng.random((28, 28)).astype(np.float32)
    targets = (true,) if true == predicted else (predicted, true)
    rows = tuple(make_row(t, rng.normal(size=(28, 28)).astype(np.float32)) for t in targets)
    return Example(test_index, true, predicted, 0.93, image, rows)
