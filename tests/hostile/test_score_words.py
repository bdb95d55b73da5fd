"""Every page and figure names the score its maps are of, from ``model.output`` alone: the class
logit by default, the log-probability log p_t for a model declared to output probabilities
(``--model-output probabilities``). A report of log-probabilities that says "logit" anywhere about
its maps says something false; a default report must read exactly as before.

The pages are rendered from the synthetic inputs of tests/helpers/pages.py; the figures are checked
by the label strings of their panels, not by pixels.
"""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.facts import facts
from tests.helpers.pages import TEMPLATES, synthetic_inputs
from generator.figures.baselines import row_title
from generator.figures.example import contrast_panels, example_panels, map_scales
from generator.pages.about import report_build_context
from generator.pages.baselines import PAGE as BASELINES_PAGE
from generator.pages.baselines import TEMPLATE as BASELINES_TEMPLATE
from generator.pages.baselines import baselines_context
from generator.pages.render import render_all
from generator.pages.report import report_pages
from generator.plumbing.settings import Settings
from generator.stages.baselines import BaselineStudy
from generator.stages.gallery import build_gallery
from generator.stages.manifest import write_manifest
from generator.stages.mathematics import BaselineShare, Convergence, ExpectedGradientsDraws, Mathematics
from generator.stages.model_output import LOGIT_WORDS, score_words
from generator.stages.published import PublishedError, read_published, recorded_output

PROBABILITIES = score_words("probabilities")
NAMES = tuple(str(k) for k in range(10))


def probabilities_inputs():
    """The synthetic report, its maps declared to be of log p_t: the page inputs and the gallery
    (whose colour scales carry the unit) from the one setting."""
    inputs = synthetic_inputs()
    gallery = build_gallery(inputs.examples, inputs.evaluation.margins, 10, PROBABILITIES)
    return replace(inputs, score=PROBABILITIES, gallery=gallery)


def study() -> BaselineStudy:
    """A correct example (test 7, class 3) and a mistake (test 42, a 4 taken for a 9)."""
    rng = np.random.default_rng(0)
    return BaselineStudy(
        test_index=np.array([7, 42]), predicted=np.array([3, 9]), true=np.array([3, 4]),
        images=rng.random((2, 28, 28)), maps=rng.normal(size=(2, 5, 28, 28)), attribution_sum=np.ones((2, 5)),
        score_delta=np.ones((2, 5)), relative_error=np.zeros((2, 5)), study_black_share=np.zeros(5),
        eg_missing_ink=np.zeros(2), black_share={"gradient": 0.5, "integrated_gradients": 0.0})


def mathematics() -> Mathematics:
    convergence = Convergence(("gauss_legendre",), (4, 8), np.arange(2), np.full((1, 2, 2), 0.01))
    share = BaselineShare(maps=2, baseline_pixels=100, baseline_zero=100, other_pixels=10, other_zero=0)
    return Mathematics(convergence, ExpectedGradientsDraws((16,), np.arange(2), np.full((1, 2), 0.02)), share, None)


def settings_of(output: str) -> Settings:
    settings = Settings()
    return replace(settings, model=replace(settings.model, output=output))


def rendered(inputs, output: str, docs: Path) -> dict[str, str]:
    """Every generated page that describes the maps: the report pages, the baseline study and
    "How this report was made", docs-relative path → Markdown."""
    pages = report_pages(inputs)
    pages[BASELINES_PAGE] = (BASELINES_TEMPLATE, baselines_context(study(), NAMES, 30, mnist=True,
                                                                   score=score_words(output)))
    pages["methods/how-this-report-was-made.md"] = ("report-build.md.j2", report_build_context(
        facts(settings_of(output)), mathematics(), []))
    render_all(pages, TEMPLATES, docs)  # one pass: a second would delete the class pages of the first
    return {path.relative_to(docs).as_posix(): path.read_text(encoding="utf-8") for path in sorted(docs.rglob("*.md"))}


def test_no_page_of_a_probabilities_report_says_logit_and_each_says_log_probability(tmp_path):
    pages = rendered(probabilities_inputs(), "probabilities", tmp_path)
    assert len(pages) == 18  # home, 10 classes, misclassified and 3 true classes, explorer, baselines, report-build
    for page, text in pages.items():
        assert "logit" not in text.lower(), (page, text[max(text.lower().find("logit") - 200, 0):][:400])
        assert "log-probability" in text, page
    class_page = pages["classes/class-2.md"]
    assert "the class 2 log-probability minus the runner-up log-probability" in class_page
    assert "shows the maps of the class 2 log-probability;" in class_page
    assert "(log-probability per unit of intensity)" in class_page and "(log-probability units)" in class_page
    assert "Δlog p 0.00" in class_page
    wrong = pages["misclassified/true-2.md"]
    assert ("the contrast log-probability predicted − log-probability true" in wrong
            and "Δ(log-probability difference)" in wrong)
    assert "contrastive Integrated Gradients, log p&#95;7 − log p&#95;2" in wrong
    assert "Margin is the top log-probability minus the" in pages["explorer.md"]
    baselines = pages[BASELINES_PAGE]
    assert "explain its class log-probability; a mistake's explain log-probability predicted − log-probability true" \
        in baselines
    assert "test &#35;42: true 4, predicted 9 · log p&#95;9 − log p&#95;4" in baselines
    build = pages["methods/how-this-report-was-made.md"]
    assert "(x − x′) ⊙ ∂log p/∂x" in build
    assert "the log-probability minus the mean log-probability of its drawn baselines" in build


def test_a_default_report_reads_as_before(tmp_path):
    default = rendered(synthetic_inputs(), "logits", tmp_path / "default")
    explicit = rendered(replace(synthetic_inputs(), score=score_words("logits")), "logits", tmp_path / "explicit")
    assert default == explicit
    assert "log-probability" not in "".join(default.values()) and "log p" not in "".join(default.values())
    # the sentences as they read before the score had a setting, byte for byte
    class_page = default["classes/class-2.md"]
    assert ("evenly spaced values of the *margin* (the class 2 logit minus the runner-up logit) from\n"
            in class_page)
    assert "shows the maps of the class 2 logit; all maps of a method share the colour scale shown\n" in class_page
    assert "(logit per unit of intensity)" in class_page and "(logit units)" in class_page
    assert "ΣIG 0.00 · Δlogit 0.00 ·" in class_page
    wrong = default["misclassified/true-2.md"]
    assert ("Each image has three rows of maps: for the logit of the predicted class, for the logit of\n"
            "class 2, and the contrast logit predicted − logit true") in wrong
    assert "contrastive Integrated Gradients, logit 7 − logit 2" in wrong and "Δ(logit difference)" in wrong
    assert "Margin is the top logit minus the\nrunner-up;" in default["explorer.md"]
    baselines = default[BASELINES_PAGE]
    assert ("explain its class logit; a mistake's explain logit predicted − logit true (red pushed towards\n"
            in baselines)
    assert "difference Δ it should add up to (for Expected Gradients: the logit minus the mean logit of its\n" \
        in baselines
    assert "test &#35;42: true 4, predicted 9 · logit 9 − logit 4" in baselines
    build = default["methods/how-this-report-was-made.md"]
    assert "Expected Gradients averages (x − x′) ⊙ ∂logit/∂x over draws of a baseline x′ from\n" in build
    assert "the sum of a map approaches the logit minus the mean logit of its drawn baselines\n" in build


def test_the_gallery_colour_scales_carry_the_unit_of_the_score():
    units = {m.key: m.scale.unit for m in synthetic_inputs().gallery.methods}
    assert units["gradient"] == "logit per unit of intensity" and units["integrated_gradients"] == "logit units"
    probabilities = {m.key: m.scale.unit for m in probabilities_inputs().gallery.methods}
    assert probabilities == {"gradient": "log-probability per unit of intensity",
                             "saliency": "log-probability per unit of intensity",
                             "gradient_x_input": "log-probability units",
                             "smoothgrad": "log-probability per unit of intensity",
                             "integrated_gradients": "log-probability units",
                             "expected_gradients": "log-probability units"}


def test_the_example_figure_labels_its_colour_bars_in_the_units_of_the_score():
    example = next(e for e in synthetic_inputs().examples if e.contrast is not None)
    scales = map_scales([example])
    labels = [panel.label for panel in example_panels(scales)]
    assert labels == ["pixel intensity", "∂logit/∂x\n(logit per unit of intensity)",
                      "|∂logit/∂x|\n(logit per unit of intensity)", "x · ∂logit/∂x\n(logit units)",
                      "mean ∂logit/∂x, noisy x\n(logit per unit of intensity)", "IG (logit units)", "EG (logit units)"]
    title, ig, eg = contrast_panels(example, scales, NAMES)
    assert title == f"contrast: logit {example.predicted} (predicted) − logit {example.true_label} (true); red " \
                    f"pushed towards {example.predicted}"
    assert (ig.title, ig.label, eg.title) == (f"IG of logit {example.predicted} − logit {example.true_label}",
                                              "IG (logit units)", f"EG of logit {example.predicted} − logit "
                                                                  f"{example.true_label}")
    labels = [panel.label for panel in example_panels(scales, PROBABILITIES)]
    assert labels == ["pixel intensity", "∂log p/∂x\n(log p per unit of intensity)",
                      "|∂log p/∂x|\n(log p per unit of intensity)", "x · ∂log p/∂x\n(log-probability units)",
                      "mean ∂log p/∂x, noisy x\n(log p per unit of intensity)", "IG (log-probability units)",
                      "EG (log-probability units)"]
    texts = [*contrast_panels(example, scales, NAMES, PROBABILITIES)[:1],
             *(f"{p.title} {p.label}" for p in contrast_panels(example, scales, NAMES, PROBABILITIES)[1:])]
    assert all("logit" not in text for text in texts)
    assert texts[1] == f"IG of log p_{example.predicted} − log p_{example.true_label} IG (log-probability units)"


def test_the_baseline_figure_rows_name_the_score():
    assert row_title(study(), 0, NAMES) == "test #7: class 3, correct · logit 3"
    assert row_title(study(), 1, NAMES, PROBABILITIES) == "test #42: true 4, predicted 9 · log p_9 − log p_4"


def test_the_figure_command_takes_the_score_from_the_published_manifest(published):  # noqa: F811
    assert recorded_output({"settings": {"model": {"output": "probabilities"}}}) == "probabilities"
    assert recorded_output({"settings": {"data": {}}}) == "logits"  # a site built before the setting existed
    with pytest.raises(ValueError, match="'softmax', not one of logits, probabilities"):
        recorded_output({"settings": {"model": {"output": "softmax"}}})
    site = published[0]
    assert read_published(site).score == LOGIT_WORDS
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    manifest["settings"]["model"]["output"] = "probabilities"
    write_manifest(manifest, site / "manifest.json")
    assert read_published(site).score == PROBABILITIES
    del manifest["settings"]["model"]
    write_manifest(manifest, site / "manifest.json")
    assert read_published(site).score == LOGIT_WORDS
    manifest["settings"]["model"] = {"output": 3}
    write_manifest(manifest, site / "manifest.json")
    with pytest.raises(PublishedError, match="settings.model.output is 3"):
        read_published(site)


@pytest.mark.slow
def test_a_probabilities_build_says_log_probability_on_every_generated_page_and_in_the_manifest(project):
    """The quick build's CNN behind a softmax, declared "probabilities": no generated page calls its
    maps' score a logit (the trust page names the CNN's layer "logits", which is a name), the colour
    scales publish log-probability units, and the model card describes the loaded model's layers."""
    import keras

    cnn = keras.saving.load_model(project / "site" / "data" / "model.keras", compile=False)
    inputs = keras.Input((28, 28, 1))
    keras.Model(inputs, keras.layers.Softmax()(cnn(inputs))).save(project / "prob.keras")
    from tests.helpers.project import run_build

    result = run_build(project, "--quick", "--model", "prob.keras", "--model-output", "probabilities")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    docs = project / "site_src"
    generated = ["index.md", "misclassified.md", "explorer.md", "methods/baselines.md",
                 "methods/how-this-report-was-made.md", *(f"classes/class-{k}.md" for k in range(10))]
    for page in generated:
        text = (docs / page).read_text(encoding="utf-8")
        assert "logit" not in text.lower(), page
        assert "log-probability" in text, page
    trust = (docs / "trust.md").read_text(encoding="utf-8")
    assert "logit" not in trust.replace("cnn/logits", "").replace("from the logits down", "")
    manifest = json.loads((project / "site" / "manifest.json").read_text())
    assert {scale["unit"] for scale in manifest["colour_scales"].values()} == {
        "log-probability units", "log-probability per unit of intensity"}
    home = (docs / "index.md").read_text(encoding="utf-8")
    assert ("| Architecture | gradient&#95;gallery&#95;cnn&#91;Conv2D&#40;32, 3×3, relu&#41; → MaxPooling2D&#40;2&#41; → "
            "Conv2D&#40;64, 3×3, relu&#41; → MaxPooling2D&#40;2&#41; → Flatten → Dropout&#40;0.5&#41; → "
            "Dense&#40;10&#41;&#93; → Softmax; 34,826 parameters |") in home
