"""The baseline study against closed forms: a linear model, where IG from any baseline is exact."""

import numpy as np
import pytest

from generator.plumbing.settings import AttributionSettings
from generator.methods import keys
from generator.stages.baselines import COLUMNS, black_shares, choose_rows, share_on_black, study_maps
from tests.helpers.baselines import RNG, H, LinearScores, W, published


def test_share_on_black_is_the_absolute_mass_on_black_pixels():
    image = np.array([[0.0, 1.0], [0.0, 0.5]])
    attribution = np.array([[3.0, -1.0], [-1.0, 0.0]])
    assert share_on_black(image[None], attribution[None]) == 4 / 5
    assert np.isnan(share_on_black(image[None], np.zeros((1, 2, 2))))


def test_black_shares_are_zero_for_maps_multiplied_by_the_input():
    shares = black_shares(published())
    assert set(shares) == set(keys())
    assert shares["gradient_x_input"] == 0 and shares["integrated_gradients"] == 0
    assert 0.3 < shares["gradient"] < 0.7  # random maps, half the pixels black


def test_the_mistakes_shown_are_those_whose_contrast_eg_lies_most_on_black_pixels():
    rows, contrasts = choose_rows(published(), correct_row=0)
    assert rows == [0, 3, 1] and contrasts == [-1, 1, 0]  # test 2 first, then test 1


def test_ig_from_every_baseline_is_exact_on_a_linear_model_and_zero_where_x_equals_the_baseline():
    model, arrays = LinearScores(), published()
    predicted, true = np.array([0, 1, 2]), np.array([0, 2, 0])
    eg_baselines = RNG.random((7, H, W, 1)).astype(np.float32)
    settings = AttributionSettings(steps=4, chunk_size=16, expected_gradients_samples=16)
    out = study_maps(model, arrays, predicted, true, 0, np.full((H, W, 1), 0.25, np.float32), eg_baselines, settings,
                     seed=1)
    assert out.maps.shape == (3, len(COLUMNS), H, W) and out.test_index.tolist() == [0, 2, 1]
    np.testing.assert_allclose(out.attribution_sum, out.score_delta, rtol=1e-4, atol=1e-4)  # IG and EG exact
    # The correct example explains its class logit: IG from black is x ⊙ w_0.
    np.testing.assert_allclose(out.maps[0, 0], (arrays.image[0] * model.w[0])[..., 0], rtol=1e-5, atol=1e-6)
    # A mistake explains logit_pred − logit_true; from the mean image (0.25 everywhere): (x − 0.25) ⊙ (w_p − w_t).
    x = arrays.image[3]
    np.testing.assert_allclose(out.maps[1, 3], ((x - 0.25) * (model.w[2] - model.w[0]))[..., 0], rtol=1e-5,
                               atol=1e-6)
    assert out.study_black_share[0] == 0  # the black baseline puts nothing on black pixels
    assert out.study_black_share[3] > 0.2  # the mean image does
    assert out.eg_missing_ink.shape == (3,) and np.all((0 <= out.eg_missing_ink) & (out.eg_missing_ink <= 1))


def handmade_study():
    """Two examples whose Expected-Gradients maps miss Δ by known amounts: example 0's map sums to
    0.5 (Σ|EG| 2.5) against Δ 0.25; example 1's to −0.2 (Σ|EG| 4.0) against Δ 0.2."""
    from generator.stages.baselines import BaselineStudy

    maps = np.zeros((2, len(COLUMNS), 2, 2))
    maps[0, -1] = [[1.0, -1.0], [0.5, 0.0]]
    maps[1, -1] = [[-2.1, 1.0], [0.9, 0.0]]
    images = np.array([[[0.0, 1.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]]])
    total, delta = np.zeros((2, len(COLUMNS))), np.ones((2, len(COLUMNS)))
    total[:, -1], delta[:, -1] = [0.5, -0.2], [0.25, 0.2]
    return BaselineStudy(
        test_index=np.array([7, 9]), predicted=np.array([1, 2]), true=np.array([1, 0]), images=images, maps=maps,
        attribution_sum=total, score_delta=delta, relative_error=np.abs(total - delta) / np.abs(delta),
        study_black_share=np.zeros(len(COLUMNS)), eg_missing_ink=np.array([0.3, 0.6]),
        black_share={key: 0.5 for key in keys()}, eg_noise=np.array([0.2, 0.7]), long_draws=256,
        eg_missing_ink_long=np.array([0.32, 0.55]), eg_missing_ink_halves=np.array([[0.31, 0.33], [0.5, 0.6]]),
        candidates=5, candidates_median=0.4, black_share_maps={key: 12 for key in keys()},
        black_pixels=np.array([0.75, 0.75]))


def test_eg_errors_are_in_score_units_and_of_sum_abs_on_the_page_the_figure_and_in_the_manifest(tmp_path):
    """Σ|EG|, not a near-zero Δ, is what the error is shown against, as in the gallery; the
    manifest publishes it, and every number the page shows beside a missing-ink claim."""
    from generator.figures.baselines import completeness_label
    from generator.pages.baselines import PAGE, TEMPLATE, baselines_context
    from generator.pages.render import render_all
    from generator.stages.evidence_records import baselines_record
    from tests.helpers.pages import TEMPLATES

    study = handmade_study()
    errors = study.eg_errors()
    assert [e.absolute for e in errors] == [0.25, 0.4]
    assert [e.of_mass for e in errors] == pytest.approx([0.1, 0.1])
    assert [e.flags for e in errors] == [(), ("EG sign", "EG noise")]
    assert completeness_label(study, 0, len(COLUMNS) - 1, errors[0], "logit") == (
        "Σ 0.500 · Δ 0.250\noff by 0.250 logit · 10.00% of Σ|EG|")
    assert completeness_label(study, 0, 0, errors[0], "logit") == "Σ 0.00 · Δ 1.00\nerror 100.00%"  # IG's as it was
    record = baselines_record(study)
    assert record["expected_gradients"]["absolute_error"] == [0.25, 0.4]
    assert record["expected_gradients"]["error_of_mass"] == [0.1, 0.1]  # six significant digits
    assert record["expected_gradients"]["relative_error"] == [1.0, 2.0]
    ink = record["missing_ink"]
    assert ink["test_index"] == [7, 9] and ink["share"] == [0.3, 0.6] and ink["long_draws"] == 256
    assert ink["share_long"] == [0.32, 0.55] and ink["share_halves"] == [[0.31, 0.33], [0.5, 0.6]]
    assert ink["black_pixels"] == [0.75, 0.75] and ink["candidates"] == 5 and ink["candidates_median"] == 0.4
    assert ink["density"] == pytest.approx(list(study.black_to_ink_density()))
    assert ink["black_share_maps"] == {key: 12 for key in keys()}
    render_all({PAGE: (TEMPLATE, baselines_context(study, tuple("012"), 12, mnist=False))}, TEMPLATES, tmp_path)
    page = (tmp_path / PAGE).read_text(encoding="utf-8")
    assert "Expected Gradients' sums are off by 0.250 to 0.400 logit, 10.00% to 10.00% of Σ|EG|" in page
    assert "(100.00% to 200.00% of\nΔ," in page


def test_the_study_is_cached_as_its_record_and_read_back_unchanged():
    from generator.plumbing.records import from_arrays, to_arrays
    from generator.stages.baselines import BaselineStudy

    settings = AttributionSettings(steps=4, chunk_size=16, expected_gradients_samples=4)
    study = study_maps(LinearScores(), published(), np.array([0, 1, 2]), np.array([0, 2, 0]), 0,
                       np.full((H, W, 1), 0.25, np.float32), RNG.random((5, H, W, 1)).astype(np.float32), settings,
                       seed=1)
    back = from_arrays(BaselineStudy, to_arrays(study))
    assert list(back.black_share) == list(keys()) == list(back.black_share_maps)
    assert back.black_share == study.black_share and back.black_share_maps == study.black_share_maps
    assert (back.long_draws, back.candidates, back.baselines) == (study.long_draws, study.candidates, None)
    for name in ("maps", "relative_error", "eg_missing_ink_halves", "black_pixels", "test_index"):
        np.testing.assert_array_equal(getattr(back, name), getattr(study, name))
        assert getattr(back, name).dtype == getattr(study, name).dtype
