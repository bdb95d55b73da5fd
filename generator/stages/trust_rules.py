"""The trust checks' verdicts, each from one rule stated before the results (computing only).

Every verdict on the trust page, in the manifest (``trust.rules``, ``trust.methods.<m>.verdicts``)
and on the home page comes from :func:`judge`, which calls the decoy check's
:func:`~generator.stages.decoy_rules.verdict`: a 95% interval against its control's interval,
``pass``, ``fail`` or ``inconclusive``, the same rule for every method. The words of each rule
(:data:`RULES`) are constants that the trust page prints above the results, the manifest
publishes and the methods page (``site_src/methods/trust-checks.md``) states verbatim.

The rules were tested, before the report's own results were read, on models whose right answer is
known (``tests/stages/test_trust_rules.py``, the real trust computations on untrained Keras models): a
model that ignores its input fails every check for every method; a linear model, whose maps are
exact, passes both randomisations for the gradient, gradient × input and Integrated Gradients, and
deletion with the black fill for gradient × input and Integrated Gradients.

Why the randomisation effect is a rank correlation and not Efficient MPRT (the first proposal):
on a linear model whose weights are drawn from its layer's own initialiser, every map changes
completely when the weights are re-drawn (the correlation of the absolute maps over the pixels
either uses is about 0 for the gradient, 0.45 for gradient × input and IG, whose maps share the
factor x), but the maps' complexity does not change (Efficient MPRT within ±0.005 of 0, inside or
beside its interval as the seed falls), and against the random-label network it falls for every
method and seed. Efficient MPRT measures whether a map loses structure, which a map of weights
with no structure cannot do; it stays on the page as an effect size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from generator.stages.decoy_rules import FAIL, INCONCLUSIVE, PASS, verdict
from generator.stages.faithfulness import MIN_LOGIT_GAP
from generator.stages.intervals import NOT_MEASURED, Interval
from generator.stages.trust_records import Trust

__all__ = ["CHECKS", "FAIL", "INCONCLUSIVE", "LOWER_IS_BETTER", "NO_CHANGE", "PASS", "RULES", "RULE_TITLES",
           "Judgement", "MethodVerdicts", "better_control", "judge", "method_verdicts", "trust_verdicts", "verdict"]

CHECKS = ("model_randomisation", "data_randomisation", "deletion", "insertion")
"""The checks with a verdict (deletion and insertion one per fill)."""
LOWER_IS_BETTER = {"model_randomisation": True, "data_randomisation": True, "deletion": True, "insertion": False}
"""Which side of its control a check's effect must lie on to pass."""
NO_CHANGE = Interval(1.0, 1.0, 1.0)
"""The control of both randomisation rules: the trained model's map compared with itself (every
method's maps are seeded, so the same weights give the same map: a rank correlation of 1)."""

_GAP = f"{MIN_LOGIT_GAP:g}"
RULES = {
    "model_randomisation": (
        "Effect: the Spearman correlation of the absolute maps over the pixels non-zero in either map, between "
        "the trained model's map and the map of the same image and class with every weighted layer re-initialised. "
        "Control: the trained model's map compared with itself, a correlation of 1 (no change). Pass when the "
        "effect's 95% interval lies entirely below 1; fail when the whole interval is at 1; otherwise inconclusive. "
        "A pass says that the map depends measurably on the learned weights, not how much: the correlation says "
        "how much."),
    "data_randomisation": (
        "The same rule with a network trained on randomly permuted labels in place of the re-initialised one. "
        "Effect: the Spearman correlation of the absolute maps over the pixels non-zero in either map, between the "
        "trained model's map and that network's map of the same image and class. Control: 1 (no change). Pass "
        "when the effect's 95% interval lies entirely below 1; fail when the whole interval is at 1; otherwise "
        "inconclusive."),
    "deletion": (
        "One verdict per fill (black, blurred, ROAD), never pooled. Effect: the method's mean deletion area (lower "
        "is better). Control: of the two orders with no model in them, a random order per image and the image's "
        "edge order, the one with the lower mean deletion area with that fill. Pass when the method's 95% interval "
        "lies entirely below the control's; fail when it lies entirely at or above it; otherwise inconclusive."),
    "insertion": (
        "One verdict per fill, never pooled. Effect: the method's mean insertion area (higher is better). Control: "
        "of the same two orders, the one with the higher mean insertion area with that fill. Pass when the "
        "method's 95% interval lies entirely above the control's; fail when it lies entirely at or below it; "
        "otherwise inconclusive."),
    "nothing_to_measure": (
        "A check with nothing to measure fails. When no image has a defined effect, because every trained map is "
        "constant on the pixels either map uses (a map that is zero everywhere ranks nothing) or because no "
        f"image's score differs by at least {_GAP} unit between the full and the fully filled image (its curves "
        "have no height to rescale), the verdict is fail: a model that ignores its input must fail every check. "
        "A check that did not run (a model whose weights cannot be re-drawn, a network that could not be "
        "trained on random labels) has no verdict."),
    "random_target": (
        "No verdict. Whether a correct map should change with the class depends on the model, not on the method: "
        "a linear model whose classes all weigh the same pixels (one weight map times a number per class) has "
        "correct maps whose absolute values rank the pixels identically for every class. Both Spearman "
        "correlations with the map for a random other class, of the signed maps and of the absolute maps, are "
        "shown as numbers only."),
}
"""Each rule in words, as the trust page (before its results), the manifest (``trust.rules``) and
the methods page print it."""
RULE_TITLES = {"model_randomisation": "Model randomisation", "data_randomisation": "Data randomisation",
               "deletion": "Deletion", "insertion": "Insertion", "nothing_to_measure": "Nothing to measure",
               "random_target": "Random target"}


@dataclass(frozen=True)
class Judgement:
    """One verdict and what it rests on.

    Attributes:
        verdict: "pass", "fail" or "inconclusive"; None when the check did not run.
        effect: the method's mean and 95% interval.
        control: the control's (:data:`NO_CHANGE`, or a model-free order's areas).
        control_name: "no_change", "random" or "image_only".
        images: how many images the effect is defined for (0: nothing to measure).
    """

    verdict: str | None
    effect: Interval
    control: Interval
    control_name: str
    images: int

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "effect": self.effect.to_dict(), "control": self.control.to_dict(),
                "control_name": self.control_name, "images": self.images}


@dataclass(frozen=True)
class MethodVerdicts:
    """One method's verdicts: both randomisations, and deletion and insertion per fill."""

    model_randomisation: Judgement
    data_randomisation: Judgement
    deletion: dict[str, Judgement]
    insertion: dict[str, Judgement]


def _negated(value: Interval) -> Interval:
    return Interval(-value.mean, -value.high, -value.low)


def judge(effect: Interval, control: Interval, images: int, lower_is_better: bool) -> str:
    """The one rule of every trust check: :data:`FAIL` when no image has a defined effect
    (``images`` 0, nothing to measure); else :func:`verdict` of the effect's interval against the
    control's, on the better side (below the control when ``lower_is_better``, else above)."""
    if images == 0:
        return FAIL
    return verdict(_negated(effect), _negated(control)) if lower_is_better else verdict(effect, control)


def better_control(controls: dict[str, Interval], lower_is_better: bool) -> tuple[str, Interval]:
    """The control whose mean is better (lower, or higher), the first on a tie; NaN means last."""
    def rank(item: tuple[str, Interval]) -> float:
        mean = item[1].mean
        return np.inf if not np.isfinite(mean) else mean if lower_is_better else -mean

    return min(controls.items(), key=rank)


def _defined(values: np.ndarray) -> int:
    return int(np.count_nonzero(np.isfinite(np.asarray(values, dtype=np.float64))))


def randomisation_judgement(values: np.ndarray | None, effect: Interval) -> Judgement:
    """The randomisation rule on per-image correlations ``values`` (their interval is ``effect``;
    None: the check did not run)."""
    if values is None:
        return Judgement(None, NOT_MEASURED, NO_CHANGE, "no_change", 0)
    images = _defined(values)
    return Judgement(judge(effect, NO_CHANGE, images, True), effect, NO_CHANGE, "no_change", images)


def curve_judgement(areas: np.ndarray, effect: Interval, controls: dict[str, Interval],
                    lower_is_better: bool) -> Judgement:
    """The deletion or insertion rule on one fill: ``areas`` the method's per-image areas (their
    interval is ``effect``), ``controls`` the model-free orders' intervals on the same fill."""
    name, control = better_control(controls, lower_is_better)
    images = _defined(areas)
    return Judgement(judge(effect, control, images, lower_is_better), effect, control, name, images)


def method_verdicts(key: str, trust: Trust) -> MethodVerdicts:
    """Method ``key``'s verdicts from the trust stage's intervals (the ones the page shows), with
    the per-image evidence only to count the images each effect is defined for."""
    evidence, method = trust.evidence, trust.methods[key]
    sanity = evidence.methods[key]
    ran = trust.randomisation_skipped is None and len(method.cascade) > 0
    model = randomisation_judgement(sanity.cascade.spearman_abs_support[-1] if ran else None,
                                    method.cascade[-1].spearman_abs_support if ran else NOT_MEASURED)
    data_ran = trust.random_labels.skipped is None
    data = randomisation_judgement(sanity.data.spearman_abs_support if data_ran else None,
                                   method.data_randomisation.spearman_abs_support)

    def curves(direction: str) -> dict[str, Judgement]:
        return {fill: curve_judgement(getattr(evidence.fills[fill].curves[key], f"{direction}_area"),
                                      getattr(method.areas, direction)[fill],
                                      {name: getattr(c, direction)[fill] for name, c in trust.controls.items()},
                                      LOWER_IS_BETTER[direction])
                for fill in evidence.fills}

    return MethodVerdicts(model, data, curves("deletion"), curves("insertion"))


def trust_verdicts(trust: Trust) -> dict[str, MethodVerdicts]:
    """Every method's verdicts, in the trust stage's method order."""
    return {key: method_verdicts(key, trust) for key in trust.methods}
