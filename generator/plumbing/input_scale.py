"""The scale a model reads its pixels in: one affine map from pixel/255 to the model's input.

Every stage holds images as u = pixel/255 (0 black, 1 white). A model that was trained on another
scale reads x = scale · u + offset, applied by the one gradient adapter
(:class:`generator.attributions.GradientFunction`) and by :func:`generator.stages.model.evaluate`:

- ``"unit"``: x = u (the report's own CNN);
- ``"byte"``: x = 255 · u, pixels 0..255;
- ``{ mean = m, std = s }``: x = (u − m) / s, standardised from unit scale.

All three are ``(u − mean) / std``: unit is mean 0, std 1; byte is mean 0, std 1/255.
Pure Python, so the settings can hold one without importing NumPy or TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BYTE_STD = 1.0 / 255.0


@dataclass(frozen=True)
class InputScale:
    """x_model = (pixel/255 − mean) / std.

    Attributes:
        mean: subtracted from pixel/255 (0 for unit and byte inputs).
        std: pixel/255 is divided by it (1 for unit inputs, 1/255 for byte inputs); above 0.
    """

    mean: float = 0.0
    std: float = 1.0

    @property
    def scale(self) -> float:
        """Model input per unit of pixel/255: ∂x_model/∂u = 1 / std."""
        return 1.0 / self.std

    @property
    def offset(self) -> float:
        """The model input of a black pixel: (0 − mean) / std."""
        return -self.mean / self.std

    @property
    def label(self) -> str:
        """How a user writes it: ``unit``, ``byte`` or ``mean=M,std=S``."""
        if self == UNIT:
            return "unit"
        if self == BYTE:
            return "byte"
        return f"mean={self.mean:g},std={self.std:g}"

    @property
    def formula(self) -> str:
        """What the model reads, in pixel terms: ``pixel/255``, ``pixel`` or ``(pixel/255 − M)/S``."""
        if self == UNIT:
            return "pixel/255"
        if self == BYTE:
            return "pixel (0..255)"
        return f"(pixel/255 − {self.mean:g})/{self.std:g}"

    def __str__(self) -> str:
        return self.label

    def apply(self, unit_images: Any) -> Any:
        """The model's input for images in pixel/255 (a NumPy array or a tensor, dtype kept)."""
        if self == UNIT:
            return unit_images
        return unit_images * self.scale + self.offset


UNIT = InputScale()
BYTE = InputScale(0.0, BYTE_STD)
MNIST_STANDARD = InputScale(0.1307, 0.3081)
"""The standardisation most MNIST examples use (torchvision's mean and std of the training pixels)."""
CANDIDATES = (UNIT, BYTE, MNIST_STANDARD)
"""The scales the accuracy check tries when the one set gives chance accuracy."""
