"""Attribution methods on the target-class logit; NumPy in, NumPy out.

Every method takes a Keras model (or a ``GradFn``), images (N, H, W, C) float32 in the
model's input scale and one integer target per image, and returns float32 arrays
shaped like the images. Only :mod:`.engine` touches TensorFlow (and numba); the methods ask it
for a gradient function (:class:`~.protocols.GradFn`) and Integrated Gradients for its path sums
(:class:`~.protocols.PathSums`, chosen by :func:`~.path_sums.path_sums_for`).
"""

from .completeness import CompletenessCheck, completeness, completeness_check
from .engine import GradientFunction, as_grad_fn, logits_model, scoring_model, shared_gradient_function, with_softmax
from .expected_gradients import baseline_scores, expected_gradients
from .gradient import gradient
from .gradient_x_input import gradient_x_input
from .integrated_gradients import (contrast_weights, contrastive_integrated_gradients, integrated_gradients,
                                   interpolate)
from .path_sums import path_sums_for
from .protocols import GradFn, PathSums
from .quadrature import METHODS, quadrature
from .saliency import saliency, saliency_from_gradient
from .smoothgrad import image_noise, smoothgrad

__all__ = [
    "METHODS",
    "CompletenessCheck",
    "GradFn",
    "GradientFunction",
    "PathSums",
    "as_grad_fn",
    "shared_gradient_function",
    "baseline_scores",
    "completeness",
    "contrast_weights",
    "contrastive_integrated_gradients",
    "completeness_check",
    "expected_gradients",
    "gradient",
    "gradient_x_input",
    "image_noise",
    "integrated_gradients",
    "interpolate",
    "logits_model",
    "path_sums_for",
    "quadrature",
    "saliency",
    "saliency_from_gradient",
    "scoring_model",
    "smoothgrad",
    "with_softmax",
]
