"""Settings from a file and from flags, applied over the defaults of :mod:`.settings`, and checked.

Precedence, lowest first: the defaults, the settings file of the working directory (or the
file given with ``--config``), then command-line flags; ``quick = true`` then applies :data:`~.settings.QUICK_OVERRIDES` to every key
not set explicitly. Unknown keys and wrong types fail with a message naming the closest valid
key.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import tomllib
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, get_type_hints

from generator.plumbing.input_scale import BYTE, UNIT, InputScale
from generator.plumbing.settings import (MODEL_OUTPUTS, QUADRATURE_RULES, QUICK_OVERRIDES, SITE_ENGINES, Settings,
                                         SettingsError)
from generator.plumbing.settings_limits import out_of_range

INPUT_SCALE_FORMS = ('"unit", "byte" or { mean = M, std = S }, per channel { mean = [M1, M2, M3], std = '
                     '[S1, S2, S3] } (as a flag: --model-input M,S or M1,M2,M3/S1,S2,S3)')


def _suggest(key: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(sorted(valid))}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numbers(text: str, prefix: str) -> list[Any]:
    """The comma-separated numbers of ``text`` (``prefix`` allowed before the first), or [] when not numbers."""
    try:
        return [float(part) for part in text.strip().removeprefix(prefix).split(",")]
    except ValueError:
        return []


def _mean_and_std(value: Any) -> tuple[Any, Any] | None:
    """The mean and std a user wrote, each a number or a list (None when the form is not one of
    :data:`INPUT_SCALE_FORMS`): a table, "M,S" (also "mean=M,std=S"), or per channel
    "M1,M2,M3/S1,S2,S3" (also "mean=M1,M2,M3/std=S1,S2,S3", as :attr:`InputScale.label` writes it)."""
    if isinstance(value, dict) and sorted(value) == ["mean", "std"]:
        mean, std = value["mean"], value["std"]
    elif isinstance(value, str) and value.count("/") == 1:
        mean, std = (_numbers(part, name) for part, name in zip(value.split("/"), ("mean=", "std=")))
    elif isinstance(value, str) and value.count(",") == 1:
        parts = [part.strip().removeprefix(name) for part, name in zip(value.split(","), ("mean=", "std="))]
        try:
            mean, std = (float(part) for part in parts)
        except ValueError:
            return None
    else:
        return None
    mean, std = (list(v) if isinstance(v, (list, tuple)) else v for v in (mean, std))
    values = [*(mean if isinstance(mean, list) else [mean]), *(std if isinstance(std, list) else [std])]
    if not all(_is_number(v) for v in values) or mean == [] or std == []:
        return None
    return mean, std


def input_scale(value: Any, where: str = "model.input") -> InputScale:
    """An :class:`InputScale` from what a user writes (:data:`INPUT_SCALE_FORMS`). Per channel, one
    std for several means (or the reverse) is used for every channel."""
    if isinstance(value, InputScale):
        return value
    named = {"unit": UNIT, "byte": BYTE}
    if isinstance(value, str) and value.strip() in named:
        return named[value.strip()]
    found = _mean_and_std(value)
    if found is None:
        raise SettingsError(f"setting '{where}' must be {INPUT_SCALE_FORMS}, got {value!r}")
    mean, std = found
    if isinstance(mean, list) or isinstance(std, list):
        means = [float(m) for m in (mean if isinstance(mean, list) else [mean])]
        stds = [float(s) for s in (std if isinstance(std, list) else [std])]
        means, stds = (values * len(other) if len(values) == 1 else values
                       for values, other in ((means, stds), (stds, means)))
        if len(means) != len(stds):
            raise SettingsError(f"setting '{where}' needs as many stds as means (one per channel), got "
                                f"{len(means)} means and {len(stds)} stds")
        if not all(math.isfinite(m) for m in means) or not all(math.isfinite(s) and s > 0 for s in stds):
            raise SettingsError(f"setting '{where}' needs a finite mean and a std above 0 in every channel, got "
                                f"mean={means}, std={stds}")
        return InputScale(tuple(means), tuple(stds))
    mean, std = float(mean), float(std)
    if not (math.isfinite(mean) and math.isfinite(std) and std > 0):
        raise SettingsError(f"setting '{where}' needs a finite mean and a std above 0, got mean={mean:g}, std={std:g}")
    return InputScale(mean, std)


TOML_TYPES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
"""What each setting type is called in a TOML file, for messages (tuples of strings are arrays)."""


def _coerce(value: Any, annotation: Any, where: str) -> Any:
    """Check one value against its declared type, converting lists to tuples."""
    if annotation is InputScale:
        return input_scale(value, where)
    if annotation is bool:
        ok = isinstance(value, bool)
    elif annotation is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif annotation is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif annotation is str:
        ok = isinstance(value, str)
    else:  # tuple[str, ...]
        ok = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
        value = tuple(value) if ok else value
    if not ok:
        expected = TOML_TYPES.get(annotation, "an array of strings")
        raise SettingsError(f"setting '{where}' must be {expected}, got {value!r}")
    return value


def _apply(section: Any, values: dict[str, Any], prefix: str) -> Any:
    """Return ``section`` with ``values`` applied, recursing into sub-sections."""
    hints = get_type_hints(type(section))
    names = [f.name for f in fields(section)]
    changes: dict[str, Any] = {}
    for key, value in values.items():
        where = f"{prefix}{key}"
        if key not in names:
            raise SettingsError(f"unknown setting '{where}'" + _suggest(key, names))
        current = getattr(section, key)
        if dataclasses.is_dataclass(current) and hints[key] is not InputScale:
            if not isinstance(value, dict):
                raise SettingsError(f"setting '{where}' must be a table of settings")
            changes[key] = _apply(current, value, f"{where}.")
        else:
            changes[key] = _coerce(value, hints[key], where)
    return replace(section, **changes)


def numeric_settings(section: Any, prefix: str = "") -> dict[str, int | float]:
    """Every ``int`` and ``float`` setting of ``section`` (recursing into sub-sections) by its
    dotted name, e.g. ``{"seed": 0, "train.epochs": 2, …}``."""
    hints = get_type_hints(type(section))
    found: dict[str, int | float] = {}
    for item in fields(section):
        value = getattr(section, item.name)
        if dataclasses.is_dataclass(value) and hints[item.name] is not InputScale:
            found.update(numeric_settings(value, f"{prefix}{item.name}."))
        elif hints[item.name] in (int, float):
            found[f"{prefix}{item.name}"] = value
    return found


def _validate(settings: Settings) -> None:
    """Every number within :data:`~.settings_limits.LIMITS`, every choice among its values, and
    the combinations that cannot work."""
    for name, value in numeric_settings(settings).items():
        complaint = out_of_range(name, value)
        if complaint:
            raise SettingsError(complaint)
    if settings.model.input != UNIT and not settings.train.model:
        raise SettingsError(f"setting 'model.input' = \"{settings.model.input.label}\" is for a loaded model, "
                            "but no model is given and the CNN trained here reads \"unit\" (pixel/255); "
                            "pass --model M.keras or remove model.input")
    choices = {"model.output": (settings.model.output, MODEL_OUTPUTS),
               "train.schedule": (settings.train.schedule, ("warmup_cosine", "constant")),
               "attribution.method": (settings.attribution.method, QUADRATURE_RULES),
               "output.engine": (settings.output.engine, SITE_ENGINES)}
    for name, (value, allowed) in choices.items():
        if value not in allowed:
            raise SettingsError(f"setting '{name}' must be one of {', '.join(allowed)}, got {value!r}")
    if settings.model.output != "logits" and not settings.train.model:
        raise SettingsError(f"setting 'model.output' = \"{settings.model.output}\" is for a loaded model, but no "
                            "model is given and the CNN trained here outputs logits; pass --model M.keras or "
                            "remove model.output")
    if len(settings.data.class_names) != 10:
        raise SettingsError(
            f"setting 'data.class_names' must name 10 classes, got {len(settings.data.class_names)}"
        )
    if settings.selection.per_class == 0 and settings.selection.max_misclassified == 0:
        raise SettingsError("settings 'selection.per_class' and 'selection.max_misclassified' are both 0, so no "
                            "example would be published; set either to at least 1")
    for name in ("site_url", "repo_url"):
        url = getattr(settings.output, name)
        if url and (not url.startswith(("https://", "http://")) or any(c in url for c in ' "<>()[]\\`')):
            raise SettingsError(f"setting 'output.{name}' must be an http(s) URL without spaces, quotes, "
                                f"brackets or parentheses, got {url!r}")
    for name in ("site_dir", "cache_dir"):
        if not getattr(settings.output, name).strip():
            raise SettingsError(f"setting 'output.{name}' is empty (an unset variable, as in --output \"$SITE_DIR\"?); "
                                f"name a folder, e.g. {Settings().output.site_dir if name == 'site_dir' else Settings().output.cache_dir}")


def read_toml_table(path: Path, table_required: bool) -> dict[str, Any]:
    """Read the ``[tool.gradient-gallery]`` table of a pyproject.toml, or a whole config file."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise SettingsError(f"settings file {path} is a folder, not a TOML file; remove or rename it, or pass "
                            "--config FILE.toml") from None
    except OSError as error:
        raise SettingsError(f"cannot read the settings file {path} ({error.strerror or error}); check that it "
                            "is readable") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(f"config file {path} is not valid TOML: {error}") from None
    if table_required:
        return document.get("tool", {}).get("gradient-gallery", {})
    return document.get("tool", {}).get("gradient-gallery", document)


PROJECT_SETTINGS = Path("gradient-gallery.toml")
"""The settings file ``gradient-gallery init`` writes: the keys of the pyproject table, at top level."""


def load_settings(
    config: Path | None = None,
    overrides: dict[str, Any] | None = None,
    pyproject: Path | None = Path("pyproject.toml"),
    project_settings: Path | None = PROJECT_SETTINGS,
) -> Settings:
    """Build the settings: defaults, then the settings file, then ``overrides``.

    Args:
        config: a TOML file (either a ``[tool.gradient-gallery]`` table or top-level keys);
            when None, the first of ``project_settings`` and ``pyproject`` that has settings is read.
        overrides: nested dict of flag values, e.g. ``{"seed": 3, "train": {"epochs": 1}}``.
        pyproject: the pyproject.toml consulted when no config is given.
        project_settings: the gradient-gallery.toml consulted when no config is given.

    Raises:
        SettingsError: unknown key, wrong type or out-of-range value, or settings both in
            ``project_settings`` and in ``pyproject`` (which one would win is not obvious).
    """
    file_values: dict[str, Any] = {}
    if config is not None:
        file_values = read_toml_table(config, table_required=False)
    else:
        own = read_toml_table(project_settings, table_required=False) if (
            project_settings is not None and project_settings.exists()) else None
        table = read_toml_table(pyproject, table_required=True) if (
            pyproject is not None and pyproject.exists()) else {}
        if own is not None and table:
            raise SettingsError(f"settings in both {project_settings} and the [tool.gradient-gallery] table of "
                                f"{pyproject}; keep one of them")
        file_values = own if own is not None else table
    settings = _apply(Settings(), file_values, "")
    flag_values = overrides or {}
    settings = _apply(settings, flag_values, "")
    if settings.quick:
        explicit = {**_flatten(file_values), **_flatten(flag_values)}
        quick = {
            section: {k: v for k, v in keys.items() if f"{section}.{k}" not in explicit}
            for section, keys in QUICK_OVERRIDES.items()
        }
        settings = _apply(settings, quick, "")
    _validate(settings)
    return settings


def _flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
