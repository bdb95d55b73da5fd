"""Loaded models (review cases 66–82, defects 2, 3 and 11): archives that are not archives, models
safe mode refuses, models that output probabilities, nested models, NaN models.

Each case builds its small Keras model here. The fast tests check the pieces against closed forms
(log-softmax of known logits, the gradient of log p of a linear model, initializers re-drawn with
known seeds); the slow ones run the command line on a copy of the quick build's project, the
review's recipes with the CNN that build trained and cached.
"""

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from tests.helpers.project import run_build  # noqa: E402
from generator import attributions as attr  # noqa: E402
from generator.plumbing.input_scale import UNIT  # noqa: E402
from generator.stages.data import Dataset, to_model_input  # noqa: E402
from generator.stages.input_check import check_input_scale  # noqa: E402
from generator.stages.model import ModelError, build_cnn, evaluate, load_user_model  # noqa: E402
from generator.stages.model_output import ModelOutputError, output_verdict  # noqa: E402
from generator.stages.randomisation import layer_seed, randomised_copy, weighted_layers  # noqa: E402
from tests.helpers.project import tree_digest  # noqa: E402

K = 10


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def one_line_error(result) -> str:
    """The build's error line; asserts exit 1 and a single line on stderr after TensorFlow's chatter."""
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("gradient-gallery: error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    return errors[0]


def images(count: int = 60, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(count, 28, 28), dtype=np.uint8)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    """Random images and labels: enough for the input check and the evaluation to run on."""
    labels = np.random.default_rng(1).integers(0, K, size=60)
    return Dataset(images(), labels, images(seed=2), labels, "random", "0" * 64)


def linear_logits(seed: int = 0) -> tuple[object, np.ndarray, np.ndarray]:
    """A Sequential Flatten → Dense(10) with known weights: logits z = flat(x) · W + b."""
    rng = np.random.default_rng(seed)
    kernel = rng.normal(scale=0.05, size=(784, K)).astype(np.float32)
    bias = rng.normal(scale=0.5, size=K).astype(np.float32)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(K, name="scores")])
    model.layers[-1].set_weights([kernel, bias])
    return model, kernel, bias


def softmax_then_reshape(logits_model) -> object:
    """The review's recipe: probabilities from a nested model, the softmax not the last layer."""
    inputs = keras.Input((28, 28, 1))
    return keras.Model(inputs, keras.layers.Reshape((K,))(keras.layers.Softmax()(logits_model(inputs))))


def activation_then_reshape() -> object:
    inputs = keras.Input((28, 28, 1))
    scores = keras.layers.Dense(K)(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, keras.layers.Reshape((K,))(keras.layers.Activation("softmax")(scores)))


def final_sigmoid() -> object:
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(K, activation="sigmoid")])


# Cases 66 and 67: a text or empty file named .keras.

@pytest.mark.parametrize(("content", "size"), [(b"hello, not a model\n", "19 bytes"), (b"", "0 bytes")])
def test_cases_66_67_a_file_that_is_not_a_zip_is_named_as_such(tmp_path, content, size):
    path = tmp_path / "model.keras"
    path.write_bytes(content)
    with pytest.raises(ModelError) as stop:
        load_user_model(path)
    message = str(stop.value)
    assert f": not a Keras archive (not a zip file, {size})" in message and "File not found" not in message
    assert "\n" not in message


def test_a_zip_archive_cut_short_is_named_damaged(tmp_path):
    whole = saved_dense(tmp_path / "whole.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(whole[:1000])
    with pytest.raises(ModelError) as stop:
        load_user_model(tmp_path / "cut.keras")
    assert "a damaged zip archive (no directory at its end: cut short?, 1,000 bytes)" in str(stop.value)


# Cases 73–78: models Keras' safe mode refuses. The reason is in the last "Exception encountered:"
# part of Keras' message; the first line is generic.

def saved_dense(path: Path) -> Path:
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(K)]).save(path)
    return path


def with_config(source: Path, target: Path, change) -> Path:
    """``source`` with its config.json changed by ``change`` (a function of the parsed config)."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    change(config)
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def activation_gadget(value: dict):
    def change(config: dict) -> None:
        config["config"]["layers"][-1]["config"]["activation"] = value
    return change


def double(x):
    return x * 2


def lambda_model(path: Path, tmp_path: Path) -> Path:
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(double), keras.layers.Flatten(),
                      keras.layers.Dense(K)]).save(path)
    return path


def os_system(path: Path, tmp_path: Path) -> Path:
    command = {"module": "os", "class_name": "system", "registered_name": "system",
               "config": {"command": f"touch {tmp_path / 'ran'}"}}
    return with_config(saved_dense(tmp_path / "base.keras"), path, activation_gadget(command))


def function_gadget(module: str, name: str):
    def make(path: Path, tmp_path: Path) -> Path:
        function = {"module": module, "class_name": "function", "config": name, "registered_name": "function"}
        return with_config(saved_dense(tmp_path / "base.keras"), path, activation_gadget(function))
    return make


def outside_vocabulary(path: Path, tmp_path: Path) -> Path:
    inputs = keras.Input((1,), dtype="string")
    keras.Model(inputs, keras.layers.StringLookup(vocabulary=["a", "b"])(inputs)).save(tmp_path / "lookup.keras")

    def change(config: dict) -> None:
        config["config"]["layers"][1]["config"]["vocabulary"] = "/etc/hostname"
    return with_config(tmp_path / "lookup.keras", path, change)


@pytest.mark.parametrize(("make", "reason"), [
    (lambda_model, "Could not locate function 'double'"),                       # case 74
    (os_system, "Could not locate class 'system'"),                               # case 75
    (function_gadget("keras.utils", "get_file"), "`keras.utils.get_file` because it is not a modeling function"),  # 76
    (function_gadget("builtins", "exec"), "Could not locate function 'exec'"),    # case 77
    (outside_vocabulary, "a vocabulary file outside of the model archive"),       # case 78
], ids=["lambda", "os_system", "get_file", "builtins_exec", "outside_vocabulary"])
def test_cases_74_to_78_a_refusal_by_safe_mode_names_its_reason(tmp_path, make, reason):
    path = make(tmp_path / "refused.keras", tmp_path)
    with pytest.raises(ModelError) as stop:
        load_user_model(path)
    message = str(stop.value)
    assert "Keras safe mode refused it: " in message and reason in message, message
    assert "never loads code" in message and "without Lambda layers or custom code" in message
    assert "could not be deserialized properly" not in message and "\n" not in message
    assert not (tmp_path / "ran").exists()  # nothing from the file ran


def test_case_73_a_python_lambda_is_refused_without_advice_to_turn_safe_mode_off(tmp_path):
    path = tmp_path / "lambda_bytecode.keras"
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Flatten(),
                      keras.layers.Dense(K)]).save(path)
    with pytest.raises(ModelError) as stop:
        load_user_model(path)
    message = str(stop.value)
    assert "safe mode refused it: Requested the deserialization of a `Lambda` layer" in message
    assert "safe_mode=False" not in message and "\n" not in message


# Defect 3: outputs that are probabilities, or not finite, are found on the input check's images.

@pytest.mark.parametrize(("outputs", "output", "expected"), [
    (np.exp(log_softmax([[2.0, 1.0, -3.0], [0.0, 0.0, 0.0]])), "logits", "outputs probabilities"),
    (1 / (1 + np.exp(-np.array([[2.0, 1.0, -3.0], [0.5, 4.0, 1.0]]))), "logits", "all lie in [0, 1]"),
    (np.array([[2.0, 1.0, -3.0], [0.5, 4.0, 1.0]]), "logits", None),
    (np.array([[0.2, 0.3, 0.5], [np.nan, 0.5, 0.5]]), "logits", "non-finite values (NaN or infinity) for 1 of"),
    (np.array([[0.2, 0.3, 0.5], [np.inf, 0.5, 0.5]]), "probabilities", "non-finite values"),
    (np.exp(log_softmax([[2.0, 1.0, -3.0], [0.0, 0.0, 0.0]])), "probabilities", None),
    (np.array([[2.0, 1.0, -3.0], [0.5, 4.0, 1.0]]), "probabilities", "negative values (down to -3)"),
    (np.array([[0.9, 0.8, 0.1], [0.5, 0.2, 0.3]]), "probabilities", "sum to 1 … 1.8, not 1"),
])
def test_defect_3_outputs_are_checked_against_the_setting(outputs, output, expected):
    verdict = output_verdict(outputs, output)
    if expected is None:
        assert verdict is None
    else:
        assert expected in verdict and "\n" not in verdict


@pytest.mark.parametrize("make", [lambda: softmax_then_reshape(build_cnn()), activation_then_reshape],
                         ids=["nested_cnn_softmax_reshape", "activation_softmax_reshape"])
def test_defect_3_probability_outputs_stop_the_input_check_with_both_fixes(dataset, make):
    keras.utils.set_random_seed(0)
    lines = []
    with pytest.raises(ModelOutputError) as stop:  # whatever allow_low_accuracy says
        check_input_scale(make(), dataset, UNIT, True, lines.append)
    message = str(stop.value)
    assert message.startswith("the model outputs probabilities") and "\n" not in message
    assert "outputs the scores before its softmax" in message
    assert 'model.output = "probabilities" (or --model-output probabilities)' in message
    # The same model, declared as one of probabilities, passes the check (it is near chance, untrained).
    check_input_scale(make(), dataset, UNIT, True, lines.append, output="probabilities")


def test_defect_3_a_final_sigmoid_stops_the_input_check(dataset):
    with pytest.raises(ModelOutputError) as stop:
        check_input_scale(final_sigmoid(), dataset, UNIT, True, [].append)
    assert "all lie in [0, 1]" in str(stop.value) and "before its sigmoid" in str(stop.value)
    with pytest.raises(ModelOutputError) as stop:
        check_input_scale(final_sigmoid(), dataset, UNIT, True, [].append, output="probabilities")
    assert "not 1 (±0.001)" in str(stop.value)


def test_defect_3_logits_declared_as_probabilities_are_refused(dataset):
    model, _, _ = linear_logits()
    with pytest.raises(ModelOutputError) as stop:
        check_input_scale(model, dataset, UNIT, True, [].append, output="probabilities")
    assert str(stop.value).startswith('model.output is "probabilities", but the model outputs negative values')


def test_a_final_softmax_layer_of_a_nested_model_is_still_removed(dataset):
    """keras.Sequential([cnn, Softmax()]): the softmax is the last layer, so the logits are under it."""
    model, kernel, bias = linear_logits()
    wrapped = keras.Sequential([model, keras.layers.Softmax()])
    x = to_model_input(dataset.x_test[:5])
    np.testing.assert_allclose(attr.scoring_model(wrapped)(x), x.reshape(5, -1) @ kernel + bias, rtol=1e-5, atol=1e-5)
    check_input_scale(wrapped, dataset, UNIT, True, [].append)  # logits: no stop


def nan_model() -> object:
    model, kernel, bias = linear_logits()
    kernel[:5] = np.nan
    model.layers[-1].set_weights([kernel, bias])
    return model


def test_non_finite_outputs_stop_the_input_check_and_the_evaluation(dataset):
    with pytest.raises(ModelOutputError) as stop:
        check_input_scale(nan_model(), dataset, UNIT, True, [].append)
    assert str(stop.value).startswith("the model outputs non-finite values (NaN or infinity) for 60 of the first 60")
    with pytest.raises(ModelOutputError, match="a report of NaN scores is never published"):
        evaluate(nan_model(), dataset)


# Defect 3, the fix: with model.output = "probabilities" every score is log p_t.

@pytest.mark.parametrize("head", ["softmax_then_reshape", "final_softmax_layer"])
def test_log_probability_scores_and_gradients_are_the_closed_form(dataset, head):
    model, kernel, bias = linear_logits()
    probabilities = (softmax_then_reshape(model) if head == "softmax_then_reshape"
                     else keras.Sequential([model, keras.layers.Softmax()]))
    x = to_model_input(dataset.x_test[:6])
    targets = np.arange(6) % K
    grads, scores = attr.GradientFunction(probabilities, output="probabilities")(x, targets)
    z = x.reshape(6, -1).astype(np.float64) @ kernel + bias
    log_p = log_softmax(z)
    np.testing.assert_allclose(scores, log_p[np.arange(6), targets], rtol=1e-5, atol=1e-5)
    # ∂ log p_t / ∂x = W_t − Σ_k p_k W_k for z = W x + b.
    expected = kernel[:, targets].T - np.exp(log_p) @ kernel.T
    np.testing.assert_allclose(grads.reshape(6, -1), expected, rtol=1e-4, atol=1e-6)


def test_a_probability_that_underflows_scores_finite(dataset):
    model, kernel, bias = linear_logits()
    model.layers[-1].set_weights([kernel * 0, np.array([200.0] + [0.0] * (K - 1), dtype=np.float32)])
    scores = attr.scoring_model(softmax_then_reshape(model), "probabilities")(to_model_input(dataset.x_test[:2]))
    np.testing.assert_allclose(scores[:, 1:], np.log(np.finfo(np.float32).tiny), rtol=1e-6)  # p = 0 in float32
    np.testing.assert_allclose(scores[:, 0], 0.0, atol=1e-6)


def test_integrated_gradients_add_up_to_the_change_of_log_p(dataset):
    model, kernel, bias = linear_logits()
    x = to_model_input(dataset.x_test[:4])
    targets = np.array([3, 1, 4, 1])
    maps = attr.integrated_gradients(attr.GradientFunction(softmax_then_reshape(model), output="probabilities"),
                                     x, targets, steps=64, baseline=0.0)
    change = (log_softmax(x.reshape(4, -1) @ kernel + bias)[np.arange(4), targets]
              - log_softmax(bias[None].repeat(4, 0))[np.arange(4), targets])
    np.testing.assert_allclose(maps.sum(axis=(1, 2, 3)), change, rtol=2e-3, atol=1e-4)


def test_the_evaluation_reports_the_models_own_probabilities_and_log_probability_margins(dataset):
    model, kernel, bias = linear_logits()
    result = evaluate(softmax_then_reshape(model), dataset, output="probabilities")
    z = to_model_input(dataset.x_test).reshape(len(dataset.x_test), -1).astype(np.float64) @ kernel + bias
    p = np.exp(log_softmax(z))
    top_two = np.sort(z, axis=1)[:, -2:]
    np.testing.assert_allclose(result.confidences, p.max(axis=1), rtol=1e-5)
    np.testing.assert_allclose(result.margins, top_two[:, 1] - top_two[:, 0], rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(result.predictions, z.argmax(axis=1))


# Defect 2: layers inside sub-models are randomised, named by their path.

def transfer_wrapper(cnn) -> object:
    """A functional model calling a trained network, as transfer learning does."""
    inputs = keras.Input((28, 28, 1))
    return keras.Model(inputs, keras.layers.Dense(K, name="new_head")(cnn(inputs)))


def fingerprint(model) -> list[np.ndarray]:
    return [np.array(w) for w in model.get_weights()]


@pytest.mark.parametrize("wrap", ["sequential_softmax", "softmax_then_reshape", "transfer_wrapper"])
def test_defect_2_nested_layers_are_randomisable_from_the_output_down(wrap):
    cnn = build_cnn()
    model = {"sequential_softmax": lambda: keras.Sequential([cnn, keras.layers.Softmax()]),
             "softmax_then_reshape": lambda: softmax_then_reshape(cnn),
             "transfer_wrapper": lambda: transfer_wrapper(cnn)}[wrap]()
    randomisable, skipped = weighted_layers(model)
    inner = [f"{cnn.name}/{layer.name}" for layer in reversed(cnn.layers) if layer.weights]
    assert randomisable == (["new_head"] if wrap == "transfer_wrapper" else []) + inner
    assert inner[0] == "gradient_gallery_cnn/logits"
    assert f"{cnn.name}/flatten" in " ".join(skipped) and cnn.name not in skipped


def test_defect_2_a_randomised_copy_redraws_the_nested_layer_and_nothing_else():
    keras.utils.set_random_seed(4)
    cnn = build_cnn()
    rng = np.random.default_rng(4)  # non-zero biases, standing in for a trained network
    cnn.set_weights([w + rng.normal(scale=0.1, size=w.shape).astype(w.dtype) for w in cnn.get_weights()])
    model = softmax_then_reshape(cnn)
    before = fingerprint(model)
    path = f"{cnn.name}/logits"
    copy = randomised_copy(model, [path], seed=7)
    inner = copy.get_layer(cnn.name).get_layer("logits")
    initializer = keras.initializers.GlorotUniform(seed=layer_seed(7, path, "kernel"))
    np.testing.assert_array_equal(inner.kernel.numpy(), keras.ops.convert_to_numpy(initializer(inner.kernel.shape)))
    np.testing.assert_array_equal(inner.bias.numpy(), 0.0)  # bias_initializer "zeros"
    trained_logits = cnn.get_layer("logits")
    for layer in cnn.layers:  # every other layer keeps the trained weights
        if layer is not trained_logits:
            for a, b in zip(layer.get_weights(), copy.get_layer(cnn.name).get_layer(layer.name).get_weights()):
                np.testing.assert_array_equal(a, b)
    assert all(np.array_equal(a, b) for a, b in zip(before, fingerprint(model)))  # the model is untouched


def normalization_only() -> object:
    """Ten pixels standardised by an adapted Normalization: weights (mean, variance) without an
    initializer, so nothing a model randomisation could re-draw."""
    norm = keras.layers.Normalization(axis=-1, name="normalization")
    norm.adapt(np.random.default_rng(0).normal(size=(50, K)).astype(np.float32))
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Cropping2D(((10, 16), (10, 13))),
                             keras.layers.Flatten(), norm])


def test_without_a_randomisable_layer_the_model_randomisation_is_skipped_with_its_reason(dataset):
    from generator.attributions import GradientFunction
    from generator.plumbing.settings import Settings
    from generator.stages.trust import sanity_evidence

    lines = []
    x = to_model_input(dataset.x_test[:2])
    out = sanity_evidence(normalization_only(), x, np.array([0, 1]), GradientFunction(build_cnn()), Settings(), x,
                          lines.append)
    reason = ("no layer's weights can be re-drawn: normalization holds weights without an initializer to draw "
              "them from")
    assert f"trust: model randomisation skipped: {reason}" in lines and out.randomisation_skipped == reason
    gradient = out.methods["gradient"]
    assert gradient.cascade.ssim.shape == gradient.independent.ssim.shape == (0, 2)
    assert np.isnan(gradient.image_only_randomised.ssim).all() and np.isnan(gradient.smooth_mprt).all()
    assert out.grid.shape == (1, 6, 2, 28, 28) and np.isnan(out.unreachable_share)
    assert np.isfinite(gradient.data.ssim).all() and np.isfinite(gradient.target.ssim).all()  # the other checks ran


def test_a_skipped_model_randomisation_is_said_on_the_page_and_in_the_manifest(tmp_path):
    import dataclasses

    from tests.helpers.pages import TEMPLATES
    from tests.helpers.trust import synthetic_evidence

    from generator.evidence import Evidence, evidence_jobs
    from generator.figures.trust import CURVES_FIGURE
    from generator.pages.render import render_all
    from generator.pages.trust import PAGE, TEMPLATE, summary_line, trust_context
    from generator.plumbing.records import from_arrays, to_arrays
    from generator.stages.evidence_records import trust_record
    from generator.stages.similarity import Comparison
    from generator.stages.trust import TrustEvidence, summarise

    evidence = synthetic_evidence()
    n = len(evidence.sample)
    none, nan = Comparison(*(np.zeros((0, n)),) * 4), np.full(n, np.nan)
    evidence = dataclasses.replace(
        evidence, layers=(), grid=evidence.grid[:1], unreachable_share=float("nan"),
        randomisation_skipped="no layer's weights can be re-drawn: <b>norm</b> holds weights",
        methods={key: dataclasses.replace(m, cascade=none, independent=none, both_zero=nan,
                                          image_only_randomised=Comparison(nan, nan, nan, nan),
                                          entropy_randomised=nan, efficient_mprt=nan, smooth_mprt=np.full(8, np.nan))
                 for key, m in evidence.methods.items()})
    trust = summarise(from_arrays(TrustEvidence, to_arrays(evidence)), seed=0)  # as read back from the cache
    assert trust.randomisation_skipped.startswith("no layer's weights")
    assert ("model randomisation, not run (the network's weights could not be randomised for this model); data "
            "randomisation, pass for all 6;" in summary_line(trust))
    assert trust_record(trust)["randomisation_skipped"] == trust.randomisation_skipped
    jobs = evidence_jobs(Evidence(None, trust, None), None)
    assert [job.path for job in jobs] == [CURVES_FIGURE]
    render_all({PAGE: (TEMPLATE, trust_context(trust))}, TEMPLATES, tmp_path)
    page = (tmp_path / PAGE).read_text()
    assert "Not run for this model: no layer's weights can be re-drawn: &#60;b&#62;norm&#60;/b&#62; holds" in page
    assert "cascade-1.svg" not in page and "randomisation.svg" not in page and "faithfulness.svg" in page
    assert "| Gradient | not run | **pass**<br>" in page  # the method card: no verdict for a check that did not run
    assert trust_record(trust)["methods"]["gradient"]["verdicts"]["model_randomisation"] is None


# End to end, on a copy of the quick build's project: the review's recipes with its cached CNN.

def cached_cnn(project: Path) -> object:
    """The CNN the quick build trained (the cache also holds the decoy check's), as published."""
    return keras.saving.load_model(project / "site" / "data" / "model.keras", compile=False)


def manifest(project: Path) -> dict:
    return json.loads((project / "site" / "manifest.json").read_text())


@pytest.mark.slow
def test_cases_81_82_a_probability_model_stops_with_one_line_and_the_site_untouched(project):
    softmax_then_reshape(cached_cnn(project)).save(project / "prob.keras")
    before = tree_digest(project / "site")
    line = one_line_error(run_build(project, "--quick", "--model", "prob.keras"))
    assert line.startswith("gradient-gallery: error: the model outputs probabilities (every row non-negative and "
                           "summing to 1 on the first 1,000 test images)")
    assert tree_digest(project / "site") == before


@pytest.mark.slow
def test_non_finite_outputs_stop_the_build_with_one_line_and_the_site_untouched(project, tmp_path):
    """Moved from test_hardening, where a NaN model used to publish a report of NaN maps (exit 0)."""
    nan_model().save(tmp_path / "nan.keras")
    before = tree_digest(project / "site")
    # NaN logits are at chance: without the flag the accuracy check could stop first, and must not need to.
    line = one_line_error(run_build(project, "--quick", "--model", str(tmp_path / "nan.keras"),
                                    "--allow-low-accuracy"))
    assert "the model outputs non-finite values (NaN or infinity) for 1,000 of the first 1,000 test images" in line
    assert tree_digest(project / "site") == before


@pytest.mark.slow
def test_defect_3_a_probability_model_read_as_probabilities_gives_the_cnns_report_in_log_p(project):
    """The review's prob.keras (a nested CNN, then Softmax, then Reshape) with --model-output
    probabilities, trust on: the CNN's own confidences, IG adding up to log p_t(x) − log p_t(black),
    the pages naming log p_t, and the trust checks randomising the CNN's layers inside."""
    cnn = cached_cnn(project)
    plain = {e["test_index"]: e["confidence"] for e in manifest(project)["examples"]}
    softmax_then_reshape(cnn).save(project / "prob.keras")
    result = run_build(project, "--quick", "--model", "prob.keras", "--model-output", "probabilities")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    record = manifest(project)
    confidences = {e["test_index"]: e["confidence"] for e in record["examples"]}
    assert max(confidences.values()) == pytest.approx(max(plain.values()), abs=1e-4) and max(plain.values()) > 0.99
    shared = sorted(set(plain) & set(confidences))
    assert shared and all(abs(plain[i] - confidences[i]) < 1e-4 for i in shared)
    assert record["attribution"]["target"].startswith("class log-probability log p_t")
    arrays = np.load(project / "site" / "data" / "attributions.npz")
    rows = np.arange(len(arrays["target"]))
    at_image = log_softmax(cnn(arrays["image"], training=False))[rows, arrays["target"]]
    at_black = log_softmax(cnn(np.zeros_like(arrays["image"]), training=False))[rows, arrays["target"]]
    sums = arrays["integrated_gradients"].sum(axis=(1, 2, 3), dtype=np.float64)
    np.testing.assert_allclose(sums, at_image - at_black, rtol=0.01, atol=1e-3)
    home = (project / "site_src" / "index.md").read_text()
    assert "computed on the class log-probability log p&#95;t" in home and "class logit" not in home
    layers = record["trust"]["methods"]["gradient"]["randomisation"]["layers"]
    assert layers[0] == "gradient_gallery_cnn/logits" and len(layers) == 3


@pytest.mark.slow
def test_defect_2_a_cnn_wrapped_with_a_softmax_builds_every_stage(project):
    """keras.Sequential([cnn, Softmax()]) with trust, the decoy check and the whole test set: every
    stage runs on the nested model, the trust page lists its layers by path, and the numbers are the
    CNN's (logits: the final softmax is removed)."""
    plain = {e["test_index"]: e["confidence"] for e in manifest(project)["examples"]}
    keras.Sequential([cached_cnn(project), keras.layers.Softmax()]).save(project / "wrapped.keras")
    result = run_build(project, "--quick", "--model", "wrapped.keras", "--config", "decoy.toml", "--whole-test-set")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    record = manifest(project)
    assert record["decoy"] is not None and record["whole_test_set"] is not None
    shared = [e for e in record["examples"] if e["test_index"] in plain]
    assert shared and all(abs(plain[e["test_index"]] - e["confidence"]) < 1e-4 for e in shared)
    page = (project / "site_src" / "trust.md").read_text()
    assert "The weighted layers (gradient&#95;gallery&#95;cnn/logits, gradient&#95;gallery&#95;cnn/conv2d&#95;1" in page
    assert "figures/trust/randomisation.svg" in page


@pytest.mark.slow
def test_a_model_with_nothing_to_randomise_builds_with_the_check_skipped(project):
    normalization_only().save(project / "norm.keras")
    result = run_build(project, "--quick", "--model", "norm.keras", "--allow-low-accuracy")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "trust: model randomisation skipped: no layer's weights can be re-drawn" in result.stdout
    assert manifest(project)["trust"]["randomisation_skipped"].startswith("no layer's weights can be re-drawn")
    assert "Not run for this model" in (project / "site_src" / "trust.md").read_text()


def test_maps_with_nan_values_from_finite_scores_are_never_published():
    """Finite scores can still give non-finite gradients: the gate that no setting switches off
    counts every row with a NaN or infinite value in any method's map and stops the build."""
    import dataclasses

    from generator.plumbing.settings import Settings
    from generator.stages.attribute import non_finite_rows
    from generator.stages.gates import GateError, check_gates
    from generator.stages.manifest import completeness_summary
    from tests.helpers.baselines import published

    arrays = published()
    assert non_finite_rows(arrays) == 0
    smoothgrad = arrays.smoothgrad.copy()
    smoothgrad[1, 3, 4, 0] = np.nan
    contrast = dataclasses.replace(arrays.contrast_eg, maps=np.full_like(arrays.contrast_eg.maps, np.inf))
    broken = dataclasses.replace(arrays, maps={**arrays.maps, "smoothgrad": smoothgrad}, contrast_eg=contrast)
    rows = len(arrays.index) + len(arrays.contrast_index)
    assert non_finite_rows(broken) == 1 + len(arrays.contrast_index)
    check_gates(Settings(), 1.0, completeness_summary(arrays, 0.01), non_finite_rows(arrays), rows)
    with pytest.raises(GateError, match=f"{1 + len(arrays.contrast_index)} of {rows} attributed rows have maps "
                                        "with NaN or infinite values"):
        check_gates(Settings(), 1.0, completeness_summary(broken, 0.01), non_finite_rows(broken), rows)


# The model card's "Architecture" row: a loaded model is described by its own layers.

def test_describe_model_gives_the_layers_of_a_small_sequential_model_and_its_parameters():
    from generator.stages.architecture import describe_model

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                              keras.layers.MaxPooling2D(2), keras.layers.Flatten(), keras.layers.Dropout(0.25),
                              keras.layers.Dense(K)])
    # Conv2D: 8 × (3·3·1) + 8 = 80; Dense: 13·13·8 × 10 + 10 = 13,530
    assert describe_model(model) == ("Conv2D(8, 3×3, relu) → MaxPooling2D(2) → Flatten → Dropout(0.25) → Dense(10); "
                                     "13,610 parameters")


def test_describe_model_shows_a_nested_model_by_name_with_its_layers():
    from generator.stages.architecture import describe_model

    inputs = keras.Input((28, 28, 1))
    head = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(16, activation="relu")], name="head")
    scores = keras.layers.Dense(K, activation="softmax")(head(keras.layers.Conv2D(4, 3, strides=2)(inputs)))
    # Conv2D: 4 × 9 + 4 = 40; 13·13·4 = 676 → Dense(16): 676 × 16 + 16 = 10,832; Dense(10): 170
    assert describe_model(keras.Model(inputs, scores)) == (
        "Conv2D(4, 3×3, stride 2) → head[Flatten → Dense(16, relu)] → Dense(10, softmax); 11,042 parameters")


def test_describe_model_leaves_out_the_middle_of_a_long_model_and_says_how_many_layers():
    from generator.stages.architecture import HEAD, MAX_SHOWN, TAIL, describe_model

    layers = [keras.layers.Dense(8 + k, activation="relu") for k in range(30)]
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), *layers, keras.layers.Dense(K)])
    text = describe_model(model)
    shown = text.split("; ")[0].split(" → ")
    assert len(shown) == HEAD + 1 + TAIL < MAX_SHOWN
    assert shown[:3] == ["Flatten", "Dense(8, relu)", "Dense(9, relu)"] and shown[-1] == "Dense(10)"
    assert shown[HEAD] == f"… {32 - HEAD - TAIL} layers left out …" and shown[-2] == "Dense(37, relu)"
    assert text.endswith(f"; {model.count_params():,} parameters") and "\n" not in text


def test_a_loaded_model_is_described_by_its_layers_and_the_cnn_trained_here_by_its_own_line(tmp_path):
    from generator.stages.architecture import describe_model
    from generator.stages.model import ARCHITECTURE, TrainedModel

    keras.Sequential([build_cnn(), keras.layers.Softmax()]).save(tmp_path / "wrapped.keras")
    loaded = load_user_model(tmp_path / "wrapped.keras")
    assert loaded.architecture == describe_model(loaded.model)
    assert loaded.architecture == (
        "gradient_gallery_cnn[Conv2D(32, 3×3, relu) → MaxPooling2D(2) → Conv2D(64, 3×3, relu) → MaxPooling2D(2) → "
        "Flatten → Dropout(0.5) → Dense(10)] → Softmax; 34,826 parameters")
    assert TrainedModel(None, tmp_path, "", None, "trained here", reused=False).architecture == ARCHITECTURE


def test_the_finite_maps_gate_counts_nothing_when_there_is_no_mistake():
    """A build without a misclassified image has no contrast rows: zero rows, zero broken."""
    import dataclasses

    from generator.stages.attribute import non_finite_rows
    from tests.helpers.baselines import published

    arrays = published()
    none = np.zeros(0, dtype=np.int64)
    empty = {field: dataclasses.replace(getattr(arrays, field), **{
        f.name: getattr(arrays, field).__getattribute__(f.name)[:0] for f in dataclasses.fields(getattr(arrays, field))})
        for field in ("contrast", "contrast_eg")}
    assert non_finite_rows(dataclasses.replace(arrays, contrast_index=none, **empty)) == 0
