"""The previous report of ``--previous DIR``, read and checked before the first stage runs.

A typo in the path, a manifest of the wrong shape, arrays with a key missing or a model that
does not load would otherwise surface after training and every map (the Changes page is
computed last). So everything the comparison will read is read here, once, and checked: the
types and keys of ``manifest.json``, the keys, shapes, lengths and ranges of
``data/predictions.npz`` and ``data/attributions.npz``, and ``data/model.keras`` loaded in
Keras' safe mode with its shapes checked, in the input scale and output kind the previous
build recorded. Each problem is one :class:`ChangesError` line naming the file and what is wrong.
Whether it was built on the same test images can only be checked once the data are loaded
(:func:`check_same_test_data`).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from generator.methods import INTEGRATED_GRADIENTS
from generator.plumbing.errors import UserError
from generator.plumbing.input_scale import UNIT, InputScale
from generator.plumbing.settings import MODEL_OUTPUTS

FILES = ("manifest.json", "data/predictions.npz", "data/attributions.npz", "data/model.keras")
"""What a previous report must hold (the files ``.ci/publish-report previous`` downloads)."""


class ChangesError(UserError):
    """The previous report cannot be compared with this one; the message says why."""


@dataclass(frozen=True)
class PreviousReport:
    """A checked previous report.

    Attributes:
        directory: where it was read from.
        version, model_sha256: the tool version and model hash its manifest records.
        labels, predicted, confidence: (N,) per test image, as its predictions.npz publishes them.
        index, target: (R,) the (test image, class) rows of its published maps.
        integrated_gradients: (R, H, W, C) float32 the IG map of each row.
        model: its published model, loaded in safe mode.
        input_scale, output: how that model reads pixels and what it outputs (``model.input``
            and ``model.output`` of its build's settings; "unit" and "logits" when not recorded).
    """

    directory: Path
    version: str
    model_sha256: str
    labels: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray
    index: np.ndarray
    target: np.ndarray
    integrated_gradients: np.ndarray
    model: Any
    input_scale: InputScale
    output: str


def read_previous(directory: Path) -> PreviousReport:
    """Read and check the previous report in ``directory`` (see the module docstring).

    Raises:
        ChangesError: the first problem found, naming the file.
    """
    if not directory.is_dir():
        raise ChangesError(f"previous report {directory} {'is a file' if directory.exists() else 'does not exist'}; "
                           "pass a copy of an earlier site/ folder to --previous")
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        raise ChangesError(f"previous report {directory} lacks {', '.join(missing)}; pass a copy of an earlier "
                           "site/ folder to --previous")
    manifest = _manifest(directory / "manifest.json")
    scale, output = _model_settings(manifest, directory / "manifest.json")
    model = _model(directory / "data" / "model.keras", scale)
    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    classes = int(model.outputs[0].shape[-1])
    predictions = _arrays(directory / "data" / "predictions.npz", ("label", "predicted", "confidence"))
    maps = _arrays(directory / "data" / "attributions.npz", ("index", "target", INTEGRATED_GRADIENTS))
    _check_predictions(predictions, classes, directory / "data" / "predictions.npz")
    _check_maps(maps, len(predictions["label"]), classes, shape, directory / "data" / "attributions.npz")
    return PreviousReport(directory, manifest["tool"]["version"], manifest["model"]["sha256"],
                          predictions["label"].astype(np.int64), predictions["predicted"].astype(np.int64),
                          predictions["confidence"].astype(np.float64), maps["index"].astype(np.int64),
                          maps["target"].astype(np.int64), maps[INTEGRATED_GRADIENTS].astype(np.float32),
                          model, scale, output)


def check_same_test_data(previous: PreviousReport, labels: np.ndarray) -> None:
    """Raise :class:`ChangesError` unless ``previous`` was built on test labels equal to ``labels``."""
    if not np.array_equal(previous.labels, labels):
        raise ChangesError(f"previous report {previous.directory} was built on other test data "
                           f"({len(previous.labels):,} test labels, these data have {len(labels):,} others); compare "
                           "reports of the same data")


def _manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ChangesError(f"{path} is not readable JSON ({error}); pass a copy of an earlier site/ folder") from None
    if not isinstance(manifest, dict):
        raise ChangesError(f"{path} holds a JSON {type(manifest).__name__}, not the object a report's manifest is")
    for key, field in (("tool", "version"), ("model", "sha256")):
        if not isinstance(manifest.get(key), dict) or not isinstance(manifest[key].get(field), str):
            raise ChangesError(f"{path} has no {key}.{field} text; it is not the manifest of a gradient-gallery report")
    return manifest


def _model_settings(manifest: dict[str, Any], path: Path) -> tuple[InputScale, str]:
    """The previous model's ``model.input`` and ``model.output``, as its build recorded them."""
    from generator.plumbing.settings_file import input_scale
    from generator.plumbing.settings import SettingsError

    recorded = manifest.get("settings", {}).get("model", {}) if isinstance(manifest.get("settings"), dict) else {}
    if not isinstance(recorded, dict):
        raise ChangesError(f"{path}: settings.model is not an object")
    try:
        scale = input_scale(recorded.get("input", UNIT.label), "settings.model.input")
    except SettingsError as error:
        raise ChangesError(f"{path}: {error}") from None
    output = recorded.get("output", "logits")
    if output not in MODEL_OUTPUTS:
        raise ChangesError(f"{path}: settings.model.output is {output!r}, not one of {', '.join(MODEL_OUTPUTS)}")
    return scale, output


def _model(path: Path, scale: InputScale) -> Any:
    from generator.stages.model import load_user_model

    try:
        return load_user_model(path, scale).model
    except UserError as error:
        raise ChangesError(f"previous report: {error}") from None


def _arrays(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in keys if key not in archive.files]
            if missing:
                raise ChangesError(f"{path} lacks the array(s) {', '.join(missing)} (it has "
                                   f"{', '.join(archive.files) or 'none'})")
            return {key: archive[key] for key in keys}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ChangesError(f"{path} is not a readable .npz archive ({' '.join(str(error).split()[:12])})") from None


def _check_predictions(arrays: dict[str, np.ndarray], classes: int, path: Path) -> None:
    label, predicted, confidence = arrays["label"], arrays["predicted"], arrays["confidence"]
    if any(a.ndim != 1 for a in arrays.values()) or not len(label) == len(predicted) == len(confidence):
        raise ChangesError(f"{path}: label, predicted and confidence must be 1-D arrays of one length, got shapes "
                           f"{label.shape}, {predicted.shape}, {confidence.shape}")
    for name in ("label", "predicted"):
        values = arrays[name]
        if not np.issubdtype(values.dtype, np.integer) or (len(values) and not 0 <= values.min() <= values.max() < classes):
            raise ChangesError(f"{path}: {name} must hold class indices 0..{classes - 1} (the previous model has "
                               f"{classes} outputs)")
    if not np.issubdtype(confidence.dtype, np.floating) or not np.all((confidence >= 0) & (confidence <= 1)):
        raise ChangesError(f"{path}: confidence must hold probabilities in [0, 1]")


def _check_maps(arrays: dict[str, np.ndarray], images: int, classes: int, shape: tuple[int, ...], path: Path) -> None:
    index, target, maps = arrays["index"], arrays["target"], arrays[INTEGRATED_GRADIENTS]
    if index.ndim != 1 or target.shape != index.shape or maps.shape != (len(index), *shape):
        raise ChangesError(f"{path}: index and target must be 1-D of one length R and integrated_gradients (R, "
                           f"{', '.join(map(str, shape))}), got shapes {index.shape}, {target.shape}, {maps.shape}")
    for name, values, limit in (("index", index, images), ("target", target, classes)):
        if not np.issubdtype(values.dtype, np.integer) or (len(values) and not 0 <= values.min() <= values.max() < limit):
            raise ChangesError(f"{path}: {name} must hold integers in 0..{limit - 1}")
    if not np.issubdtype(maps.dtype, np.floating) or not np.all(np.isfinite(maps)):
        raise ChangesError(f"{path}: integrated_gradients must hold finite numbers")
