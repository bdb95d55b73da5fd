"""What the report publishes for verification: manifest.json, the arrays and the model."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .explain import COMPLETENESS_TOLERANCE, AttributionArrays
from .fileio import write_bytes_if_changed, write_text_if_changed

NPZ_KEYS = ("index", "target", "image", "gradient", "saliency", "integrated_gradients")
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz archive (readable by ``np.load``) with fixed timestamps, so equal arrays give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def write_arrays(arrays: AttributionArrays, path: Path) -> bool:
    """Publish the rows behind the figures: float32 maps in the model's input shape."""
    values = {
        "index": arrays.index.astype(np.int64),
        "target": arrays.target.astype(np.int64),
        "image": arrays.image.astype(np.float32),
        "gradient": arrays.gradient.astype(np.float32),
        "saliency": arrays.saliency.astype(np.float32),
        "integrated_gradients": arrays.integrated_gradients.astype(np.float32),
    }
    return write_bytes_if_changed(path, npz_bytes(values))


def copy_if_changed(source: Path, destination: Path) -> bool:
    if destination.is_file() and destination.read_bytes() == source.read_bytes():
        return False
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)
    return True


def completeness_summary(arrays: AttributionArrays) -> dict[str, Any]:
    errors = arrays.relative_error
    return {
        "tolerance": COMPLETENESS_TOLERANCE,
        "median_relative_error": float(np.median(errors)) if len(errors) else 0.0,
        "max_relative_error": float(np.max(errors)) if len(errors) else 0.0,
        "rows": int(len(errors)),
        "rows_above_tolerance": int(np.sum(errors > COMPLETENESS_TOLERANCE)),
    }


def example_records(arrays: AttributionArrays, labels: np.ndarray, predictions: np.ndarray,
                    confidences: np.ndarray, figures: dict[int, str]) -> list[dict[str, Any]]:
    """One record per published test image, each listing its attributed targets."""
    records: dict[int, dict[str, Any]] = {}
    for row, test_index in enumerate(arrays.index.tolist()):
        record = records.setdefault(test_index, {
            "test_index": test_index,
            "true_label": int(labels[test_index]),
            "predicted": int(predictions[test_index]),
            "confidence": round(float(confidences[test_index]), 6),
            "figure": figures[test_index],
            "targets": [],
        })
        target = int(arrays.target[row])
        record["targets"].append({
            "row": row,
            "target": target,
            "role": "predicted" if target == record["predicted"] else "true",
            "completeness": {
                "attribution_sum": round(float(arrays.attribution_sum[row]), 6),
                "logit_delta": round(float(arrays.logit_delta[row]), 6),
                "relative_error": float(f"{arrays.relative_error[row]:.6g}"),
                "steps": int(arrays.steps[row]),
            },
        })
    return list(records.values())


def write_manifest(manifest: dict[str, Any], path: Path) -> bool:
    return write_text_if_changed(path, json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
