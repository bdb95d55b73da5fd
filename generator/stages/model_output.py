"""What a model's outputs are, and what score its maps are of.

A loaded model is attributed on logits (``model.output = "logits"``, the default; a final softmax
layer is removed, see :func:`generator.attributions.logits_model`) or on log-probabilities
(``model.output = "probabilities"``: rows that already sum to 1, from a softmax the tool cannot
remove; the score is then log p_t, see :func:`generator.attributions.scoring_model`). The two
must not be mixed up: a softmax of probabilities squeezes every confidence below e/(e + K − 1)
(23% for 10 classes) and its maps are maps of saturated probabilities, a report wrong in every
number without any error. So the scores the input check already computed on the first test
images (:mod:`generator.stages.input_check`) are checked against what the settings say
(:func:`output_verdict`), and the build stops with one line when they disagree, or when they
are not finite: a report of NaN scores is never published.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.stages.model_error import ModelError

PER_INTENSITY = "per unit of intensity"
"""The unit of a gradient-like map after its score's name ("logit per unit of intensity"): maps are
taken with respect to the intensity pixel/255, 0 black to 1 white, whatever scale the model reads.
The one wording of the colour bars, figures and Methods pages."""
SUM_TOLERANCE = 1e-3
"""How far from 1 a row of probabilities may sum (float32 softmax rows sum to 1 within ~1e-6)."""
PROBABILITIES_FIX = ('save the model so that it outputs the scores before its softmax, or set '
                     'model.output = "probabilities" (or --model-output probabilities) to attribute the '
                     'log-probability log p_t')
SIGMOID_FIX = ('save the model so that it outputs the scores before its sigmoid (model.output = '
               '"probabilities" needs rows that sum to 1)')


class ModelOutputError(ModelError):
    """A model whose outputs are not what ``model.output`` says, or not finite."""


def attributed_score(output: str) -> str:
    """The score every map is of, in words, for ``model.output`` = ``output``: what the pages and
    the manifest name it."""
    if output == "probabilities":
        return "class log-probability log p_t (the model outputs probabilities)"
    return "class logit (pre-softmax)"


@dataclass(frozen=True)
class ScoreWords:
    """What every page and figure calls the score the maps are of, decided by ``model.output``
    alone (:func:`score_words`); pages and figures only place these words.

    Attributes:
        described: the score in a phrase (:func:`attributed_score`).
        noun: the short noun, "logit" or "log-probability": "the class 3 logit".
        symbol: the score in a formula, "logit" or "log p": "∂logit/∂x", "Δlogit".
        of_class: one class's score in a formula, ``{}`` standing for the class name:
            "logit {}" or "log p_{}" ("logit 4 − logit 6").
    """

    described: str
    noun: str
    symbol: str
    of_class: str

    def of(self, name: str) -> str:
        """The score of class ``name`` in a formula, e.g. "logit 4" or "log p_4"."""
        return self.of_class.format(name)

    @property
    def units(self) -> str:
        """The unit of the maps that share the score out: "logit units"."""
        return f"{self.noun} units"

    @property
    def per_intensity(self) -> str:
        """The unit of the gradient-like maps: "logit per unit of intensity" (:data:`PER_INTENSITY`;
        every map is taken with respect to the intensity pixel/255, whatever scale the model reads)."""
        return f"{self.noun} {PER_INTENSITY}"


def score_words(output: str) -> ScoreWords:
    """The :class:`ScoreWords` of ``model.output`` = ``output``: the class logit, or for
    "probabilities" the log-probability log p_t."""
    if output == "probabilities":
        return ScoreWords(attributed_score(output), "log-probability", "log p", "log p_{}")
    return ScoreWords(attributed_score(output), "logit", "logit", "logit {}")


LOGIT_WORDS = score_words("logits")
"""The words of the default, ``model.output = "logits"``."""


def row_sums_are_one(outputs: np.ndarray) -> bool:
    """Whether every row of (n, K) ``outputs`` sums to 1 within :data:`SUM_TOLERANCE`."""
    return bool(np.all(np.abs(outputs.sum(axis=1, dtype=np.float64) - 1.0) <= SUM_TOLERANCE))


def are_probabilities(outputs: np.ndarray) -> bool:
    """Whether every row of (n, K) ``outputs`` is a probability distribution: non-negative, sum 1."""
    return bool(np.all(outputs >= 0)) and row_sums_are_one(outputs)


def in_unit_interval(outputs: np.ndarray) -> bool:
    """Whether every value of ``outputs`` lies in [0, 1], as a final sigmoid's do."""
    return bool(np.all((outputs >= 0) & (outputs <= 1)))


def non_finite_text(outputs: np.ndarray, images: str) -> str | None:
    """None when every value of (n, K) ``outputs`` is finite, else how many rows are not, in words;
    ``images`` names the n images, e.g. "the first 1,000 test images"."""
    bad_rows = int(np.sum(~np.all(np.isfinite(outputs), axis=1)))
    if not bad_rows:
        return None
    return (f"the model outputs non-finite values (NaN or infinity) for {bad_rows:,} of {images}; a report "
            "of NaN scores is never published: check the model's weights (or, for a model trained here, "
            "train.learning_rate)")


def output_verdict(outputs: np.ndarray, output: str) -> str | None:
    """None when (n, K) ``outputs`` are what ``output`` says, else the one-line reason to stop.

    Args:
        outputs: the scores of the first test images: the logits model's (``output`` "logits") or
            the model's own outputs (``output`` "probabilities").
        output: ``model.output``, "logits" or "probabilities".
    """
    outputs = np.asarray(outputs, dtype=np.float64)
    said = f"on the first {len(outputs):,} test images"
    bad = non_finite_text(outputs, f"the first {len(outputs):,} test images")
    if bad is not None:
        return bad
    if output == "logits":
        if are_probabilities(outputs):
            return (f"the model outputs probabilities (every row non-negative and summing to 1 {said}), not "
                    f"logits: {PROBABILITIES_FIX}")
        if in_unit_interval(outputs):
            return (f"the model's outputs all lie in [0, 1] {said}, as a final sigmoid's do, not logits: "
                    f"{SIGMOID_FIX}")
        return None
    if np.any(outputs < 0):
        return (f'model.output is "probabilities", but the model outputs negative values (down to '
                f"{outputs.min():.4g}) {said}: they are not probabilities; set model.output = \"logits\" "
                "if they are scores before a softmax")
    if not row_sums_are_one(outputs):
        sums = outputs.sum(axis=1)
        return (f'model.output is "probabilities", but the rows of the model\'s outputs sum to '
                f"{sums.min():.4g} … {sums.max():.4g}, not 1 (±{SUM_TOLERANCE:g}), {said}: they are not "
                "probabilities over the classes; save the model so that it outputs the scores before its last "
                "activation and set model.output = \"logits\"")
    return None


def class_probabilities(scores: np.ndarray, output: str) -> np.ndarray:
    """(n, K) float64 class probabilities from the attributed scores: softmax of logits, or
    exp(log p) = p, the model's own probabilities, when ``output`` is "probabilities"."""
    scores = np.asarray(scores, dtype=np.float64)
    if output == "probabilities":
        return np.exp(scores)
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
