"""Each cached stage is keyed by exactly the settings it reads (generator/stages/keys.py).

Every settings field is flipped in turn; the stages whose keys change must be exactly those
whose declared fields (:data:`~generator.stages.keys.STAGE_SETTINGS`) name it."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterator

import pytest

from generator.plumbing.input_scale import BYTE, UNIT, InputScale
from generator.plumbing.settings import Settings
from generator.stages import keys

STAGE_KEYS: dict[str, Callable[[Settings], dict[str, str]]] = {
    "attributions": lambda s: keys.attribution_components(s, "data", "model"),
    "whole test set": lambda s: keys.whole_test_set_components(s, "data", "model"),
    "mathematics": lambda s: keys.mathematics_components(s, "model", "rows", "eg", "1"),
    "baselines": lambda s: keys.baselines_components(s, "data", "model"),
    "trust": lambda s: keys.trust_components(s, "data", "model", [3, 1]),
    "decoy": lambda s: keys.decoy_components(s, "decoy data", "decoy model", "model"),
}


def changed(value: Any) -> Any:
    """Another value of the same type as ``value``."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value * 2 + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, tuple):
        return value + ("x",)
    if isinstance(value, InputScale):
        return BYTE if value == UNIT else UNIT
    raise TypeError(f"no changed value for {type(value).__name__}")


def every_field(settings: Settings) -> Iterator[tuple[str, Settings]]:
    """(dotted name, settings with that one field changed) for every field of every section."""
    for top in dataclasses.fields(settings):
        value = getattr(settings, top.name)
        if not dataclasses.is_dataclass(value):
            yield top.name, dataclasses.replace(settings, **{top.name: changed(value)})
            continue
        for inner in dataclasses.fields(value):
            section = dataclasses.replace(value, **{inner.name: changed(getattr(value, inner.name))})
            yield f"{top.name}.{inner.name}", dataclasses.replace(settings, **{top.name: section})


def test_every_cached_stage_has_a_key_and_a_declaration():
    assert set(STAGE_KEYS) == set(keys.STAGE_SETTINGS)


def test_declared_fields_are_real_settings_fields():
    names = {name for name, _ in every_field(Settings())}
    for stage, declared in keys.STAGE_SETTINGS.items():
        assert set(declared) <= names, (stage, set(declared) - names)
        assert len(set(declared)) == len(declared), stage


@pytest.mark.parametrize("base", [Settings(), Settings(quick=True, train=dataclasses.replace(Settings().train,
                                                                                            model="m.keras"))])
def test_a_setting_changes_exactly_the_keys_of_the_stages_that_read_it(base: Settings):
    before = {stage: key(base) for stage, key in STAGE_KEYS.items()}
    for name, flipped in every_field(base):
        moved = {stage for stage, key in STAGE_KEYS.items() if key(flipped) != before[stage]}
        assert moved == {stage for stage, declared in keys.STAGE_SETTINGS.items() if name in declared}, name


def test_the_whole_test_set_switch_leaves_every_key_alone():
    """The reason for the table: ``--whole-test-set`` reuses every cached evidence stage."""
    base = Settings()
    flipped = dataclasses.replace(base, attribution=dataclasses.replace(base.attribution, whole_test_set=True))
    assert all(key(flipped) == key(base) for key in STAGE_KEYS.values())


def test_the_console_names_the_section_that_changed():
    base = Settings()
    flipped = dataclasses.replace(base, trust=dataclasses.replace(base.trust, sanity_images=7))
    before, after = keys.trust_components(base, "d", "m", [1]), keys.trust_components(flipped, "d", "m", [1])
    assert [name for name in before if before[name] != after[name]] == ["trust settings"]
