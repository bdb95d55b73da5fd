"""``tf.function`` with a fixed input signature, counted as its own function by TensorFlow."""

from __future__ import annotations

import functools
from typing import Any, Callable


def compiled(method: Callable[..., Any], *signature: Any) -> Callable[..., Any]:
    """``method`` compiled with ``signature`` (``tf.TensorSpec`` per argument, batch dimensions None),
    so no shape or batch size traces it again: each compiled function traces once.

    It is wrapped in a ``functools.partial`` because TensorFlow's frequent-retracing warning counts
    traces per Python code object, so that one trace each of many instances (the randomisation
    checks build a gradient function per randomised copy of the model) reads as one function
    retracing; through the partial each instance's function is counted on its own.
    """
    import tensorflow as tf

    return tf.function(functools.partial(method), input_signature=list(signature), reduce_retracing=True)
