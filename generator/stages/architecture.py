"""A loaded model in one line for the model card: its layers by class with their key settings,
nested models by name with their own layers, and its parameter count.

Computing only (:func:`describe_model`, called where the model is loaded); the pages place the
line as it is. A model trained here is described by :func:`generator.stages.cnn.architecture_text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_SHOWN = 12
"""Layers shown per model; a longer one keeps its first :data:`HEAD` and last :data:`TAIL`."""
HEAD, TAIL = 6, 4
NESTED_MAX_SHOWN, NESTED_HEAD, NESTED_TAIL = 8, 4, 3
"""The same for a nested model, shown inside its parent's line."""
MAX_CHARACTERS = 400
"""A longer line shows nested models by name and layer count only."""


def describe_model(model: Any) -> str:
    """``model`` (a Keras model) in one line, e.g. "Conv2D(32, 3×3, relu) → MaxPooling2D(2) →
    Flatten → Dense(10); 34,826 parameters". A nested model reads "name[its layers]"; the middle of
    a long sequence is left out with its count ("… 20 layers left out …")."""
    text = _sequence(model, MAX_SHOWN, HEAD, TAIL, nested=True)
    if len(text) > MAX_CHARACTERS:
        text = _sequence(model, MAX_SHOWN, HEAD, TAIL, nested=False)
    try:
        parameters = f"; {int(model.count_params()):,} parameters"
    except Exception:  # an unbuilt model has no parameter count; the line still says its layers
        parameters = ""
    return text + parameters


def _sequence(model: Any, most: int, head: int, tail: int, *, nested: bool) -> str:
    """The layers of ``model`` joined by arrows, at most ``most`` of them shown."""
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    shown = [_layer(layer, nested) for layer in layers]
    if len(shown) > most:
        shown = [*shown[:head], f"… {len(shown) - head - tail} layers left out …", *shown[len(shown) - tail:]]
    return " → ".join(shown) if shown else "(no layers)"


def _layer(layer: Any, nested: bool) -> str:
    """One layer: "Conv2D(32, 3×3, relu)", or a nested model "name[its layers]"."""
    if isinstance(getattr(layer, "layers", None), list):  # a model inside the model
        if nested:
            return f"{layer.name}[{_sequence(layer, NESTED_MAX_SHOWN, NESTED_HEAD, NESTED_TAIL, nested=True)}]"
        return f"{layer.name}[{len(layer.layers)} layers]"
    try:
        config = layer.get_config()
    except Exception:  # a layer that cannot say its settings is named by its class alone
        config = {}
    settings = _settings(config)
    name = type(layer).__name__
    return f"{name}({', '.join(settings)})" if settings else name


def _settings(config: dict[str, Any]) -> list[str]:
    """The key settings of a layer's config: filters or units, kernel and pool sizes, strides that
    are not the default, the dropout rate and an activation other than linear."""
    shown = [str(config[key]) for key in ("filters", "units") if isinstance(config.get(key), int)]
    if "kernel_size" in config:
        shown.append(_size(config["kernel_size"], square_as_one=False))
    if "pool_size" in config:
        shown.append(_size(config["pool_size"], square_as_one=True))
    strides = config.get("strides")
    default = config.get("pool_size", 1)
    if strides is not None and _tuple(strides) != _tuple(default, len(_tuple(strides))):
        shown.append(f"stride {_size(strides, square_as_one=True)}")
    if isinstance(config.get("rate"), (int, float)):
        shown.append(f"{config['rate']:g}")
    activation = config.get("activation")
    if isinstance(activation, str) and activation != "linear":
        shown.append(activation)
    return shown


def _tuple(value: Any, length: int = 1) -> tuple[Any, ...]:
    """``value`` as a tuple; a single number repeated ``length`` times."""
    return tuple(value) if isinstance(value, Sequence) else (value,) * length


def _size(value: Any, *, square_as_one: bool) -> str:
    """A kernel, pool or stride size: "3×3"; "2" for a square pool or stride."""
    sizes = _tuple(value, 2)
    if square_as_one and len(set(sizes)) == 1:
        return str(sizes[0])
    return "×".join(str(size) for size in sizes)
