"""The CNN trained here: its layers for any (H, W, C) input and K classes, and its model-card line.

For 28×28×1 and 10 classes it is exactly the MNIST CNN (same layers, in the same order, with the
same initialisers), so a model trained with the same seed is the same file.
"""

from __future__ import annotations

from typing import Any

ARCHITECTURE = "Conv(32, 3×3, ReLU) → MaxPool(2) → Conv(64, 3×3, ReLU) → MaxPool(2) → Flatten → Dropout(0.5) → Dense(10 logits)"
"""The layers line of the CNN for 28×28 images in 10 classes (:func:`architecture_text`)."""
SMALLEST_SIDE = 8
"""The smallest image side the CNN trained here takes (one block: 8 → 6 → 3 pixels)."""
FEATURE_SIDE = 7
"""The CNN adds convolution blocks until its feature map is at most this many pixels on its longer side."""
FIRST_WIDTH, MAX_WIDTH = 32, 128
"""Filters of the first block; each further block doubles them, up to :data:`MAX_WIDTH`."""


def cnn_blocks(height: int, width: int) -> tuple[int, ...]:
    """The filters of each Conv(3×3, valid, ReLU) → MaxPool(2) block of the CNN for H×W images.

    Blocks are added while the feature map's longer side is above :data:`FEATURE_SIDE` pixels and
    its shorter side still takes one more block (at least 4 pixels: 3×3 valid, then a 2×2 pool);
    block i has min(32 · 2^i, 128) filters. 28×28 gives (32, 64) (28 → 26 → 13 → 11 → 5 pixels);
    32×32 gives (32, 64) (→ 6 pixels); 64×64 gives (32, 64, 128) (→ 6); 8×8 gives (32,) (→ 3).

    Raises:
        ValueError: a side below :data:`SMALLEST_SIDE`.
    """
    if min(height, width) < SMALLEST_SIDE:
        raise ValueError(f"the CNN trained here needs images of at least {SMALLEST_SIDE}×{SMALLEST_SIDE} "
                         f"pixels, got {height}×{width}")
    filters: list[int] = []
    sides = (height, width)
    while not filters or (max(sides) > FEATURE_SIDE and min(sides) >= 4):
        filters.append(min(FIRST_WIDTH * 2 ** len(filters), MAX_WIDTH))
        sides = tuple((side - 2) // 2 for side in sides)
    return tuple(filters)


def architecture_text(input_shape: tuple[int, int, int] = (28, 28, 1), classes: int = 10) -> str:
    """The model card's layers line of :func:`build_cnn` (:data:`ARCHITECTURE` for 28×28×1 and 10 classes)."""
    blocks = " → ".join(f"Conv({width}, 3×3, ReLU) → MaxPool(2)" for width in cnn_blocks(*input_shape[:2]))
    return f"{blocks} → Flatten → Dropout(0.5) → Dense({classes} logits)"


def describe_cnn(model: Any) -> str:
    """:func:`architecture_text` of a model :func:`build_cnn` made, from its shapes."""
    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    return architecture_text(shape, int(model.outputs[0].shape[-1]))  # type: ignore[arg-type]


def build_cnn(input_shape: tuple[int, int, int] = (28, 28, 1), classes: int = 10) -> Any:
    """The report's CNN for (H, W, C) images and K = ``classes``; the last layer outputs logits
    (no softmax).

    Blocks of Conv(3×3, valid, ReLU) → MaxPool(2) as :func:`cnn_blocks` says (for 28×28: two, of 32
    and 64 filters), then Flatten → Dropout(0.5) → Dense(K, name "logits"), Keras' default
    initialisers. H, W ≥ 8, C any (1 or 3 in practice), K ≥ 2.

    Raises:
        ValueError: an image side below 8 or fewer than 2 classes.
    """
    import keras

    if classes < 2:
        raise ValueError(f"the CNN trained here needs at least 2 classes, got {classes}")
    blocks = cnn_blocks(int(input_shape[0]), int(input_shape[1]))
    layers: list[Any] = [keras.Input(shape=tuple(input_shape))]
    for width in blocks:
        layers += [keras.layers.Conv2D(width, 3, activation="relu"), keras.layers.MaxPooling2D(2)]
    return keras.Sequential(
        [*layers, keras.layers.Flatten(), keras.layers.Dropout(0.5), keras.layers.Dense(classes, name="logits")],
        name="gradient_gallery_cnn",
    )
