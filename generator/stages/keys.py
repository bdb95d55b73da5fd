"""The input keys of the cached computing stages.

Each expensive stage is keyed by a fingerprint of its inputs (data hash, model hash, its own
settings and a format version); :class:`generator.plumbing.stage_cache.StageCache` reuses a
result whose key is unchanged.
"""

from __future__ import annotations

from generator import methods
from generator.plumbing.cache import fingerprint
from generator.plumbing.settings import Settings

ATTRIBUTION_FORMAT = 9  # 9: Expected Gradients with its control variate (issue 23)
"""Bump when the attribution code changes what it computes, so cached results are dropped."""


def model_key(model_sha256: str, settings: Settings) -> str:
    """The model as the stages see it: its file's hash, plus the input scale it is fed when that is
    not pixel/255 (the same file read as bytes gives other maps), plus its output when that is
    read as probabilities (the maps are then of log p_t, not of the logits)."""
    scale, output = settings.model.input, settings.model.output
    key = model_sha256 if scale.label == "unit" else f"{model_sha256} input {scale.label}"
    return key if output == "logits" else f"{key} output {output}"


def attribution_components(settings: Settings, data_sha256: str, model_sha256: str) -> dict[str, str]:
    """What the published maps depend on, one hash per named input."""
    attribution = settings.to_dict()["attribution"]
    for whole_only in ("whole_test_set", "whole_test_set_steps"):
        attribution.pop(whole_only)
    return {
        "data": data_sha256,
        "model": model_key(model_sha256, settings),
        "selection settings": fingerprint(settings.to_dict()["selection"]),
        "attribution settings": fingerprint(attribution, settings.seed),
        "attribution code": str(ATTRIBUTION_FORMAT),
        "methods": methods.fingerprint(),
    }


def whole_test_set_components(settings: Settings, data_sha256: str, model_sha256: str) -> dict[str, str]:
    attribution = settings.attribution
    return {
        "data": data_sha256,
        "model": model_key(model_sha256, settings),
        "attribution settings": fingerprint(attribution.whole_test_set_steps, attribution.method,
                                            attribution.baseline),
        "attribution code": str(ATTRIBUTION_FORMAT),
    }


def trust_components(settings: Settings, data_sha256: str, model_sha256: str, published: list[int]) -> dict[str, str]:
    """What the trust checks depend on: data, model, the published examples they sample, the
    trust and attribution settings, which network the data randomisation trains (the report's CNN,
    or a copy of a loaded model), and the code of this stage and of the engine."""
    from generator.stages.trust import TRUST_FORMAT

    attribution = settings.to_dict()["attribution"]
    return {
        "data": data_sha256,
        "model": model_key(model_sha256, settings),
        "published examples": fingerprint(sorted(published)),
        "trust settings": fingerprint(settings.to_dict()["trust"], attribution, settings.seed),
        # A loaded model's data randomisation trains a copy of its own architecture, not the CNN.
        "random-label network": "copy of the loaded model" if settings.train.model else "the report's CNN",
        "trust code": f"{TRUST_FORMAT}.{ATTRIBUTION_FORMAT}",
        "methods": methods.fingerprint(),
    }


def baselines_components(settings: Settings, data_sha256: str, model_sha256: str) -> dict[str, str]:
    """What the baseline study depends on: data (its examples, mean image and EG baselines), model,
    the published selection, the attribution settings and seed, and the code."""
    from generator.stages.baselines import BASELINES_FORMAT

    return {
        "data": data_sha256,
        "model": model_key(model_sha256, settings),
        "selection settings": fingerprint(settings.to_dict()["selection"]),
        "attribution settings": fingerprint(settings.to_dict()["attribution"], settings.seed),
        "baselines code": f"{BASELINES_FORMAT}.{ATTRIBUTION_FORMAT}",
        "methods": methods.fingerprint(),
    }


def decoy_components(settings: Settings, decoy_data_sha256: str, decoy_model_sha256: str,
                     model_sha256: str) -> dict[str, str]:
    """What the decoy check depends on: the decoy data and model, the report's model, the decoy,
    attribution and trust-sample settings, and the code."""
    from generator.stages.decoy import DECOY_FORMAT

    return {
        "decoy data": decoy_data_sha256,
        "decoy model": decoy_model_sha256,
        "model": model_key(model_sha256, settings),
        "settings": fingerprint(settings.to_dict()["decoy"], settings.to_dict()["attribution"], settings.seed),
        "decoy code": f"{DECOY_FORMAT}.{ATTRIBUTION_FORMAT}",
        "methods": methods.fingerprint(),
    }
