"""One conversion between a (nested) dataclass of arrays and a flat dict of arrays.

The cache (:class:`~generator.plumbing.stage_cache.StageCache`) and the published ``.npz`` files
store flat dicts of NumPy arrays; the computing stages return typed records. :func:`to_arrays`
flattens a record by its dataclass fields, :func:`from_arrays` rebuilds it from the same fields'
type hints, so no stage writes or parses a key string by hand.

A key is the path of field names (and mapping keys) joined by ``"."``: a record with a field
``methods: dict[str, MethodEvidence]`` whose value for ``"gradient"`` has a field ``cascade`` of
type ``Comparison`` with a field ``ssim`` gives the key ``methods.gradient.cascade.ssim``.

Field types understood (each with its own array form):

- ``np.ndarray``: stored as it is;
- ``int``, ``float``, ``bool``, ``str``: a 0-d array, read back with that type;
- ``tuple[str, ...]``, ``tuple[int, ...]``, ``tuple[float, ...]``: a 1-d array;
- ``X | None`` for any of these: no key at all when ``None``;
- a nested dataclass: its fields under ``<name>.``;
- ``dict[str, X]`` with ``X`` any of these: each item under ``<name>.<key>.``; the keys must not
  contain ``"."`` (they are checked).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
SEPARATOR = "."


def to_arrays(record: Any, prefix: str = "") -> dict[str, np.ndarray]:
    """The flat dict of ``record`` (a dataclass instance), keys as in the module's docstring."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        raise TypeError(f"to_arrays needs a dataclass instance, got {type(record).__name__}")
    out: dict[str, np.ndarray] = {}
    for field in dataclasses.fields(record):
        _flatten(getattr(record, field.name), f"{prefix}{field.name}", out)
    return out


def from_arrays(cls: type[T], arrays: dict[str, np.ndarray], prefix: str = "") -> T:
    """The ``cls`` record whose :func:`to_arrays` is ``arrays`` (keys under ``prefix``).

    Raises:
        KeyError: a field that is not optional has no key.
    """
    hints = typing.get_type_hints(cls)
    values = {field.name: _rebuild(hints[field.name], arrays, f"{prefix}{field.name}")
              for field in dataclasses.fields(cls)}
    return cls(**values)


def _flatten(value: Any, key: str, out: dict[str, np.ndarray]) -> None:
    if value is None:
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out.update(to_arrays(value, f"{key}{SEPARATOR}"))
    elif isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(name, str) or SEPARATOR in name or not name:
                raise ValueError(f"mapping key {name!r} of {key} must be a non-empty str without {SEPARATOR!r}")
            _flatten(item, f"{key}{SEPARATOR}{name}", out)
    else:
        out[key] = np.asarray(value)


def _rebuild(hint: Any, arrays: dict[str, np.ndarray], key: str) -> Any:
    inner, optional = _unwrap_optional(hint)
    present = key in arrays or any(name.startswith(key + SEPARATOR) for name in arrays)
    if not present:
        if optional:
            return None
        if typing.get_origin(inner) is dict:
            return {}
        raise KeyError(f"no array for {key}")
    if dataclasses.is_dataclass(inner):
        return from_arrays(inner, arrays, f"{key}{SEPARATOR}")
    origin = typing.get_origin(inner)
    if origin is dict:
        _, item_hint = typing.get_args(inner)
        start = len(key) + 1
        names = dict.fromkeys(name[start:].split(SEPARATOR, 1)[0] for name in arrays if name.startswith(key + SEPARATOR))
        return {name: _rebuild(item_hint, arrays, f"{key}{SEPARATOR}{name}") for name in names}
    value = arrays[key]
    if origin is tuple:
        item = typing.get_args(inner)[0]
        return tuple(item(v) for v in np.asarray(value).ravel())
    if inner in (int, float, bool, str):
        return inner(np.asarray(value).item() if inner is not str else str(np.asarray(value)))
    return np.asarray(value)


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    """(X, True) for ``X | None`` or ``Optional[X]``; (hint, False) otherwise."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0], True
    return hint, False
