"""The engine: the only wing of :mod:`generator.attributions` that touches TensorFlow or numba.

A Keras model becomes a :class:`GradientFunction` (:mod:`.adapter`, the faster layers of
:mod:`.input_convolution`, :mod:`.unread_border`, :mod:`.relu_after_pooling`,
:mod:`.bfloat16_convolution`), which also offers Integrated Gradients' sums along straight paths
(:mod:`.straight_path`, :mod:`.switch_sweep`) as a :class:`~..protocols.PathSums`. The mathematics
modules beside it are NumPy, and reach the engine through :func:`as_grad_fn` and
:func:`~..path_sums.path_sums_for` only.
"""

from .adapter import PATHS, GradientFunction
from .scoring import SMALLEST_PROBABILITY, logits_model, scoring_model, with_softmax
from .shared import as_grad_fn, shared_gradient_function

__all__ = ["PATHS", "SMALLEST_PROBABILITY", "GradientFunction", "as_grad_fn", "logits_model", "scoring_model",
           "shared_gradient_function", "with_softmax"]
