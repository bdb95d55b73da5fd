"""The input keys of the cached computing stages, from exactly the settings each one reads.

Each expensive stage is keyed by a fingerprint of its inputs: hashes of the data and model it
reads, of the settings fields it reads (declared once, in :data:`STAGE_SETTINGS`) and a format
version of its code; :class:`generator.plumbing.stage_cache.StageCache` reuses a result whose key
is unchanged. A setting a stage does not read (``attribution.whole_test_set`` for the trust
checks) leaves its key, and so its cached result, as it was.
"""

from __future__ import annotations

from typing import Any

from generator import methods
from generator.plumbing.cache import fingerprint
from generator.plumbing.settings import Settings

ATTRIBUTION_FORMAT = 9  # 9: Expected Gradients with its control variate (issue 23)
"""Bump when the attribution code changes what it computes, so cached results are dropped."""

SettingNames = tuple[str, ...]
"""Dotted settings fields ("attribution.steps"; "seed" for a top-level one)."""

_MODEL = ("model.input", "model.output")
"""How the model reads its pixels and what its scores are: the same file gives other maps."""
_METHOD_MAPS = tuple(f"attribution.{name}" for name in (
    "steps", "tolerance", "map_tolerance", "method", "baseline", "chunk_size", "smoothgrad_samples",
    "smoothgrad_noise", "expected_gradients_samples", "expected_gradients_baselines"))
"""What every method's maps read (:mod:`generator.stages.method_maps`), with the size of the
sample the Expected-Gradients baselines are drawn from."""
_PUBLISHED_MAPS = ("seed", *_MODEL, "selection.per_class", "selection.max_misclassified", *_METHOD_MAPS)
"""What the published maps read: the selection of their rows, and the maps' own settings."""
_TRUST = tuple(f"trust.{name}" for name in (
    "sanity_images", "similarity_precision", "faithfulness_images", "area_precision", "random_orders",
    "random_label_images", "random_label_epochs", "random_label_learning_rate", "random_label_batch_size"))

STAGE_SETTINGS: dict[str, SettingNames] = {
    "attributions": _PUBLISHED_MAPS,
    "whole test set": (*_MODEL, "attribution.whole_test_set_steps", "attribution.method", "attribution.baseline",
                       "attribution.chunk_size"),
    "mathematics": ("seed", "quick", *_MODEL, "attribution.baseline", "attribution.chunk_size"),
    # The baseline study reads the published maps and recomputes IG and EG from other baselines.
    "baselines": _PUBLISHED_MAPS,
    # The published examples they sample are a key input of their own; ``train.model`` says which
    # network the data randomisation trains (the report's CNN, or a copy of a loaded model).
    "trust": ("seed", *_MODEL, *_METHOD_MAPS, *_TRUST, "train.model"),
    # The decoy data and model are keyed by their hashes (patch, mismatched share, training).
    "decoy": ("seed", *_MODEL, *_METHOD_MAPS, "decoy.patch", "decoy.images"),
}
"""Cached stage → the settings fields it reads, directly or through the results it is given.
Switches that decide whether a stage runs (``trust.enabled``) are not among them."""


def setting_values(settings: Settings, names: SettingNames) -> dict[str, Any]:
    """{dotted name: its value in ``settings``}, as :meth:`Settings.to_dict` gives it."""
    plain = settings.to_dict()
    values = {}
    for name in names:
        value: Any = plain
        for part in name.split("."):
            value = value[part]
        values[name] = value
    return values


EVERY_METHOD_STAGES = ("attributions", "trust", "baselines", "decoy")
"""The stages that compute every catalogue method's maps: a method enrolled or removed changes their keys."""


def stage_components(stage: str, settings: Settings, inputs: dict[str, str], code: str) -> dict[str, str]:
    """What ``stage`` depends on, one hash per named input: ``inputs`` (data, model, …), the
    fields of :data:`STAGE_SETTINGS` it reads (one hash per settings section, so the console can
    say "trust settings changed") and its ``code`` version."""
    sections: dict[str, dict[str, Any]] = {}
    for name, value in setting_values(settings, STAGE_SETTINGS[stage]).items():
        sections.setdefault(f"{name.split('.')[0]} settings" if "." in name else name, {})[name] = value
    enrolled = {"methods": methods.fingerprint()} if stage in EVERY_METHOD_STAGES else {}
    return {**inputs, **enrolled, **{label: fingerprint(values) for label, values in sections.items()}, "code": code}


def attribution_components(settings: Settings, data_sha256: str, model_sha256: str) -> dict[str, str]:
    """What the published maps depend on."""
    return stage_components("attributions", settings, {"data": data_sha256, "model": model_sha256},
                            str(ATTRIBUTION_FORMAT))


def whole_test_set_components(settings: Settings, data_sha256: str, model_sha256: str) -> dict[str, str]:
    """What the whole test set's mean maps depend on."""
    return stage_components("whole test set", settings, {"data": data_sha256, "model": model_sha256},
                            str(ATTRIBUTION_FORMAT))


def mathematics_components(settings: Settings, model_sha256: str, rows: str, eg_baselines: str,
                           code: str) -> dict[str, str]:
    """What the convergence studies depend on: the model, the fingerprints of the ``rows``' images
    and targets and of the ``eg_baselines``, and the code (``code``: the stage's format and the
    rules, step and draw counts it studies)."""
    return stage_components("mathematics", settings, {"model": model_sha256, "rows": rows,
                                                      "EG baselines": eg_baselines},
                            f"{code}.{ATTRIBUTION_FORMAT}")  # it runs the attribution code too


def trust_components(settings: Settings, data_sha256: str, model_sha256: str, published: list[int]) -> dict[str, str]:
    """What the trust checks depend on: data, model, the published examples they sample, and the
    code of this stage and of the engine."""
    from generator.stages.trust import TRUST_FORMAT

    return stage_components("trust", settings, {"data": data_sha256, "model": model_sha256,
                                                "published examples": fingerprint(sorted(published))},
                            f"{TRUST_FORMAT}.{ATTRIBUTION_FORMAT}")


def baselines_components(settings: Settings, data_sha256: str, model_sha256: str) -> dict[str, str]:
    """What the baseline study depends on: data (its examples, mean image and EG baselines), model
    and the code."""
    from generator.stages.baselines import BASELINES_FORMAT

    return stage_components("baselines", settings, {"data": data_sha256, "model": model_sha256},
                            f"{BASELINES_FORMAT}.{ATTRIBUTION_FORMAT}")


def decoy_components(settings: Settings, decoy_data_sha256: str, decoy_model_sha256: str,
                     model_sha256: str) -> dict[str, str]:
    """What the decoy check depends on: the decoy data and model, the report's model and the code."""
    from generator.stages.decoy import DECOY_FORMAT

    return stage_components("decoy", settings, {"decoy data": decoy_data_sha256, "decoy model": decoy_model_sha256,
                                                "model": model_sha256}, f"{DECOY_FORMAT}.{ATTRIBUTION_FORMAT}")
