"""Comparing with a previous report: rank correlation and the checks on the previous copy."""

import json

import numpy as np
import pytest

from generator.stages.previous import ChangesError, check_same_test_data, read_previous
from generator.stages.similarity import _average_ranks, spearman


def test_spearman_is_one_for_monotone_and_minus_one_for_reversed_maps():
    a = np.random.default_rng(0).normal(size=(28, 28))
    assert spearman(a, np.exp(a)) == pytest.approx(1.0)
    assert spearman(a, -a**3) == pytest.approx(-1.0)
    assert np.isnan(spearman(a, np.zeros_like(a)))


def test_average_ranks_share_ties():
    np.testing.assert_allclose(_average_ranks(np.array([10.0, 20.0, 10.0, 30.0])), [0.5, 2.0, 0.5, 3.0])
    # A hand-computed Spearman with ties: ranks (0.5, 2, 0.5, 3) vs (0, 1, 2, 3).
    x, y = np.array([1.0, 2.0, 1.0, 3.0]), np.arange(4.0)
    rx = np.array([0.5, 2.0, 0.5, 3.0])
    expected = np.corrcoef(rx, y)[0, 1]
    assert spearman(x, y) == pytest.approx(expected)


def write_previous(directory, labels):
    """A minimal previous report: a manifest, the two arrays and a (tiny, untrained) model."""
    import keras

    (directory / "data").mkdir(parents=True)
    (directory / "manifest.json").write_text(json.dumps({"tool": {"version": "0.0.1"}, "model": {"sha256": "ab"}}))
    np.savez(directory / "data" / "predictions.npz", label=labels, predicted=labels, confidence=np.ones(len(labels)))
    np.savez(directory / "data" / "attributions.npz", index=np.array([0]), target=np.array([0]),
             integrated_gradients=np.zeros((1, 28, 28, 1), np.float32))
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]).save(
        directory / "data" / "model.keras")


def test_previous_copy_must_be_complete_and_of_the_same_test_data(tmp_path):
    labels = np.array([3, 1, 4, 1, 5])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ChangesError, match="lacks manifest.json, data/predictions.npz"):
        read_previous(tmp_path / "empty")
    write_previous(tmp_path / "prev", labels)
    previous = read_previous(tmp_path / "prev")
    assert previous.version == "0.0.1" and previous.output == "logits" and previous.input_scale.label == "unit"
    check_same_test_data(previous, labels)
    with pytest.raises(ChangesError, match="built on other test data"):
        check_same_test_data(previous, labels[::-1].copy())
    (tmp_path / "prev" / "manifest.json").write_text("{not json")
    with pytest.raises(ChangesError, match="is not readable JSON"):
        read_previous(tmp_path / "prev")


def test_without_a_previous_report_no_changes_page_or_figure_is_left_in_the_docs(tmp_path):
    from generator.figures.changes import changes_jobs
    from generator.figures.jobs import draw_all
    from generator.pages.changes import PAGE
    from generator.pages.render import render_all

    docs = tmp_path / "site_src"
    (docs / "figures" / "changes").mkdir(parents=True)
    (docs / "figures" / "changes" / "test-00001.png").write_bytes(b"from a build with --previous")
    (docs / PAGE).write_text("# Changes since the previous report\n")
    jobs, figures = changes_jobs(None, [str(k) for k in range(10)])
    assert jobs == [] and figures == {}
    draw_all(jobs, docs, tmp_path / "cache", print)
    render_all({}, tmp_path / "templates", docs)
    assert not (docs / PAGE).exists() and not list((docs / "figures" / "changes").iterdir())
