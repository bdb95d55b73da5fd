"""Walking a Keras model's layers, nested models included, by path."""

from __future__ import annotations

from typing import Any, Iterator


def layers_from_the_output(model: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, layer) for every layer of ``model`` and of the models inside it, from the output down,
    input layers left out. A layer's path is its name, after its sub-models' names and "/" when it
    is inside one (Keras names cannot contain "/")."""
    import keras

    for layer in reversed(model.layers):
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model):
            yield from layers_from_the_output(layer, f"{prefix}{layer.name}/")
        else:
            yield f"{prefix}{layer.name}", layer


def find_layer(model: Any, path: str) -> Any:
    """The layer of ``model`` at ``path`` (see :func:`layers_from_the_output`)."""
    for name in path.split("/"):
        model = model.get_layer(name)
    return model
