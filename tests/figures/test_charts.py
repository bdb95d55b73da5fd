"""The confusion matrix for any K: counts in the cells up to the limit, a heat map with thinned
class labels above it."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from generator.figures import charts
from generator.figures.charts import CONFUSION_TEXT_LIMIT, draw_confusion_matrix, tick_positions


@pytest.fixture
def drawn(monkeypatch):
    """The axes draw_confusion_matrix fills, nothing written."""
    figures = []

    def capture(size, draw, path, layout="constrained"):
        figure = Figure(figsize=size)
        draw(figure)
        figures.append(figure)
        return True

    monkeypatch.setattr(charts, "save_figure", capture)

    def draw(confusion):
        names = [f"class {k}" for k in range(len(confusion))]
        draw_confusion_matrix(confusion, names, "unused.svg")
        return figures[-1].axes[0]
    return draw


def _confusion(classes):
    rng = np.random.default_rng(classes)
    confusion = rng.integers(0, 3, size=(classes, classes))
    np.fill_diagonal(confusion, 50)
    return confusion


@pytest.mark.parametrize("classes", [2, 10, CONFUSION_TEXT_LIMIT])
def test_up_to_the_limit_every_non_zero_cell_prints_its_count(drawn, classes):
    confusion = _confusion(classes)
    ax = drawn(confusion)
    assert sorted(int(t.get_text()) for t in ax.texts) == sorted(confusion[confusion > 0].tolist())
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"class {k}" for k in range(classes)]


@pytest.mark.parametrize("classes", [21, 100, 1000])
def test_above_the_limit_a_heat_map_without_cell_text_and_at_most_twenty_labels(drawn, classes):
    ax = drawn(_confusion(classes))
    assert len(ax.texts) == 0
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert 10 <= len(labels) <= 20 and labels[0] == "class 0"
    # Row-normalised: the image's values are shares of each true class.
    shares = ax.images[0].get_array()
    assert shares.shape == (classes, classes) and np.allclose(shares.sum(axis=1), 1.0)


def test_tick_positions():
    assert tick_positions(10) == range(10) and tick_positions(20) == range(20)
    assert list(tick_positions(100)) == list(range(0, 100, 5))
    assert len(tick_positions(1000)) == 20 and len(tick_positions(21)) == 11
