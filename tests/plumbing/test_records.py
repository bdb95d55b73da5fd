"""The one conversion between nested dataclasses of arrays and flat dicts of arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from generator.plumbing.records import from_arrays, to_arrays


@dataclass(frozen=True)
class Leaf:
    values: np.ndarray
    count: int
    share: float


@dataclass(frozen=True)
class Root:
    name: str
    flag: bool
    names: tuple[str, ...]
    leaves: dict[str, Leaf]
    nested: Leaf
    note: str | None = None


def example() -> Root:
    return Root("x", True, ("a", "b"), {"first": Leaf(np.arange(3.0), 2, 0.5), "second": Leaf(np.zeros((2, 2)), 0, 1.0)},
                Leaf(np.array([1, 2]), 7, 0.25))


def test_keys_are_the_field_paths_and_none_is_left_out():
    arrays = to_arrays(example())
    assert sorted(arrays) == sorted(["name", "flag", "names", "leaves.first.values", "leaves.first.count",
                                     "leaves.first.share", "leaves.second.values", "leaves.second.count",
                                     "leaves.second.share", "nested.values", "nested.count", "nested.share"])
    assert arrays["names"].tolist() == ["a", "b"] and arrays["nested.count"].shape == ()


def test_a_record_round_trips_with_its_types():
    record = example()
    back = from_arrays(Root, to_arrays(record))
    assert back.name == "x" and back.flag is True and back.names == ("a", "b") and back.note is None
    assert list(back.leaves) == ["first", "second"] and type(back.nested.count) is int
    np.testing.assert_array_equal(back.leaves["second"].values, np.zeros((2, 2)))
    with_note = from_arrays(Root, to_arrays(Root(**{**record.__dict__, "note": "why"})))
    assert with_note.note == "why"


def test_a_missing_field_and_a_bad_mapping_key_fail():
    arrays = to_arrays(example())
    del arrays["nested.count"]
    with pytest.raises(KeyError, match="nested.count"):
        from_arrays(Root, arrays)
    with pytest.raises(ValueError, match="mapping key"):
        to_arrays(Root("x", True, (), {"a.b": Leaf(np.zeros(1), 0, 0.0)}, Leaf(np.zeros(1), 0, 0.0)))
