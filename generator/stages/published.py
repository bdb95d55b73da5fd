"""Read a published report back into typed results: ``manifest.json`` and
``data/attributions.npz`` of a built site become the :class:`~generator.stages.results.Example`
objects its figures were drawn from.

No model and no TensorFlow: only the JSON and the arrays the site publishes. The channel
reductions are those of the build (:func:`generator.stages.attribute.to_examples`): maps summed over
channels, saliency maxed over them. Both files are checked where they are read (keys,
shapes, rows that agree with each other); a problem raises :class:`PublishedError` naming
the file.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from generator.methods import contrast_methods, keys, methods, shown_input
from generator.plumbing.errors import UserError
from generator.plumbing.settings import MODEL_OUTPUTS
from generator.stages.model_output import LOGIT_WORDS, ScoreWords, score_words
from generator.stages.results import AttributionRow, Completeness, ContrastMap, Example

MANIFEST = "manifest.json"
ATTRIBUTIONS = "data/attributions.npz"


def row_maps() -> tuple[str, ...]:
    """The per-row arrays of ``attributions.npz``, each (R, H, W, C) float32: the image and every
    method's maps."""
    return ("image", *keys())


class PublishedError(UserError, ValueError):
    """A site directory that does not hold a readable published report; the message says why."""


@dataclass(frozen=True)
class PublishedReport:
    """What a figure of a published example needs.

    Attributes:
        class_names: display name of each class, in label order.
        examples: every published example, in the manifest's order.
        score: what the maps are of, from the build's recorded ``model.output`` (the class logit
            for a site that records none).
    """

    class_names: tuple[str, ...]
    examples: tuple[Example, ...]
    score: ScoreWords = LOGIT_WORDS

    def example(self, test_index: int) -> Example:
        """The published example of test image ``test_index``.

        Raises:
            PublishedError: that test image is not published.
        """
        for example in self.examples:
            if example.test_index == test_index:
                return example
        indices = sorted(e.test_index for e in self.examples)
        shown = ", ".join(map(str, indices[:10])) + (", …" if len(indices) > 10 else "")
        raise PublishedError(f"test image {test_index} is not published in this report; "
                             f"its {len(indices)} published test images are {shown or 'none'}")


def read_published(site_dir: Path) -> PublishedReport:
    """Read ``site_dir/manifest.json`` and ``site_dir/data/attributions.npz``.

    Raises:
        PublishedError: a file is missing, unreadable, or the two disagree.
    """
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise PublishedError(f"no site directory {site_dir}; build one with 'gradient-gallery build' "
                             "or name a built site with --site")
    manifest_path, arrays_path = site_dir / MANIFEST, site_dir / ATTRIBUTIONS
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PublishedError(f"{manifest_path} not found: {site_dir} is not a built report") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PublishedError(f"{manifest_path} is not valid JSON: {error}") from None
    try:
        with np.load(arrays_path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise PublishedError(f"{arrays_path} not found: {site_dir} is not a complete report") from None
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise PublishedError(f"{arrays_path} is not a readable .npz archive: {error}") from None
    try:
        class_names = tuple(str(name) for name in manifest["settings"]["data"]["class_names"])
        score = score_words(recorded_output(manifest))
        records = manifest["examples"]
        highest = _highest_class(records, arrays)
        if highest < len(class_names):
            return PublishedReport(class_names, examples_from_published(records, arrays, len(class_names)), score)
    except (KeyError, TypeError, IndexError, ValueError) as error:
        detail = f"missing {error}" if isinstance(error, KeyError) else str(error)
        raise PublishedError(f"{manifest_path} and {arrays_path} are not a report this version can read: "
                             f"{detail}") from None
    count = f"{len(class_names)} name{'' if len(class_names) == 1 else 's'}"
    raise PublishedError(f"{manifest_path}: its class_names has {count} while the published rows use classes "
                         f"up to {highest}; it needs one name per class, {highest + 1} or more")


def recorded_output(manifest: Mapping[str, Any]) -> str:
    """The ``model.output`` a published report was built with: "logits" when its manifest records
    none (sites built before the setting existed).

    Raises:
        ValueError: the recorded value is not one of :data:`~generator.plumbing.settings.MODEL_OUTPUTS`.
    """
    model = manifest["settings"].get("model", {})
    if not isinstance(model, Mapping):
        raise ValueError("its settings.model is not an object")
    output = model.get("output", "logits")
    if output not in MODEL_OUTPUTS:
        raise ValueError(f"its settings.model.output is {output!r}, not one of {', '.join(MODEL_OUTPUTS)}")
    return output


def _highest_class(records: Sequence[Mapping[str, Any]], arrays: Mapping[str, np.ndarray]) -> int:
    """The largest class number that the examples' labels and the arrays' targets use (−1 for none)."""
    labels = [int(value) for value in np.asarray(arrays["target"]).ravel()]
    for record in records:
        labels += [int(record["true_label"]), int(record["predicted"])]
        labels += [int(target["target"]) for target in record["targets"]]
    return max(labels, default=-1)


def examples_from_published(records: Sequence[Mapping[str, Any]], arrays: Mapping[str, np.ndarray],
                            classes: int = 10) -> tuple[Example, ...]:
    """The typed examples of a published report (pure: no files).

    Args:
        records: the manifest's ``examples``: per test image its labels, confidence and,
            per target (and for the contrast map), the npz row and the completeness check.
        arrays: the arrays of ``attributions.npz``: ``index`` and ``target`` (R,), the maps
            of :func:`row_maps` (R, H, W, C), ``contrast_index`` (M,) and ``contrastive_<key>`` of
            each method with a contrast map (M, H, W, C).
        classes: number of classes; labels and targets must be below it.

    Returns:
        One :class:`Example` per record, maps reduced to (H, W) as the build does.

    Raises:
        ValueError: the arrays have the wrong shapes, or a record disagrees with them.
        KeyError: a record or the arrays lack a key.
    """
    _check_shapes(arrays)
    examples = []
    for record in records:
        test_index = int(record["test_index"])
        labels = {"true_label": int(record["true_label"]), "predicted": int(record["predicted"])}
        rows = tuple(_row(arrays, target, test_index, classes) for target in record["targets"])
        if not rows:
            raise ValueError(f"test image {test_index} has no attributed target")
        for name, label in labels.items():
            if not 0 <= label < classes:
                raise ValueError(f"test image {test_index}: {name} {label} is not a class")
        contrast = None
        if record.get("contrast") is not None:
            m = int(record["contrast"]["row"])
            if not 0 <= m < len(arrays["contrast_index"]) or int(arrays["contrast_index"][m]) != test_index:
                raise ValueError(f"contrast row {m} of the arrays is not test image {test_index}")
            contrast = ContrastMap({c.key: c.reduced(arrays[f"contrastive_{c.key}"][m]) for c in contrast_methods()},
                                   _completeness(record["contrast"]["completeness"]),
                                   _completeness(record["contrast"]["expected_gradients_completeness"]))
        examples.append(Example(
            test_index=test_index,
            confidence=_number(record["confidence"]),
            image=shown_input(arrays["image"][int(record["targets"][0]["row"])]),
            rows=rows,
            contrast=contrast,
            **labels,
        ))
    return tuple(examples)


def _check_shapes(arrays: Mapping[str, np.ndarray]) -> None:
    count, shape = len(arrays["index"]), arrays["image"].shape
    if len(shape) != 4:
        raise ValueError(f"'image' must be (rows, height, width, channels), got shape {shape}")
    for name in row_maps():
        if arrays[name].shape != shape:
            raise ValueError(f"'{name}' has shape {arrays[name].shape}, 'image' {shape}")
    if arrays["target"].shape != (count,) or arrays["index"].shape != (count,) or shape[0] != count:
        raise ValueError(f"'index' and 'target' must hold one value per row ({shape[0]} rows)")
    for name in (f"contrastive_{m.key}" for m in contrast_methods()):
        contrast = arrays[name].shape
        if contrast[1:] != shape[1:] or arrays["contrast_index"].shape != contrast[:1]:
            raise ValueError(f"'contrast_index' and '{name}' must have one row per contrast map shaped like the "
                             f"images, got {arrays['contrast_index'].shape} and {contrast}")


def _row(arrays: Mapping[str, np.ndarray], record: Mapping[str, Any], test_index: int, classes: int) -> AttributionRow:
    r, target = int(record["row"]), int(record["target"])
    if not 0 <= r < len(arrays["index"]) or int(arrays["index"][r]) != test_index:
        raise ValueError(f"row {r} of the arrays is not test image {test_index}")
    if int(arrays["target"][r]) != target or not 0 <= target < classes:
        raise ValueError(f"row {r} of the arrays does not attribute target {target} of test image {test_index}")
    return AttributionRow(
        target=target,
        maps={m.key: m.reduced(arrays[m.key][r]) for m in methods()},
        completeness=_completeness(record["completeness"]),
        eg_completeness=_completeness(record["expected_gradients_completeness"]),
        noise={m.key: _number(record.get(f"{m.key}_noise")) for m in methods() if m.halves is not None},
    )


def _completeness(record: Mapping[str, Any]) -> Completeness:
    """A completeness record of the manifest (IG's counts ``steps``, EG's ``draws``); null (a
    non-finite number) becomes NaN."""
    spread = record.get("map_change", record.get("noise"))
    return Completeness(_number(record["attribution_sum"]), _number(record["logit_delta"]),
                        _number(record["relative_error"]), int(record["steps"] if "steps" in record else record["draws"]),
                        _number(spread))


def _number(value: float | None) -> float:
    return float("nan") if value is None else float(value)
