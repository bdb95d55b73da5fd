"""The model a report attributes and how it reads pixels, as one object with its one gradient function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.plumbing.input_scale import UNIT, InputScale
from generator.plumbing.settings import Settings


@dataclass(frozen=True, eq=False)
class ReportModel:
    """A Keras model, how it reads pixel/255 images and what it outputs, and its gradient function.

    Built once per model per build (:meth:`of`); every stage that attributes the model, or a copy
    of it read the same way (its randomised copies, the network trained on random labels), asks
    it for the gradient function (:attr:`grad_fn`, :meth:`function_of`) instead of rebuilding one.

    Attributes:
        model: the Keras model as loaded or trained.
        input_scale: how it reads pixel/255 (``model.input``).
        output: what it outputs, "logits" or "probabilities" (``model.output``).
        grad_fn: its one :class:`~generator.attributions.GradientFunction`.
    """

    model: Any
    input_scale: InputScale
    output: str
    grad_fn: Any

    @classmethod
    def of(cls, model: Any, settings: Settings | None = None) -> ReportModel:
        """``model`` as ``settings`` say it reads pixels and what it outputs (default settings when
        None), its gradient function in chunks of ``attribution.chunk_size`` images; a ReportModel
        is passed through."""
        if isinstance(model, ReportModel):
            return model
        settings = settings or Settings()
        return cls.reading(model, settings.model.input, settings.model.output, settings.attribution.chunk_size)

    @classmethod
    def reading(cls, model: Any, input_scale: InputScale = UNIT, output: str = "logits",
                chunk_size: int = 512) -> ReportModel:
        """``model`` reading ``input_scale`` and outputting ``output``, with its shared gradient function."""
        from generator.attributions import shared_gradient_function

        return cls(model, input_scale, output, shared_gradient_function(model, chunk_size, input_scale, output))

    def function_of(self, network: Any) -> Any:
        """The gradient function of ``network``, a model read as this one is (same input scale,
        output and chunk size), one per network while it lives."""
        from generator.attributions import shared_gradient_function

        return shared_gradient_function(network, self.grad_fn.chunk_size, self.input_scale, self.output)
