"""One :class:`~.adapter.GradientFunction` per model and arguments, kept while the model lives.

The functions are kept on the model itself, in an attribute Keras does not track: a
``WeakKeyDictionary`` keyed by the model would never let it go, since every value (a
gradient function) holds its key (the model). On the model, the two form a cycle that is freed
with the model.
"""

from __future__ import annotations

from typing import Any

from generator.plumbing.input_scale import UNIT, InputScale

from ..protocols import GradFn
from .adapter import GradientFunction
from .scoring import ends_in_softmax

_ATTRIBUTE = "_gradient_gallery_functions"


def functions_of(model: Any) -> dict[tuple[Any, ...], GradientFunction]:
    """The gradient functions made of ``model`` so far, by their arguments (empty at first)."""
    functions = model.__dict__.get(_ATTRIBUTE)
    if functions is None:
        functions = {}
        object.__setattr__(model, _ATTRIBUTE, functions)  # past Keras's attribute tracking
    return functions


def shared_gradient_function(model: Any, chunk_size: int = 512, input_scale: InputScale = UNIT,
                             output: str = "logits") -> GradientFunction:
    """The one :class:`GradientFunction` of ``model`` with these arguments, made on first use and
    then shared by every caller that asks (the gallery, the trust checks, the decoy check, and the
    public methods given the model, :func:`as_grad_fn`), so that its compiled functions are traced
    once. The model's weights may change in place meanwhile only when it outputs logits (a final
    softmax is taken off a copy, :func:`~.scoring.logits_model`)."""
    functions = functions_of(model)
    key = (int(chunk_size), input_scale, output)
    if key not in functions:
        functions[key] = GradientFunction(model, chunk_size=chunk_size, input_scale=input_scale, output=output)
    return functions[key]


def as_grad_fn(model_or_fn: Any, chunk_size: int = 512) -> GradFn:
    """A ready gradient function: a Keras model's shared one (:func:`shared_gradient_function`, by
    ``chunk_size``), so that calling a method batch after batch compiles once; a GradFn passed
    through. A model ending in a softmax gets a new one each time: its logits are taken from a
    copy of its weights, which training the model in place between calls would leave behind."""
    if isinstance(model_or_fn, GradientFunction) or not hasattr(model_or_fn, "layers"):
        return model_or_fn
    if ends_in_softmax(model_or_fn):
        return GradientFunction(model_or_fn, chunk_size=chunk_size)
    return shared_gradient_function(model_or_fn, chunk_size=chunk_size)
