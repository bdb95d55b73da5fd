"""The decoy check on models whose right answer is known, and its figure against its tables.

Two linear models are built here, not trained (logit_c = Σ_p W[p, c] · x_p + b_c on pixel/255):

- the *patch reader* has weights only on the 4 × 16 pixels where a patch can be (the four corners
  of the 26 × 26 region the report's CNN reads). Only one corner holds a patch and the others are
  black, so Σ over those pixels is 16 · g for the patch's grey g; with W = 2·g_c/16 and
  b_c = −g_c² the largest logit is the label whose grey is nearest: it reads the label from the patch;
- the *patch ignorer* has equal weights on every other pixel and none on the patch.

For a linear model the maps have closed forms: the gradient is the weight column (the reader's
is equal on all 64 corner pixels, so 16 of its 16 largest are a quarter of the patch: rank and
mass accuracy 1/4), gradient × input and IG with the black baseline are x · W (the reader's is
non-zero only on the patch: 1; the ignorer's is 0 there: 0). Every faithful method must find the
reader against the ignorer, and none may find the ignorer against the reader.
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator.plumbing.settings import AttributionSettings  # noqa: E402
from generator.stages.data import Dataset, arrays_sha256, to_model_input  # noqa: E402
from generator.plumbing.records import from_arrays, to_arrays  # noqa: E402
from generator.stages.decoy import DecoyMeasurement, measure_decoy, summarise  # noqa: E402
from generator.stages.decoy_data import decoy_dataset, grey_level, patch_masks  # noqa: E402
from generator.stages.decoy_rules import FAIL, PASS  # noqa: E402
from generator.stages.localisation import rank_accuracy  # noqa: E402
from generator.stages.method_maps import every_method_maps  # noqa: E402
from generator.stages.read_region import ReadRegion  # noqa: E402

SIZE, EXTENT = 4, (26, 26)
PLACED = ReadRegion(*EXTENT, 28, 28)
FAITHFUL = ("gradient", "gradient_x_input", "integrated_gradients")
SETTINGS = AttributionSettings(smoothgrad_samples=4, expected_gradients_samples=4, chunk_size=256)


def data(n_train=8, n_test=60, seed=0):
    """Images with "ink" (values 1–255, never 0) in the middle only, so the corners are black but for the patch."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n_train + n_test, 28, 28), np.uint8)
    x[:, 8:20, 8:20] = rng.integers(1, 256, size=(len(x), 12, 12))
    y = rng.integers(0, 10, len(x))
    arrays = (x[:n_train], y[:n_train], x[n_train:], y[n_train:])
    return Dataset(*arrays, source="synthetic", sha256=arrays_sha256(*arrays))


def corner_pixels():
    """(28, 28) bool: every pixel a patch can cover."""
    return patch_masks(np.arange(4), SIZE, EXTENT, (28, 28)).any(axis=0)


def linear(weights, bias):
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    model.layers[-1].set_weights([weights.astype(np.float32), bias.astype(np.float32)])
    return model


def patch_reader():
    greys = grey_level(np.arange(10)) / 255.0
    weights = np.zeros((784, 10))
    weights[corner_pixels().ravel()] = 2 * greys / (SIZE * SIZE)
    return linear(weights, -greys ** 2)


def patch_ignorer():
    weights = np.zeros((784, 10))
    weights[~corner_pixels().ravel()] = np.arange(1, 11) / 100.0
    return linear(weights, np.zeros(10))


def noisy(model, scale, seed):
    """``model`` with Gaussian noise of standard deviation ``scale`` added to its weights."""
    rng = np.random.default_rng(seed)
    weights, bias = model.layers[-1].get_weights()
    return linear(weights + rng.normal(0.0, scale, weights.shape), bias)


def measured(decoy_model, normal_model, dataset=None, images=40):
    decoy, corners = decoy_dataset(dataset or data(), SIZE, seed=0, extent=EXTENT)
    baselines = to_model_input(decoy.x_train)

    def maps_of(fn, x, targets):
        return every_method_maps(fn, x, targets, SETTINGS, 0, baselines).maps

    stored = to_arrays(measure_decoy(decoy_model, normal_model, decoy, corners, maps_of, images, SIZE, seed=0,
                                     log=lambda line: None, placed=PLACED))  # through the cache's form
    return decoy, summarise(from_arrays(DecoyMeasurement, stored), seed=0, clean_accuracy=0.5)


@pytest.fixture(scope="module")
def reader_against_ignorer():
    return measured(patch_reader(), patch_ignorer())


def test_the_patch_reader_reads_the_label_from_the_patch_and_the_rule_says_so(reader_against_ignorer):
    _, result = reader_against_ignorer
    assert result.accuracy == 1.0 and result.shuffled_accuracy.mean < 0.35  # the true patch always, a random one rarely
    assert result.accuracy_lost.normal.mean == 0.0  # the ignorer never looks at the patch
    assert result.reads_patch() == PASS
    assert result.readable_share == 1.0


def test_every_faithful_method_finds_the_patch_reader_with_its_closed_form_scores(reader_against_ignorer):
    _, result = reader_against_ignorer
    for key in FAITHFUL:
        method = result.methods[key]
        expected = 0.25 if key == "gradient" else 1.0  # the gradient is the same on all four corners
        np.testing.assert_allclose(method.rank.values[0], expected, atol=1e-6, err_msg=key)
        np.testing.assert_allclose(method.mass.values[0], expected, atol=1e-5, err_msg=key)
        np.testing.assert_array_equal(method.rank.values[1], 0.0, err_msg=key)  # the ignorer: 0 on the patch
        assert method.reading() == PASS, key
        assert method.rank.means.decoy.low == pytest.approx(expected) and method.rank.means.normal.high == 0.0


def test_no_method_finds_a_model_that_ignores_the_patch():
    _, result = measured(patch_ignorer(), patch_reader())
    assert result.reads_patch() == FAIL
    for key in FAITHFUL:
        assert result.methods[key].reading() == FAIL, key
    _, alone = measured(patch_ignorer(), patch_ignorer(), images=12)
    assert all(alone.methods[key].reading() == FAIL for key in FAITHFUL)  # 0 against 0: at or below


def test_the_figure_shows_sampled_images_and_its_maps_give_the_tables_numbers(tmp_path):
    """Recompute the rule's metric from the arrays the figure job is given, and check it against
    the per-image values the tables average (noisy linear models, so the values differ from map to map)."""
    from generator.figures.decoy import DECOY_FIGURE, decoy_jobs

    decoy, result = measured(noisy(patch_reader(), 0.05, seed=1), noisy(patch_ignorer(), 0.05, seed=2), images=24)
    (job,) = decoy_jobs(result)
    assert job.path == DECOY_FIGURE
    (shown,) = job.args
    positions = shown.example_positions
    assert len(positions) == 4 and sorted(shown.corners[positions].tolist()) == [0, 1, 2, 3]
    np.testing.assert_array_equal(shown.examples, to_model_input(decoy.x_test[shown.sample[positions]])[..., 0])
    masks = patch_masks(shown.corners[positions], shown.size, (shown.placed.rows, shown.placed.columns), (28, 28))
    for key in shown.methods:
        for model in (0, 1):
            recomputed = rank_accuracy(shown.methods[key].example_maps[model], masks)
            table = shown.methods[key].rank.values[model, positions]
            np.testing.assert_allclose(recomputed, table, rtol=1e-5, err_msg=f"{key}, model {model}")
        rank = shown.methods[key].rank
        both = np.all(np.isfinite(rank.values), axis=0)
        assert rank.means.decoy.mean == pytest.approx(rank.values[0, both].mean())  # the table's mean is theirs
    assert len(set(shown.methods["gradient_x_input"].rank.values[0, positions].round(4))) > 1  # maps told apart
    assert job.draw(*job.args, tmp_path / "decoy.png") and (tmp_path / "decoy.png").stat().st_size > 0
