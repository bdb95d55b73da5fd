"""The method catalogue: the one place that says what each attribution method is.

Every list of methods in the package derives from :data:`CATALOGUE`, in its order: the gallery's
columns, colour scales and tile names, the published arrays and the manifest's list of them, the
trust checks and their charts, the baseline study, the decoy check, and the pages' lists of maps.
A :class:`Method` holds the names (key, title, short name, tile name, prose name), what its maps
are measured in (``unit``, a :class:`~generator.stages.model_output.ScoreWords` property) and how
they are shown (sign, colour map, line colour and style on the charts, how channels are reduced),
what it is (completeness check, Monte Carlo, contrast map) and the function that computes it.

The functions live in :mod:`generator.method_functions` and import the engine inside the call,
so importing this module (as figures and pages do) loads neither the engine nor TensorFlow.

Adding a method (see also ``docs/adding-a-method.md``):

1. **One function** ``f(request: MapRequest) -> np.ndarray`` returning float32 maps shaped like
   ``request.images`` (put the mathematics in :mod:`generator.attributions`, the wrapper in
   :mod:`generator.method_functions`).
2. **One catalogue entry**: a :class:`Method` appended to :data:`CATALOGUE` (or, for a method
   outside the package, named in the environment variable :data:`PLUGINS_VARIABLE` for a
   build, or :func:`enrolled` around Python code).
3. **One Methods page**: the hand-written ``site_src/methods/`` page that explains it, linked
   from the Methods index.

The contract test (``tests/test_method_functions.py``) then holds the new method to what every
method promises (float32, the images' shape, chunk size and batch order do not matter, a softmax
model gives its logits model's maps, seeded methods repeat).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from generator import method_functions as fn
from generator.method_functions import MapRequest

SIGNED_CMAP = "RdBu_r"
MAGNITUDE_CMAP = "viridis"


@dataclass(frozen=True)
class Method:
    """One attribution method.

    Attributes:
        key: the method's name in code, arrays and files, e.g. "integrated_gradients".
        title: its name as a heading, e.g. "Integrated Gradients".
        short: the name under a map where there are no column heads (phones), e.g. "IG".
        tile: its short name in tile file names, e.g. "ig".
        prose: its name inside a sentence, e.g. "gradient × input".
        unit: the :class:`~generator.stages.model_output.ScoreWords` property naming the unit of
            its maps ("units": score units; "per_intensity": score units per unit of intensity).
        signed: its maps span [−limit, +limit] (else [0, limit]).
        compute: the function of its maps, ``(MapRequest) -> (N, H, W, C) float32``.
        colour: its line colour on the charts (a Matplotlib colour).
        dashes: its line's dash pattern on the charts.
        marker: its marker on the charts.
        hollow: its markers are hollow, so a filled marker under them shows through.
        bar_label: its colour bar's label in the example figure, a format string of ``d`` (the
            derivative, "∂logit/∂x"), ``per_intensity`` ("(logit per unit of intensity)"), ``units``
            ("logit units") and ``short``.
        reduce: how its (H, W, C) map becomes the (H, W) map shown: "sum" or "max" over channels.
        has_completeness: its maps should sum to the change of the score (IG, EG), and the build
            checks that they do.
        monte_carlo: it draws random samples; ``seed`` fixes them.
        contrast: the tile name of its contrast map (score_pred − score_true) for each mistake,
            e.g. "contrast"; None: it has none.
        reuses_gradient: it is the plain gradient or a small step on it (its time counts the
            gradient's, which one request computes once).
        halves: for a Monte-Carlo method whose published maps state their noise: the function of
            its maps as two halves of samples (``.maps``, ``.noise()``); the published arrays then
            hold ``<key>_noise``.
        checked_as: for a method with a completeness check: the field of
            :class:`~generator.stages.attribute.AttributionArrays` holding its checked maps.
        contrast_as: the field holding its checked contrast maps.
    """

    key: str
    title: str
    short: str
    tile: str
    prose: str
    unit: str
    signed: bool
    compute: Callable[[MapRequest], np.ndarray]
    colour: str
    dashes: str
    marker: str
    hollow: bool = False
    bar_label: str = "{short} ({units})"
    reduce: str = "sum"
    has_completeness: bool = False
    monte_carlo: bool = False
    contrast: str | None = None
    reuses_gradient: bool = False
    halves: Callable[[MapRequest], Any] | None = None
    checked_as: str | None = None
    contrast_as: str | None = None

    @property
    def cmap(self) -> str:
        """Its colour map: the diverging one for signed maps, the sequential one otherwise."""
        return SIGNED_CMAP if self.signed else MAGNITUDE_CMAP

    def reduced(self, maps: np.ndarray) -> np.ndarray:
        """``maps`` (…, H, W, C) with channels reduced as shown: (…, H, W)."""
        return maps.max(axis=-1) if self.reduce == "max" else maps.sum(axis=-1)


def shown_input(images: np.ndarray) -> np.ndarray:
    """Inputs (…, H, W, C) as the pages show them: a grey one (C = 1) as (…, H, W), a colour one
    (C = 3) unchanged, (…, H, W, 3)."""
    return images if images.shape[-1] == 3 else images.sum(axis=-1)


GRADIENT = "gradient"
SALIENCY = "saliency"
GRADIENT_X_INPUT = "gradient_x_input"
SMOOTHGRAD = "smoothgrad"
INTEGRATED_GRADIENTS = "integrated_gradients"
EXPECTED_GRADIENTS = "expected_gradients"
"""The keys of the package's methods, for the code that names one of them (the Changes page
compares IG maps; the decoy page notes that saliency repeats the gradient)."""

CATALOGUE: tuple[Method, ...] = (
    Method(GRADIENT, title="Gradient", short="Gradient", tile="grad", prose="gradient", unit="per_intensity",
           signed=True, compute=fn.gradient_maps, colour="tab:blue", dashes="-", marker="o",
           bar_label="{d}\n{per_intensity}", reuses_gradient=True),
    Method(SALIENCY, title="Saliency", short="Saliency", tile="sal", prose="saliency", unit="per_intensity",
           signed=False, compute=fn.saliency_maps, colour="tab:orange", dashes="--", marker="s", hollow=True,
           bar_label="|{d}|\n{per_intensity}", reduce="max", reuses_gradient=True),
    Method(GRADIENT_X_INPUT, title="Gradient × input", short="Grad×input", tile="gxi", prose="gradient × input",
           unit="units", signed=True, compute=fn.gradient_x_input_maps, colour="tab:green", dashes="-", marker="^",
           bar_label="x · {d}\n({units})", reuses_gradient=True),
    Method(SMOOTHGRAD, title="SmoothGrad", short="SmoothGrad", tile="sg", prose="SmoothGrad", unit="per_intensity",
           signed=True, compute=fn.smoothgrad_maps, colour="tab:purple", dashes=":", marker="D",
           bar_label="mean {d}, noisy x\n{per_intensity}", monte_carlo=True, halves=fn.smoothgrad_halves),
    Method(INTEGRATED_GRADIENTS, title="Integrated Gradients", short="IG", tile="ig", prose="Integrated Gradients",
           unit="units", signed=True, compute=fn.integrated_gradients_maps, colour="tab:red", dashes="--",
           marker="v", hollow=True, has_completeness=True, contrast="contrast", checked_as="ig",
           contrast_as="contrast"),
    Method(EXPECTED_GRADIENTS, title="Expected Gradients", short="EG", tile="eg", prose="Expected Gradients",
           unit="units", signed=True, compute=fn.expected_gradients_maps, colour="tab:brown", dashes="-.",
           marker="P", has_completeness=True, monte_carlo=True, contrast="contrast-eg", checked_as="eg",
           contrast_as="contrast_eg"),
)
"""Every method, in the order the site shows them."""

PLUGINS_VARIABLE = "GRADIENT_GALLERY_METHODS"
"""The environment variable naming methods that live outside the package, for a whole build:
comma-separated ``module:attribute`` entries, each attribute a :class:`Method` or a tuple of
them, e.g. ``GRADIENT_GALLERY_METHODS=my_methods:SQUARED_GRADIENT``. A build's worker processes
inherit it, so every process of the build sees the same catalogue."""

_ENROLLED: list[Method] = []
_PLUGINS: dict[str, tuple[Method, ...]] = {}


def plugin_methods() -> tuple[Method, ...]:
    """The methods named by :data:`PLUGINS_VARIABLE` (imported once per value of it)."""
    spec = os.environ.get(PLUGINS_VARIABLE, "").strip()
    if spec not in _PLUGINS:
        found: list[Method] = []
        for entry in filter(None, (part.strip() for part in spec.split(","))):
            module, _, name = entry.partition(":")
            value = getattr(importlib.import_module(module), name)
            found += value if isinstance(value, tuple) else [value]
        if not all(isinstance(m, Method) for m in found):
            raise TypeError(f"{PLUGINS_VARIABLE}={spec!r} must name generator.methods.Method objects")
        _PLUGINS[spec] = tuple(found)
    return _PLUGINS[spec]


def methods() -> tuple[Method, ...]:
    """The catalogue in use: :data:`CATALOGUE`, then the methods of :data:`PLUGINS_VARIABLE`, then
    any method :func:`enrolled` for now."""
    return CATALOGUE + plugin_methods() + tuple(_ENROLLED)


def keys() -> tuple[str, ...]:
    """Every method's key, in catalogue order."""
    return tuple(m.key for m in methods())


def method(key: str) -> Method:
    """The method named ``key``; KeyError if there is none."""
    for m in methods():
        if m.key == key:
            return m
    raise KeyError(f"no method {key!r}; the catalogue has {', '.join(keys())}")


def contrast_methods() -> tuple[Method, ...]:
    """The methods with a contrast map for each mistake."""
    return tuple(m for m in methods() if m.contrast is not None)


def prose_list() -> str:
    """Every method's prose name, comma-separated: "gradient, saliency, …"."""
    return ", ".join(m.prose for m in methods())


def fingerprint() -> str:
    """The keys of the catalogue in use, in order: what a cached stage that lists every method
    depends on (a cache from another catalogue is not reused)."""
    return ",".join(keys())


@contextmanager
def enrolled(*extra: Method) -> Iterator[tuple[Method, ...]]:
    """Add ``extra`` methods to the catalogue in use (after :data:`CATALOGUE`) in this process
    for the duration of the ``with`` block; yields the catalogue with them. The extension point
    for a method outside the package used from Python (a notebook, a test); a build, whose
    workers are other processes, takes such methods from :data:`PLUGINS_VARIABLE`; a method of
    the package joins :data:`CATALOGUE` itself.

    Raises:
        ValueError: a key or tile name is taken already.
    """
    taken = {m.key for m in methods()} | {m.tile for m in methods()}
    for m in extra:
        if m.key in taken or m.tile in taken:
            raise ValueError(f"method {m.key!r} (tile {m.tile!r}) clashes with one in the catalogue")
        taken |= {m.key, m.tile}
    _ENROLLED.extend(extra)
    try:
        yield methods()
    finally:
        del _ENROLLED[len(_ENROLLED) - len(extra):]


__all__ = ["CATALOGUE", "MAGNITUDE_CMAP", "PLUGINS_VARIABLE", "MapRequest", "Method", "SIGNED_CMAP",
           "contrast_methods", "enrolled", "fingerprint", "keys", "method", "methods", "plugin_methods", "prose_list"]
