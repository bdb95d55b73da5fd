"""Which examples are published: deterministic, spread over the margin, mistakes capped."""

import numpy as np

from generator.stages.selection import attribution_requests, select_examples, spread_over_margin


def fake_predictions(n=400, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=n)
    predictions = labels.copy()
    wrong = rng.choice(n, size=30, replace=False)
    predictions[wrong] = (labels[wrong] + rng.integers(1, 10, size=30)) % 10
    confidences = rng.uniform(0.3, 1.0, size=n)
    # Like a trained model: most margins large, a few small.
    margins = rng.exponential(8.0, size=n)
    return labels, predictions, confidences, margins


def test_spread_picks_the_nearest_margin_to_evenly_spaced_values():
    indices = np.arange(100, 108)
    margins = np.array([0.1, 9.0, 9.5, 9.6, 9.7, 9.8, 9.9, 20.0])
    # Targets 0.1, 10.05, 20.0: the nearest free margins are 0.1, 9.9 and 20.0.
    assert spread_over_margin(indices, margins, 3).tolist() == [100, 106, 107]
    # Evenly spaced ranks would have taken 9.6; values keep the one uncertain image.
    assert spread_over_margin(indices[:2], margins[:2], 5).tolist() == [100, 101]
    # Crowded targets never pick an image twice.
    assert len(set(spread_over_margin(indices, margins, 7).tolist())) == 7


def test_per_class_picks_are_correct_of_their_class_and_span_the_margins():
    labels, predictions, confidences, margins = fake_predictions()
    selection = select_examples(labels, predictions, confidences, margins, per_class=4, max_misclassified=200)
    for k, group in enumerate(selection.correct):
        assert len(group) == 4
        assert all(labels[i] == k == predictions[i] for i in group)
        assert list(margins[list(group)]) == sorted(margins[list(group)])
        correct_k = np.flatnonzero((labels == k) & (predictions == k))
        assert margins[group[0]] == margins[correct_k].min()
        assert margins[group[-1]] == margins[correct_k].max()


def test_every_mistake_is_published_up_to_the_cap_most_confident_first():
    labels, predictions, confidences, margins = fake_predictions()
    everything = select_examples(labels, predictions, confidences, margins, per_class=1, max_misclassified=200)
    assert sorted(everything.misclassified) == np.flatnonzero(labels != predictions).tolist()
    assert everything.misclassified_total == 30
    capped = select_examples(labels, predictions, confidences, margins, per_class=1, max_misclassified=10)
    assert len(capped.misclassified) == 10 and capped.misclassified_total == 30
    wrong = np.flatnonzero(labels != predictions)
    threshold = np.sort(confidences[wrong])[-10]
    assert all(confidences[i] >= threshold for i in capped.misclassified)
    keys = [(labels[i], predictions[i], i) for i in capped.misclassified]
    assert keys == sorted(keys)


def test_same_inputs_same_picks():
    a = select_examples(*fake_predictions(seed=4), per_class=8, max_misclassified=5)
    b = select_examples(*fake_predictions(seed=4), per_class=8, max_misclassified=5)
    assert a == b
    c = select_examples(*fake_predictions(seed=5), per_class=8, max_misclassified=5)
    assert a != c


def test_misclassified_rows_target_predicted_then_true():
    labels, predictions, confidences, margins = fake_predictions()
    selection = select_examples(labels, predictions, confidences, margins, per_class=2, max_misclassified=3)
    index, target, contrast_rows = attribution_requests(selection, labels, predictions)
    assert len(index) == 20 + 2 * 3
    assert len(contrast_rows) == 3
    for i, (predicted_row, true_row) in zip(selection.misclassified, contrast_rows):
        rows = np.flatnonzero(index == i)
        assert rows.tolist() == [predicted_row, true_row]
        assert target[rows].tolist() == [predictions[i], labels[i]]
