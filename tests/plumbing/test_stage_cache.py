"""A stage's typed record goes through the cache and comes back equal, computed once per key."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.plumbing.stage_cache import StageCache


@dataclass(frozen=True)
class Found:
    values: np.ndarray
    per_method: dict[str, float]
    note: str | None = None


def test_a_record_is_computed_once_and_read_back_equal(tmp_path):
    lines: list[str] = []
    cache, calls = StageCache(tmp_path, lines.append), []

    def compute() -> Found:
        calls.append(1)
        return Found(np.arange(3.0), {"gradient": 0.5, "saliency": 0.25})

    first = cache.record("study", Found, {"settings": "a"}, compute)
    again = cache.record("study", Found, {"settings": "a"}, compute)
    assert len(calls) == 1 and "study: reused" in lines[-1]
    assert again.per_method == first.per_method == {"gradient": 0.5, "saliency": 0.25} and again.note is None
    np.testing.assert_array_equal(again.values, first.values)
    cache.record("study", Found, {"settings": "b"}, compute)
    assert len(calls) == 2 and lines[-1] == "study: computing (settings changed)"
