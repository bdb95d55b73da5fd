"""The scale a model reads its pixels in: one affine map from pixel/255 to the model's input.

Every stage holds images as u = pixel/255 (0 black, 1 white). A model that was trained on another
scale reads x = scale · u + offset, applied by the one gradient adapter
(:class:`generator.attributions.GradientFunction`) and by :func:`generator.stages.model.evaluate`:

- ``"unit"``: x = u (the report's own CNN);
- ``"byte"``: x = 255 · u, pixels 0..255;
- ``{ mean = m, std = s }``: x = (u − m) / s, standardised from unit scale;
- ``{ mean = [m_1, …, m_C], std = [s_1, …, s_C] }``: the same per channel c (the last axis of an
  (…, H, W, C) image), x_c = (u_c − m_c) / s_c, as torchvision's ``Normalize`` does; the model
  must have C channels.

All are ``(u − mean) / std``: unit is mean 0, std 1; byte is mean 0, std 1/255. A scalar mean and
std apply to every channel; a per-channel scale holds tuples. Baselines stay in pixel/255 (0 is
black in every channel), whatever the scale.
Pure Python, so the settings can hold one without importing NumPy or TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

BYTE_STD = 1.0 / 255.0

Number = Union[float, tuple[float, ...]]
"""One value for every channel, or one per channel."""


def _text(value: Number) -> str:
    """``0.5`` or, per channel, ``0.485,0.456,0.406``."""
    return ",".join(f"{v:g}" for v in value) if isinstance(value, tuple) else f"{value:g}"


@dataclass(frozen=True)
class InputScale:
    """x_model = (pixel/255 − mean) / std, per channel when mean and std are tuples.

    Attributes:
        mean: subtracted from pixel/255 (0 for unit and byte inputs); a float for every channel,
            or a tuple with one value per channel.
        std: pixel/255 is divided by it (1 for unit inputs, 1/255 for byte inputs); above 0; a
            float, or a tuple as long as ``mean`` when that is a tuple.
    """

    mean: Number = 0.0
    std: Number = 1.0

    @property
    def channels(self) -> int | None:
        """How many channels a per-channel scale is for; None for a scalar one (any channels)."""
        return len(self.mean) if isinstance(self.mean, tuple) else None

    @property
    def scale(self) -> Number:
        """Model input per unit of pixel/255: ∂x_model/∂u = 1 / std (per channel for tuples)."""
        if isinstance(self.std, tuple):
            return tuple(1.0 / s for s in self.std)
        return 1.0 / self.std

    @property
    def offset(self) -> Number:
        """The model input of a black pixel: (0 − mean) / std (per channel for tuples)."""
        if isinstance(self.mean, tuple):
            return tuple(-m / s for m, s in zip(self.mean, self.std))  # type: ignore[arg-type]
        return -self.mean / self.std  # type: ignore[operator]

    @property
    def label(self) -> str:
        """How a user writes it: ``unit``, ``byte``, ``mean=M,std=S`` or, per channel,
        ``mean=M1,M2,M3/std=S1,S2,S3``."""
        if self == UNIT:
            return "unit"
        if self == BYTE:
            return "byte"
        if self.channels is not None:
            return f"mean={_text(self.mean)}/std={_text(self.std)}"
        return f"mean={self.mean:g},std={self.std:g}"

    @property
    def formula(self) -> str:
        """What the model reads, in pixel terms: ``pixel/255``, ``pixel``, ``(pixel/255 − M)/S`` or,
        per channel, ``(pixel/255 − (M1, M2, M3))/(S1, S2, S3) per channel``."""
        if self == UNIT:
            return "pixel/255"
        if self == BYTE:
            return "pixel (0..255)"
        if self.channels is not None:
            return (f"(pixel/255 − ({_text(self.mean).replace(',', ', ')}))/"
                    f"({_text(self.std).replace(',', ', ')}) per channel")
        return f"(pixel/255 − {self.mean:g})/{self.std:g}"

    def __str__(self) -> str:
        return self.label

    def channel_error(self, channels: int) -> str | None:
        """None when this scale applies to images of ``channels`` channels, else why not."""
        if self.channels is None or self.channels == channels:
            return None
        return (f"model.input has {self.channels} per-channel means and stds ({self.label}), but the model "
                f"reads {channels} channel{'s' if channels != 1 else ''}")

    def apply(self, unit_images: Any) -> Any:
        """The model's input for (…, C) images in pixel/255 (a NumPy array or a tensor, dtype kept).

        Raises:
            ValueError: a per-channel scale for another number of channels than the last axis.
        """
        if self == UNIT:
            return unit_images
        if self.channels is None:
            return unit_images * self.scale + self.offset
        message = self.channel_error(int(unit_images.shape[-1]))
        if message is not None:
            raise ValueError(message)
        import numpy as np

        dtype = getattr(unit_images.dtype, "as_numpy_dtype", unit_images.dtype)  # a tensor's, or an array's
        return unit_images * np.asarray(self.scale, dtype=dtype) + np.asarray(self.offset, dtype=dtype)


UNIT = InputScale()
BYTE = InputScale(0.0, BYTE_STD)
MNIST_STANDARD = InputScale(0.1307, 0.3081)
"""The standardisation most MNIST examples use (torchvision's mean and std of the training pixels)."""
CANDIDATES = (UNIT, BYTE, MNIST_STANDARD)
"""The scales the accuracy check tries when the one set gives chance accuracy."""
